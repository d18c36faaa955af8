#if canImport(Glibc)
import Glibc
#endif
import Foundation
import HaechiCore
import HaechiStore
import HaechiTestSupport
import Testing
@testable import HaechiSender

/// The real `haechi-sender` binary against the platform stand-ins in this process.
///
/// On a thread of its own (`.ownThread`), like `SenderProcessTests`: the kill loop polls the
/// stand-in every 5 ms to kill a run a few requests in. On the shared pool a CPU-heavy suite
/// beside it once held both threads while the first run drained all 200 messages, and not one
/// kill landed while draining.
@Suite(.ownThread, .serialized) struct PlatformProcessTests {
    typealias Child = SenderProcessTests.Child

    @Test func killDashNineWhile200MessagesDrainToBlueskyLeavesNoDuplicateRecords() async throws {
        let fx = try Fixture()
        defer { fx.remove() }
        // Some connections drop right after the record was created, as a crashing proxy would.
        let pds = try await BlueskyStandIn(delay: { .random(in: 0.04...0.12) }, faults: { text, previous in
            previous == 0 && text.hasSuffix("7번") ? .dropAfterCreate : .none
        })
        defer { Task { await pds.close() } }
        let password = try fx.secretFile("bsky.app-password", pds.password)
        let configPath = fx.dir + "/sender.yaml"
        try """
        \(retryPolicy(base: "20ms", cap: "200ms", maxAttempts: 50, timeout: "2s"))
        concurrency: 2
        channels:
          bluesky:
            live: { kind: bluesky, url: "\(pds.url)", handle: \(pds.handle), password_file: \(password) }
        """.write(toFile: configPath, atomically: true, encoding: .utf8)
        let count = 200
        try fx.queue((0..<count).map { message("k\($0)", channels: ["bluesky"], ko: "호우 경보 \($0)번") })

        // Each run is killed after a random few more requests reached the PDS: the kill lands
        // between or inside requests however loaded the machine is (a fixed sleep could let one
        // run drain everything while the test process waits for a core).
        var kills = 0, killsWhileDraining = 0
        while killsWhileDraining < 20 && kills < 200 && pds.snapshot.records.count < count {
            let requestsBefore = pds.snapshot.requests
            let more = Int.random(in: 1...6)
            let child = try Child(["--state", fx.dir, "--config", configPath], log: fx.dir + "/sender.log")
            _ = await SenderProcessTests.poll(timeout: 20) { pds.snapshot.requests >= requestsBefore + more }
            child.kill(SIGKILL)
            _ = await child.wait(timeout: 5)
            kills += 1
            if pds.snapshot.records.count < count { killsWhileDraining += 1 }
        }
        #expect(killsWhileDraining >= 20, "only \(killsWhileDraining) kills landed before everything was posted")

        let last = try Child(["--state", fx.dir, "--config", configPath, "--once"], log: fx.dir + "/sender.log")
        let status = await last.wait(timeout: 1200)
        #expect(status == 0, "last run: \(last.log.suffix(2000))")

        let state = pds.snapshot
        #expect(state.violations.isEmpty, "\(state.violations.prefix(5))")
        #expect(state.records.count == count, "records: \(state.records.count)")
        // No duplicate: one record per text, and no create ever reached an existing key.
        let texts = state.records.values.map(\.text)
        #expect(Set(texts) == Set((0..<count).map { "호우 경보 \($0)번" }))
        #expect(state.duplicateCreates == 0)
        var lastKind: [String: DeliveryRecord.Kind] = [:]
        for r in try fx.ledger() { lastKind[r.key] = r.kind }
        #expect(lastKind.count == count && lastKind.values.allSatisfy { $0 == .delivered })
        let interrupted = try fx.ledger().filter { $0.kind == .attempt && ($0.attempt ?? 0) > 1 }.count
        print("kill -9 (bluesky): \(kills) kills (\(killsWhileDraining) while draining), \(state.sessionsCreated) sessions, \(interrupted) repeated attempts, \(state.records.count) records, 0 duplicates")
    }

    @Test func checkVerifiesEveryCredentialWithoutPostingAndRefusesADrillOnTheLiveAccount() async throws {
        let fx = try Fixture()
        defer { fx.remove() }
        let x = try await XStandIn()
        let pds = try await BlueskyStandIn()
        let page = try await FacebookStandIn()
        let mastodon = try await Receiver(.mastodon(token: "masto-token", maxCharacters: 500))
        defer { Task { await x.close(); await pds.close(); await page.close(); await mastodon.close() } }
        let configPath = fx.dir + "/sender.yaml"
        try """
        channels:
          x:
            live: { kind: x, url: "\(x.url)", token_file: \(try fx.secretFile("x.token", x.token)) }
          bluesky:
            live: { kind: bluesky, url: "\(pds.url)", handle: \(pds.handle), password_file: \(try fx.secretFile("bsky.pw", pds.password)) }
          facebook:
            live: { kind: facebook, url: "\(page.url)", page_id: "\(page.pageID)", token_file: \(try fx.secretFile("fb.token", page.token)) }
          cap:
            drill: { kind: file, path: \(fx.dir)/drill.jsonl }
          mastodon:
            live: { kind: mastodon, url: "\(mastodon.url)", token_file: \(try fx.secretFile("m.token", "masto-token")) }
        """.write(toFile: configPath, atomically: true, encoding: .utf8)
        let child = try Child(["--check", "--config", configPath], log: fx.dir + "/check.log")
        #expect(await child.wait(timeout: 300) == 0, "\(child.log)")
        let log = child.log
        #expect(log.contains("sender.yaml:3:11: x.live (x live \(x.url)): ok: token works for @seoul_haechi (id \(x.userID))"), "\(log)")
        #expect(log.contains("bluesky.live (bluesky live \(pds.url) @\(pds.handle)): ok: app password works for @\(pds.handle) (\(pds.did))"), "\(log)")
        #expect(log.contains("facebook.live (facebook live \(page.url) Page \(page.pageID)): ok: token opens '서울특별시 Seoul' (Page \(page.pageID))"), "\(log)")
        #expect(log.contains("cap.drill (file drill \(fx.dir)/drill.jsonl): not checked"))
        #expect(log.contains("mastodon.live (mastodon live \(mastodon.url)): ok: token works for @seoul"), "\(log)")
        #expect(log.contains("every credential works; nothing was posted"))
        #expect(mastodon.snapshot.posts.isEmpty)
        #expect(x.snapshot.posts.isEmpty && x.snapshot.userLookups == 1)
        #expect(pds.snapshot.records.isEmpty && pds.snapshot.creates.isEmpty && pds.snapshot.getSessions == 1)
        #expect(page.snapshot.posts.isEmpty && page.snapshot.attempts.isEmpty && page.snapshot.pageLookups == 1)
        for secret in [x.token, pds.password, page.token] { #expect(!log.contains(secret), "a credential was printed") }

        // Two token files, one X account: the config cannot see it, the check does.
        let other = try await XStandIn(token: "another-token-same-account", userID: x.userID)
        defer { Task { await other.close() } }
        try """
        channels:
          x:
            live:  { kind: x, url: "\(x.url)", token_file: \(try fx.secretFile("x.token", x.token)) }
            drill: { kind: x, url: "\(other.url)", token_file: \(try fx.secretFile("x-drill.token", other.token)) }
        """.write(toFile: configPath, atomically: true, encoding: .utf8)
        let second = try Child(["--check", "--config", configPath], log: fx.dir + "/check2.log")
        #expect(await second.wait(timeout: 300) == 1, "\(second.log)")
        #expect(second.log.contains("FAILED: drill endpoint x.drill opens the same account (x:\(x.userID)) as the live endpoint x.live (\(configPath):3:12); drill posts would reach the public"), "\(second.log)")
        #expect(!second.log.contains("x.drill (x drill \(other.url)): ok"), "the drill line says FAILED, not ok")
        #expect(second.log.contains("1 problem(s); nothing was posted"))
        #expect(x.snapshot.posts.isEmpty && other.snapshot.posts.isEmpty)
    }

    @Test func aBadCredentialFailsTheCheckWithThePlatformsMessage() async throws {
        let fx = try Fixture()
        defer { fx.remove() }
        let pds = try await BlueskyStandIn(password: "the-real-app-password")
        defer { Task { await pds.close() } }
        let configPath = fx.dir + "/sender.yaml"
        try """
        channels:
          bluesky:
            live: { kind: bluesky, url: "\(pds.url)", handle: \(pds.handle), password_file: \(try fx.secretFile("pw", "not-the-password")) }
        """.write(toFile: configPath, atomically: true, encoding: .utf8)
        let child = try Child(["--check", "--config", configPath], log: fx.dir + "/check.log")
        #expect(await child.wait(timeout: 300) == 1, "\(child.log)")
        #expect(child.log.contains("FAILED: com.atproto.server.createSession for @\(pds.handle) refused: HTTP 401: AuthenticationRequired: Invalid identifier or password"), "\(child.log)")
        #expect(!child.log.contains("not-the-password"))
    }
}
