import Foundation
import HaechiCore
import HaechiStore
import Synchronization
import Testing
@testable import HaechiSender

/// A clock that only moves when the drain loop sleeps: hours of backoff pass in milliseconds.
final class VirtualClock: Sendable {
    private let time = Mutex(Date(timeIntervalSince1970: 1_800_000_000))
    var now: Date { time.withLock { $0 } }
    func advance(_ seconds: TimeInterval) { time.withLock { $0 = $0.addingTimeInterval(max(0, seconds)) } }
    var environment: SenderEnvironment {
        SenderEnvironment(now: { self.now }, sleep: { seconds in self.advance(seconds); await Task.yield() }, random: { 0.5 })
    }
}

/// An endpoint that answers from a script, one result per call, and notes when it was called.
actor ScriptedEndpoint: Endpoint {
    nonisolated let config = EndpointConfig(channel: "s", mode: .live, kind: .file(path: "/scripted"),
                                            location: SourceLocation(file: "test", line: 1, column: 1))
    nonisolated var idempotent: Bool { true }
    /// Each entry gets the call's time, so a server time can be relative to it.
    private var script: [@Sendable (Date) -> DeliveryResult]
    private let clock: VirtualClock
    private(set) var calls: [Date] = []
    init(_ script: [@Sendable (Date) -> DeliveryResult], clock: VirtualClock) { self.script = script; self.clock = clock }
    nonisolated func readyAt(now: Date) -> Date? { nil }
    func deliver(_ post: Post) async -> DeliveryResult {
        calls.append(clock.now)
        return script.isEmpty ? .delivered(remoteID: "ok") : script.removeFirst()(clock.now)
    }
}

@Suite struct VirtualClockTests {
    @Test func backoffAndServerTimesFollowThePolicyExactly() async throws {
        let fx = try Fixture()
        defer { fx.remove() }
        let clock = VirtualClock()
        let endpoint = ScriptedEndpoint([
            { _ in .transient(reason: "HTTP 500", notBefore: nil) },
            { _ in .transient(reason: "HTTP 500", notBefore: nil) },
            { now in .transient(reason: "HTTP 429", notBefore: now.addingTimeInterval(600)) },
            { _ in .transient(reason: "timed out", notBefore: nil) },
        ], clock: clock)
        var retry = RetrySettings()
        retry.base = 10; retry.cap = 40; retry.maxAttempts = 10; retry.maxAge = 7200
        try fx.queue([message("m", channels: ["s"], ko: "가상 시간", created: clock.now)])
        var options = Sender.Options(once: true)
        options.heartbeat = false
        let sender = Sender(state: fx.state, endpoints: ["s": [.live: endpoint]], retry: retry, concurrency: 1,
                            environment: clock.environment, options: options)
        let summary = try await sender.run()
        #expect(summary.delivered == 1 && summary.retries == 4)
        let retries = try fx.ledger().filter { $0.kind == .retry }
        // Full jitter with random 0.5: half of 10, 20, 40 (cap), 40 s; the 429's server time wins.
        let waits = retries.map { $0.next!.timeIntervalSince($0.at) }
        #expect(waits[0] == 5)
        #expect(waits[1] == 10)
        #expect(waits[3] == 20)
        let calls = await endpoint.calls
        #expect(retries[2].next == calls[2].addingTimeInterval(600), "the 429's server time wins over a 20 s backoff")
        #expect(calls.count == 5)
        for (i, r) in retries.enumerated() { #expect(calls[i + 1] >= r.next!, "attempt \(i + 2) came before its time") }
    }

    @Test func aMessageOlderThanTheMaximumAgeIsNotSent() async throws {
        let fx = try Fixture()
        defer { fx.remove() }
        let clock = VirtualClock()
        let endpoint = ScriptedEndpoint([], clock: clock)
        var retry = RetrySettings()
        retry.maxAge = 60
        try fx.queue([message("old", channels: ["s"], ko: "오래됨", created: clock.now.addingTimeInterval(-61))])
        var options = Sender.Options(once: true)
        options.heartbeat = false
        let sender = Sender(state: fx.state, endpoints: ["s": [.live: endpoint]], retry: retry, concurrency: 1,
                            environment: clock.environment, options: options)
        _ = try await sender.run()
        #expect(await endpoint.calls.isEmpty)
        #expect(try fx.outcomes()["old.s.ko"]?.reason == "too old to send: queued 61s ago, the limit is 60s")
    }
}
