#if canImport(Glibc)
import Glibc
#endif
import Foundation
import HaechiCore
import HaechiStore
import Testing
@testable import HaechiSender
import HaechiTestSupport

/// The real `haechi-sender` binary as a child process, with the receivers in this process.
@Suite(.ownThread, .serialized) struct SenderProcessTests {
    /// The binary sits in the build products directory next to the test bundle.
    static func binary() throws -> String {
        var candidates: [URL] = []
        candidates.append(URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent())
        candidates.append(Bundle.main.bundleURL.deletingLastPathComponent())
        candidates.append(Bundle.main.bundleURL)
        var dir = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { dir.deleteLastPathComponent() }
        candidates.append(dir.appendingPathComponent(".build/debug"))
        for c in candidates {
            let path = c.appendingPathComponent("haechi-sender").path
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        throw FixtureError(description: "haechi-sender not found next to the tests (looked in \(candidates.map(\.path))); run `swift build` first")
    }

    /// The sender binary as a child through `Subprocess` (posix_spawn, waitpid), never
    /// Foundation's Process, whose exit detection a concurrently forked server could defeat.
    final class Child: Sendable {
        let process: Subprocess
        let logPath: String
        init(_ arguments: [String], log: String) throws {
            _ = FileManager.default.createFile(atPath: log, contents: nil)
            process = try Subprocess(executable: try SenderProcessTests.binary(), arguments, stdout: .file(log))
            logPath = log
        }
        var pid: Int32 { process.pid }
        var isRunning: Bool { process.isRunning }
        var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }
        func kill(_ signal: Int32) { process.kill(signal) }
        /// The exit status, or nil if still running after `timeout`.
        func wait(timeout: TimeInterval) async -> Int32? { await process.wait(timeout: timeout) }
    }

    static func poll(timeout: TimeInterval, _ condition: () throws -> Bool) async rethrows -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try condition() { return true }
            try? await Task.sleep(nanoseconds: 5_000_000)
        }
        return try condition()
    }

    @Test func killDashNineAtRandomMomentsLosesAndDuplicatesNothing() async throws {
        let fx = try Fixture()
        defer { fx.remove() }
        let secret = makeWebhookSecret()
        // Slow enough answers that the drain spans many kills; some connections are dropped
        // after the post was stored, as a crashing proxy would.
        let faults: @Sendable (String, Int) -> Receiver.Fault = { key, previous in
            previous == 0 && key.hashValue % 13 == 0 ? .dropAfterStore : .none
        }
        let mastodon = try await Receiver(.mastodon(token: "tok", maxCharacters: 500), delay: { .random(in: 0.005...0.03) }, faults: faults)
        let hook = try await Receiver(.webhook(secret: secret), delay: { .random(in: 0.005...0.03) }, faults: faults)
        defer { Task { await mastodon.close(); await hook.close() } }
        let token = try fx.secretFile("mastodon.token", "tok")
        let hookSecret = try fx.secretFile("hook.secret", secret)
        let configPath = fx.dir + "/sender.yaml"
        try """
        \(retryPolicy(base: "20ms", cap: "200ms", maxAttempts: 50, timeout: "2s"))
        concurrency: 2
        channels:
          mastodon:
            live: { kind: mastodon, url: "\(mastodon.url)", token_file: \(token) }
          kakao:
            live: { kind: webhook, url: "\(hook.url)", secret_file: \(hookSecret) }
        """.write(toFile: configPath, atomically: true, encoding: .utf8)
        let count = 500
        try fx.queue((0..<count).map { message("k\($0)", channels: ["mastodon", "kakao"], ko: "메시지 \($0)번") })
        let expected = Set((0..<count).flatMap { ["k\($0).mastodon.ko", "k\($0).kakao.ko"] })
        func storedKeys() -> Set<String> { Set(mastodon.snapshot.stored.keys).union(hook.snapshot.stored.keys) }

        var killsWhileDraining = 0
        var kills = 0
        while killsWhileDraining < 50 && kills < 400 {
            let child = try Child(["--state", fx.dir, "--config", configPath], log: fx.dir + "/sender.log")
            try? await Task.sleep(nanoseconds: UInt64.random(in: 20_000_000...250_000_000))
            child.kill(SIGKILL)
            _ = await child.wait(timeout: 5)
            kills += 1
            if storedKeys().count < expected.count { killsWhileDraining += 1 }
        }
        #expect(killsWhileDraining >= 50, "only \(killsWhileDraining) kills landed before everything was delivered")

        let last = try Child(["--state", fx.dir, "--config", configPath, "--once"], log: fx.dir + "/sender.log")
        let status = await last.wait(timeout: 1200)
        #expect(status == 0, "last run: \(last.log.suffix(2000))")

        #expect(storedKeys() == expected, "lost: \(expected.subtracting(storedKeys()).sorted().prefix(10))")
        // Each receiver stores a key once however often it arrives; the sender reused each key on
        // every retry, so no message appears under two keys or twice in the stored set.
        #expect(mastodon.snapshot.stored.count + hook.snapshot.stored.count == expected.count)
        #expect(mastodon.snapshot.rejectedAuth + hook.snapshot.rejectedAuth == 0)
        for (key, stored) in mastodon.snapshot.stored {
            #expect(stored.text == "메시지 \(key.dropFirst().split(separator: ".")[0])번")
        }
        let (records, bad) = try fx.state.delivery.readAll()
        #expect(bad.allSatisfy { $0.problem.contains("incomplete") }, "\(bad)")
        var last2: [String: DeliveryRecord.Kind] = [:]
        for r in records { last2[r.key] = r.kind }
        #expect(Set(last2.keys) == expected)
        #expect(last2.values.allSatisfy { $0 == .delivered })
        let reposts = mastodon.postsPerKey().values.filter { $0 > 1 }.count + hook.postsPerKey().values.filter { $0 > 1 }.count
        print("kill -9: \(kills) kills (\(killsWhileDraining) while draining), \(reposts) keys posted more than once and stored once")
    }

    @Test func followsTheOutboxHoldsTheLockBeatsAndStopsCleanlyOnSIGTERM() async throws {
        let fx = try Fixture()
        defer { fx.remove() }
        let secret = makeWebhookSecret()
        let hook = try await Receiver(.webhook(secret: secret), faults: { key, _ in key.hasPrefix("slow") ? .slow(0.8) : .none })
        defer { Task { await hook.close() } }
        let configPath = fx.dir + "/sender.yaml"
        try """
        channels:
          kakao:
            live: { kind: webhook, url: "\(hook.url)", secret_file: \(try fx.secretFile("s", secret)) }
        """.write(toFile: configPath, atomically: true, encoding: .utf8)

        // The safety re-read is an hour away: a post that arrives at all was seen through inotify.
        let child = try Child(["--state", fx.dir, "--config", configPath, "--poll-interval", "3600"], log: fx.dir + "/a.log")
        defer { child.kill(SIGKILL) }  // only if an expectation failed before the SIGTERM below
        #expect(await Self.poll(timeout: 60) { FileManager.default.fileExists(atPath: fx.state.heartbeatPath) })
        #expect(SenderStatus.from(heartbeatMTime: fx.state.heartbeatTime(), now: Date()) == .alive)

        // A second sender on the same state directory refuses at once.
        let second = try Child(["--state", fx.dir, "--config", configPath], log: fx.dir + "/b.log")
        #expect(await second.wait(timeout: 300) == 2)
        #expect(second.log.contains("another haechi-sender is already running"))
        #expect(second.log.contains("pid \(child.pid)"))

        // Queued while it runs: delivered (through inotify: the slow re-read is an hour away).
        // How fast is printed, not asserted: a loaded machine decides that, not the sender.
        let queued = Date()
        try fx.queue([message("fast", channels: ["kakao"], ko: "바로")])
        #expect(await Self.poll(timeout: 120) { hook.snapshot.stored["fast.kakao.ko"] != nil })
        print("follow mode: queued → stored in \(Int(Date().timeIntervalSince(queued) * 1000)) ms")

        // SIGTERM during a slow request: it finishes, its outcome is recorded, exit 0.
        try fx.queue([message("slow", channels: ["kakao"], ko: "느림")])
        #expect(try await Self.poll(timeout: 120) { try fx.ledger().contains { $0.message == "slow" && $0.kind == .attempt } })
        child.kill(SIGTERM)
        #expect(await child.wait(timeout: 300) == 0, "\(child.log)")
        let outcomes = try fx.outcomes()
        #expect(outcomes["slow.kakao.ko"]?.kind == .delivered, "the request in flight was finished and recorded")
        #expect(outcomes["fast.kakao.ko"]?.kind == .delivered)
    }

    @Test func configErrorsAndLooseCredentialsAreRefusedBeforeAnythingIsSent() async throws {
        let fx = try Fixture()
        defer { fx.remove() }
        let loose = try fx.secretFile("loose.token", "secret-token-value", mode: 0o644)
        let configPath = fx.dir + "/sender.yaml"
        try """
        channels:
          mastodon:
            live: { kind: mastodon, url: "https://example.invalid", token_file: \(loose) }
        """.write(toFile: configPath, atomically: true, encoding: .utf8)
        let child = try Child(["--state", fx.dir, "--config", configPath, "--once"], log: fx.dir + "/c.log")
        #expect(await child.wait(timeout: 300) == 1)
        #expect(child.log.contains("sender.yaml:3:11: error: mastodon.live: credential file \(loose) has mode 644"), "\(child.log)")
        #expect(!child.log.contains("secret-token-value"))

        try """
        channels:
          mastodon:
            kind: mastodon
            url: https://social.example
        """.write(toFile: configPath, atomically: true, encoding: .utf8)
        let second = try Child(["--state", fx.dir, "--config", configPath, "--once"], log: fx.dir + "/d.log")
        #expect(await second.wait(timeout: 300) == 1)
        #expect(second.log.contains("sender.yaml:3:5: error: channel 'mastodon' gives an endpoint without a mode"), "\(second.log)")
    }

    @Test func aLeaseOrPollIntervalThatIsNotAPositiveNumberIsRefused() async throws {
        let fx = try Fixture()
        defer { fx.remove() }
        let configPath = fx.dir + "/sender.yaml"
        try "channels: {}\n".write(toFile: configPath, atomically: true, encoding: .utf8)
        for (flag, value) in [("--poll-interval", "0"), ("--poll-interval", "-1"), ("--lease", "0"), ("--poll-interval", "nan")] {
            let child = try Child(["--state", fx.dir, "--config", configPath, "--once", "\(flag)=\(value)"], log: fx.dir + "/v\(flag)\(value).log")
            // ArgumentParser's status for a usage error.
            #expect(await child.wait(timeout: 300) == 64, "\(flag) \(value): \(child.log)")
            #expect(child.log.contains("\(flag) must be a number of seconds above 0"), "\(flag) \(value): \(child.log)")
        }
    }

    @Test func onceEndsWithStatusThreeWhileAMessageWaitsForApproval() async throws {
        let fx = try Fixture()
        defer { fx.remove() }
        let configPath = fx.dir + "/sender.yaml"
        try """
        channels:
          x:
            live: { kind: file, path: \(fx.dir)/posts.jsonl }
        """.write(toFile: configPath, atomically: true, encoding: .utf8)
        try fx.queue([message("ok", channels: ["x"], ko: "보냄"), message("wait", channels: ["x"], ko: "대기", needsApproval: true)])
        let child = try Child(["--state", fx.dir, "--config", configPath, "--once"], log: fx.dir + "/e.log")
        #expect(await child.wait(timeout: 300) == 3)
        #expect(child.log.contains("1 deliveries wait for a second operator's approval"), "\(child.log)")
        let posts = try String(contentsOfFile: fx.dir + "/posts.jsonl", encoding: .utf8)
        #expect(posts.split(separator: "\n").count == 1 && posts.contains("\"key\":\"ok.x.ko\""))
    }
}
