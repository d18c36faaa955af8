#if canImport(Glibc)
import Glibc
#endif
import Foundation
import HaechiCore
import HaechiStore
import HaechiTestSupport
import Testing
@testable import HaechiSender

/// One throwaway PostgreSQL server for this test process (PostgresScratch), a database per test.
enum SenderDatabase {
    static let server: Result<PostgresScratch, any Error> = Result { try PostgresScratch.start() }

    static func fresh() throws -> (PostgresScratch, PostgresAddress) {
        let server = try server.get()
        let address = try server.createDatabase()
        try PostgresSchema.migrate(PostgresStore(address, checkSchema: false))
        return (server, address)
    }
}

/// Several `haechi-sender --store postgresql://…` processes sharing one database: claims with
/// `FOR UPDATE SKIP LOCKED` and a lease, takeover after a death, the database restarted under them.
@Suite(.ownThread, .serialized) struct PostgresSenderTests {
    @Test func threeSendersKilledAtRandomAndTheDatabaseRestartedDeliverEveryPostOnce() async throws {
        let (server, address) = try SenderDatabase.fresh()
        let fx = try Fixture()
        defer { fx.remove() }
        let secret = makeWebhookSecret()
        // Slow answers, so the drain spans many kills and requests are often in flight when one lands.
        let slow: @Sendable () -> TimeInterval = { .random(in: 0.05...0.25) }
        let mastodon = try await Receiver(.mastodon(token: "tok", maxCharacters: 500), delay: slow)
        let hook = try await Receiver(.webhook(secret: secret), delay: slow)
        // A receiver the config declares without idempotency: an interrupted post there is `unknown`.
        let legacy = try await Receiver(.webhook(secret: secret), delay: slow)
        // Live endpoints for the same channels: a drill message must never reach them.
        let live = try await Receiver(.webhook(secret: secret))
        defer { Task { await mastodon.close(); await hook.close(); await legacy.close(); await live.close() } }
        let token = try fx.secretFile("mastodon.token", "tok")
        let hookSecret = try fx.secretFile("hook.secret", secret)
        let configPath = fx.dir + "/sender.yaml"
        try """
        \(retryPolicy(base: "20ms", cap: "300ms", maxAttempts: 100, timeout: "3s"))
        concurrency: 4
        channels:
          mastodon:
            drill: { kind: mastodon, url: "\(mastodon.url)", token_file: \(token) }
            live: { kind: webhook, url: "\(live.url)", secret_file: \(hookSecret) }
          kakao:
            drill: { kind: webhook, url: "\(hook.url)", secret_file: \(hookSecret) }
            live: { kind: webhook, url: "\(live.url)", secret_file: \(hookSecret) }
          legacy:
            drill: { kind: webhook, url: "\(legacy.url)", secret_file: \(hookSecret), idempotent: false }
            live: { kind: webhook, url: "\(live.url)", secret_file: \(hookSecret) }
        """.write(toFile: configPath, atomically: true, encoding: .utf8)

        let store = try PostgresStore(address)
        let count = 500
        let messages = (0..<count).map { i in
            message("p\(i)", mode: .drill, channels: i % 10 == 0 ? ["mastodon", "kakao", "legacy"] : ["mastodon", "kakao"], ko: "메시지 \(i)번")
        }
        try store.append(messages.map { OutboxRecord.message($0) }, to: .outbox)
        let idempotentKeys = Set((0..<count).flatMap { ["p\($0).mastodon.ko", "p\($0).kakao.ko"] })
        let legacyKeys = Set(stride(from: 0, to: count, by: 10).map { "p\($0).legacy.ko" })
        func storedKeys() -> Set<String> { Set(mastodon.snapshot.stored.keys).union(hook.snapshot.stored.keys) }

        let arguments = ["--store", address.description, "--config", configPath, "--lease", "2"]
        var senders = try (0..<3).map { try SenderProcessTests.Child(arguments, log: fx.dir + "/sender\($0).log") }
        defer { for s in senders { s.kill(SIGKILL) } }
        var kills = 0, killsWhileDraining = 0, restarts = 0
        let started = Date()
        while Date().timeIntervalSince(started) < 300 {
            let draining = storedKeys().count < idempotentKeys.count
            if !draining && killsWhileDraining >= 20 && restarts >= 2 { break }
            try? await Task.sleep(nanoseconds: UInt64.random(in: 250_000_000...700_000_000))
            let victim = Int.random(in: 0..<3)
            senders[victim].kill(SIGKILL)
            _ = await senders[victim].wait(timeout: 5)
            kills += 1
            if storedKeys().count < idempotentKeys.count { killsWhileDraining += 1 }
            if (killsWhileDraining == 7 || killsWhileDraining == 14) && restarts < killsWhileDraining / 7 {
                // The server dies without a checkpoint mid-drain and recovers from its WAL.
                try server.restartImmediately()
                restarts += 1
            }
            // Like systemd's Restart=always: a killed sender, or one that stopped because the
            // database went away under it, is started again.
            for i in 0..<3 where !senders[i].isRunning {
                senders[i] = try SenderProcessTests.Child(arguments, log: fx.dir + "/sender\(i).log")
            }
            if !draining && kills > 400 { break }
        }
        #expect(killsWhileDraining >= 20, "only \(killsWhileDraining) kills landed while draining")
        #expect(restarts == 2)
        for s in senders { s.kill(SIGTERM) }
        for s in senders { _ = await s.wait(timeout: 20) }

        // Whatever is left (a post whose sender died in its last request) is settled by one
        // more sender, once the dead ones' leases have run out.
        let last = try SenderProcessTests.Child(arguments + ["--once"], log: fx.dir + "/last.log")
        let status = await last.wait(timeout: 1200)
        #expect(status == 0, "last run: \(last.log.suffix(3000))")

        #expect(storedKeys() == idempotentKeys, "lost: \(idempotentKeys.subtracting(storedKeys()).sorted().prefix(10))")
        #expect(mastodon.snapshot.stored.count + hook.snapshot.stored.count == idempotentKeys.count)
        #expect(live.snapshot.posts.isEmpty, "a drill message reached a live endpoint")
        // Never re-posted blind where the endpoint has no idempotency.
        #expect(legacy.postsPerKey().values.allSatisfy { $0 == 1 }, "\(legacy.postsPerKey().filter { $0.value > 1 })")

        let (records, bad) = try store.readAll(DeliveryRecord.self, .ledger)
        #expect(bad.isEmpty, "\(bad)")
        var final: [String: DeliveryRecord.Kind] = [:]
        for r in records { final[r.key] = r.kind }
        #expect(Set(final.keys) == idempotentKeys.union(legacyKeys))
        for key in idempotentKeys { #expect(final[key] == .delivered, "\(key): \(String(describing: final[key]))") }
        let unknown = final.filter { $0.value == .unknown }.map(\.key)
        #expect(Set(unknown).isSubset(of: legacyKeys), "unknown outside the non-idempotent endpoint: \(unknown)")
        for key in legacyKeys { #expect(final[key] == .delivered || final[key] == .unknown, "\(key): \(String(describing: final[key]))") }
        // A legacy post the ledger calls delivered reached its receiver exactly once.
        for key in legacyKeys where final[key] == .delivered { #expect(legacy.postsPerKey()[key] == 1) }
        let reposts = mastodon.postsPerKey().values.filter { $0 > 1 }.count + hook.postsPerKey().values.filter { $0 > 1 }.count
        print("3 senders on PostgreSQL: \(kills) kills (\(killsWhileDraining) while draining), \(restarts) server restarts, "
              + "\(reposts) keys posted more than once and stored once, \(unknown.count) unknown at the non-idempotent endpoint, "
              + "\(Int(Date().timeIntervalSince(started)))s")
    }

    @Test func sendersBeatInTheDatabaseAndShareTheOutbox() async throws {
        let (_, address) = try SenderDatabase.fresh()
        let fx = try Fixture()
        defer { fx.remove() }
        let secret = makeWebhookSecret()
        let hook = try await Receiver(.webhook(secret: secret))
        defer { Task { await hook.close() } }
        let configPath = fx.dir + "/sender.yaml"
        try """
        channels:
          kakao:
            live: { kind: webhook, url: "\(hook.url)", secret_file: \(try fx.secretFile("s", secret)) }
        """.write(toFile: configPath, atomically: true, encoding: .utf8)
        // The safety re-read is an hour away: a post that arrives at all came through NOTIFY.
        let arguments = ["--store", address.description, "--config", configPath, "--poll-interval", "3600"]
        let a = try SenderProcessTests.Child(arguments, log: fx.dir + "/a.log")
        let b = try SenderProcessTests.Child(arguments, log: fx.dir + "/b.log")
        defer { a.kill(SIGKILL); b.kill(SIGKILL) }
        let store = try PostgresStore(address)
        // Two senders on one database: both run (no lock refuses the second), both beat.
        #expect(await SenderProcessTests.poll(timeout: 20) { store.senders(now: Date()).alive == 2 }, "\(a.log)\n\(b.log)")
        // Queued while they run: a NOTIFY wakes them, one of them posts it, once.
        let queued = Date()
        try store.append(OutboxRecord.message(message("fast", channels: ["kakao"], ko: "바로")), to: .outbox)
        #expect(await SenderProcessTests.poll(timeout: 120) { hook.snapshot.stored["fast.kakao.ko"] != nil })
        print("PostgreSQL follow: queued → stored in \(Int(Date().timeIntervalSince(queued) * 1000)) ms")
        #expect(await SenderProcessTests.poll(timeout: 120) {
            ((try? store.readAll(DeliveryRecord.self, .ledger).records) ?? []).contains { $0.kind == .delivered }
        })
        #expect(hook.postsPerKey()["fast.kakao.ko"] == 1)
        a.kill(SIGTERM); b.kill(SIGTERM)
        #expect(await a.wait(timeout: 300) == 0)
        #expect(await b.wait(timeout: 300) == 0)
    }
}
