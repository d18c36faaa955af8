import Foundation
import HaechiCore
import HaechiStore
import HaechiTestSupport
import Testing
@testable import HaechiSender

/// A request slower than the lease: its sender keeps renewing the lease, so the other sender on
/// the same database, asking for the post about once a second all along, never takes it over.
/// In `PostgresSenderTests` (serialized): its kill test restarts the shared server, which must
/// not happen under this one.
extension PostgresSenderTests {
    @Test func aRequestSlowerThanTheLeaseIsAttemptedOnceAndPostedOnce() async throws {
        let (_, address) = try SenderDatabase.fresh()
        let fx = try Fixture()
        defer { fx.remove() }
        // Renewed every quarter lease: only a stall of three quarters of it (6 s) on a loaded
        // machine could let it lapse by accident.
        let lease: TimeInterval = 8
        // Two and a half leases: without renewal the other sender would take the post over after
        // the first and post it again (same key: stored once, but posted twice).
        let answerAfter = 2.5 * lease
        let secret = makeWebhookSecret()
        let hook = try await Receiver(.webhook(secret: secret), faults: { _, _ in .slow(answerAfter) })
        defer { Task { await hook.close() } }
        // A request timeout far above the slow answer: this test is about leases, not timeouts.
        let config = try fx.config("""
            \(retryPolicy(timeout: "120s"))
            channels:
              kakao:
                live: { kind: webhook, url: "\(hook.url)", secret_file: \(try fx.secretFile("hook.secret", secret)) }
            """)
        let store = try PostgresStore(address)
        try store.append(OutboxRecord.message(message("slow", channels: ["kakao"], ko: "느린 응답")), to: .outbox)
        let key = "slow.kakao.ko"

        var running: [(Sender, SenderSetup)] = []
        for name in ["A", "B"] {
            let setup = try SenderSetup.make(config: config, environment: [:])
            var options = Sender.Options(once: false)
            options.heartbeat = false
            options.lease = lease
            options.name = name
            running.append((Sender(state: fx.state, store: try PostgresStore(address), endpoints: setup.endpoints, retry: config.retry,
                                   concurrency: config.concurrency, options: options), setup))
        }
        let senders = running
        let runs = senders.map { sender, _ in Task { try await sender.run() } }

        func ledger() -> [DeliveryRecord] {
            ((try? store.readAll(DeliveryRecord.self, .ledger).records) ?? []).filter { $0.key == key }
        }
        let settled = await SenderProcessTests.poll(timeout: 120) { ledger().contains { $0.kind == .delivered } }
        for (sender, _) in senders { await sender.stop() }
        var results: [Result<SenderSummary, any Error>] = []
        for run in runs { results.append(await run.result) }
        // Before anything can throw: an HTTP client must be shut down before it is released.
        for (_, setup) in senders { await setup.shutdown() }
        let delivered = try results.map { try $0.get().delivered }.reduce(0, +)

        #expect(settled, "not delivered: \(ledger().map(\.kind))")
        let records = ledger()
        #expect(records.map(\.kind) == [.attempt, .delivered], "\(records.map { "\($0.kind) \($0.attempt ?? 0)" })")
        let attempt = try #require(records.first), outcome = try #require(records.last)
        // The request really outlived the lease, twice over.
        #expect(outcome.at.timeIntervalSince(attempt.at) >= 2 * lease)
        #expect(hook.postsPerKey()[key] == 1, "posted \(hook.postsPerKey()[key] ?? 0) times")
        #expect(delivered == 1)
    }
}
