#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import Dispatch
import Foundation
import HaechiCore
import HaechiSender
import HaechiStore
import PostgresNIO
import Synchronization

/// `haechi-bench store`: the PostgreSQL store against its peers, measured in one run on one
/// throwaway server (or `--store URL`): durable appends through the store vs a raw INSERT loop
/// with synchronous_commit = on and vs the file store; seat-to-seat propagation (NOTIFY, then a
/// re-read from the last seq); drain throughput with one and with three senders.
struct StoreBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "store", abstract: "PostgreSQL store: appends, propagation, drain with 1 and 3 senders.")

    @Option(help: "Appends per figure.") var appends = 1000
    @Option(help: "Seat-to-seat samples.") var samples = 200
    @Option(help: "Messages drained per sender figure.") var drainMessages = 2000
    @Option(help: "Requests in flight per sender.") var concurrency = 32
    @Option(help: "Interleaved drain rounds (1 sender, then 3) whose medians are compared.") var rounds = 5

    func run() throws {
        guard PostgresScratch.available else { throw ValidationError("PostgreSQL 15 is not installed: apt-get install postgresql-15") }
        let server = try PostgresScratch.start()
        defer { server.stop() }
        print("store bench: throwaway PostgreSQL 15 on 127.0.0.1:\(server.port) (synchronous_commit = on, fsync = on)")
        try appendFigures(server)
        try propagation(server)
        try drain(server)
        print(String(format: "peak memory (max RSS): %.1f MB", Double(peakMemoryKiB()) / 1024))
    }

    static func fresh(_ server: PostgresScratch) throws -> PostgresAddress {
        let address = try server.createDatabase()
        try PostgresSchema.migrate(PostgresStore(address, checkSchema: false))
        return address
    }

    static func rate(_ n: Int, _ start: ContinuousClock.Instant) -> Double { rate(n, ContinuousClock.now - start) }

    static func rate(_ n: Int, _ d: Duration) -> Double {
        Double(n) / (Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18)
    }

    static func record(_ i: Int, prefix: String) -> OutboxRecord {
        .message(SenderBench.message("\(prefix)-\(i)"))
    }

    func appendFigures(_ server: PostgresScratch) throws {
        let address = try Self.fresh(server)
        let store = try PostgresStore(address)
        let bodies = try (0..<appends).map { try RecordLog<OutboxRecord>.encode(Self.record($0, prefix: "a")) }

        // The peer: the same bytes, one autocommit INSERT each on a plain connection.
        let c = try store.connect()
        defer { try? (c.close() as EventLoopFuture<Void>).wait() }
        let logger = store.logger
        _ = try c.query("CREATE TABLE bench_raw (seq bigserial PRIMARY KEY, rid text NOT NULL UNIQUE, body text NOT NULL)", logger: logger).wait()
        _ = try c.query("SET synchronous_commit = on", logger: logger).wait()
        let texts = bodies.map { String(decoding: $0, as: UTF8.self) }

        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("haechi-bench-store-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let files = FileStore(StateDirectory(path: dir))
        try files.directory.prepare()

        // Interleaved in chunks of 50, so a burst of other work on the shared disk lands on all
        // three alike instead of on whichever loop ran then.
        var took: [Duration] = [.zero, .zero, .zero]
        for first in stride(from: 0, to: appends, by: 50) {
            let chunk = first..<min(first + 50, appends)
            var start = ContinuousClock.now
            for i in chunk { try store.append(bodies: [bodies[i]], to: .outbox) }
            took[0] += ContinuousClock.now - start
            start = ContinuousClock.now
            for i in chunk { _ = try c.query("INSERT INTO bench_raw (rid, body) VALUES (\("r\(i)"), \(texts[i]))", logger: logger).wait() }
            took[1] += ContinuousClock.now - start
            start = ContinuousClock.now
            for i in chunk { try files.append(bodies: [bodies[i]], to: .outbox) }
            took[2] += ContinuousClock.now - start
        }
        let (pg, raw, file) = (Self.rate(appends, took[0]), Self.rate(appends, took[1]), Self.rate(appends, took[2]))
        print(String(format: "durable appends, one at a time, interleaved (%d each): PostgreSQL store %.0f/s · raw INSERT loop %.0f/s · file store %.0f/s", appends, pg, raw, file))
        print(String(format: "  store / raw INSERT = %.2f×   goal ≥ 0.8× %@;   store / file store = %.2f×", pg / raw, pg / raw >= 0.8 ? "✓" : "✗", pg / file))
    }

    func propagation(_ server: PostgresScratch) throws {
        let address = try Self.fresh(server)
        let seatA = try PostgresStore(address), seatB = try PostgresStore(address)
        let seen = Mutex<[String: ContinuousClock.Instant]>([:])
        let cursor = Mutex(StoreCursor.start)
        let ready = DispatchSemaphore(value: 0)
        let readyOnce = Mutex(false)
        // Seat B: woken by NOTIFY, re-reads its journal from the last seq it saw.
        let queue = DispatchQueue(label: "seat-b")
        let watch = seatB.watch { _ in
            queue.async {
                let now = ContinuousClock.now
                var c = cursor.withLock { $0 }
                c = (try? seatB.read(.journal(incident: "bench"), from: c, following: true, record: { bytes in
                    let text = String(decoding: bytes, as: UTF8.self)
                    if let r = text.range(of: #""text":""#), let end = text[r.upperBound...].firstIndex(of: "\"") {
                        let id = String(text[r.upperBound..<end])
                        seen.withLock { if $0[id] == nil { $0[id] = now } }
                    }
                }, bad: { _ in })) ?? c
                cursor.withLock { $0 = c }
                if readyOnce.withLock({ let first = !$0; $0 = true; return first }) { ready.signal() }
            }
        }
        defer { watch?.stop() }
        _ = ready.wait(timeout: .now() + 10)
        var sent: [String: ContinuousClock.Instant] = [:]
        for i in 0..<samples {
            let id = "s\(i)"
            let at = RecordCoding.formatTimestamp(Date())
            let body = Array(#"{"at":"\#(at)","incident":"bench","kind":"note","operator":"a","text":"\#(id)"}"#.utf8)
            sent[id] = ContinuousClock.now
            try seatA.append(bodies: [body], to: .journal(incident: "bench"))
            usleep(20_000)
        }
        let deadline = Date().addingTimeInterval(10)
        while seen.withLock({ $0.count }) < samples && Date() < deadline { usleep(5_000) }
        let got = seen.withLock { $0 }
        let delays = sent.compactMap { id, t0 in got[id].map { SenderBench.ms($0 - t0) } }.sorted()
        guard delays.count == samples else { print("propagation: only \(delays.count) of \(samples) seen"); throw ExitCode(1) }
        let p50 = delays[delays.count / 2], p99 = delays[min(delays.count - 1, delays.count * 99 / 100)]
        print(String(format: "seat-to-seat propagation (%d journal appends, commit → NOTIFY → re-read at the other seat): p50 %.1f ms, p99 %.1f ms   goal p99 < 200 ms %@",
                     samples, p50, p99, p99 < 200 ? "✓" : "✗"))
    }

    /// A drained message: one post, on the loopback Mastodon or the loopback webhook in turn.
    static func drainRecord(_ i: Int, prefix: String) -> OutboxRecord {
        let channel = i % 2 == 0 ? "mastodon" : "hook"
        let text = "한강 수위 상승: 둔치 주차장 차량을 이동하세요 (\(i))"
        return .message(OutboxMessage(id: "\(prefix)-\(i)", incident: "bench", step: "s1", mode: .live, kind: .safety, channels: [channel],
                                      text: Localized(ko: text, en: ""), operator: "bench", created: Date(),
                                      posts: [OutboxPost(channel: channel, language: .ko, text: text, length: text.unicodeScalars.count,
                                                         limit: 500, counting: .characters)]))
    }

    /// What the server's sessions on `database` wait for, sampled every 20 ms while a drain
    /// runs (pg_stat_activity): where the senders' time goes in the database.
    final class WaitSampler: Sendable {
        private let counts = Mutex<[String: Int]>([:])
        private let stopped = Atomic<Bool>(false)
        private let finished = DispatchSemaphore(value: 0)

        init(_ store: PostgresStore) throws {
            let c = try store.connect()
            let logger = store.logger
            Thread { [self] in
                defer { try? (c.close() as EventLoopFuture<Void>).wait(); finished.signal() }
                while !stopped.load(ordering: .acquiring) {
                    var now: [String] = []
                    if let rows = try? c.query("""
                        SELECT coalesce(wait_event_type || ':' || wait_event, 'on CPU') || ' in ' || split_part(ltrim(query), ' ', 1)
                        FROM pg_stat_activity
                        WHERE datname = current_database() AND state = 'active' AND pid <> pg_backend_pid() AND query NOT LIKE 'LISTEN%'
                        """, logger: logger).wait() {
                        for row in rows { if let w = try? row.decode(String.self) { now.append(w) } }
                    }
                    counts.withLock { for w in now { $0[w, default: 0] += 1 } }
                    usleep(20_000)
                }
            }.start()
        }

        /// Stops and returns the most frequent waits, as shares of all samples of active sessions.
        func stop() -> String {
            stopped.store(true, ordering: .releasing)
            finished.wait()
            let all = counts.withLock { $0 }
            let total = max(1, all.values.reduce(0, +))
            return all.sorted { $0.value > $1.value }.prefix(5)
                .map { String(format: "%@ %.0f%%", $0.key, Double($0.value) * 100 / Double(total)) }.joined(separator: ", ")
        }
    }

    func drain(_ server: PostgresScratch) throws {
        let receiver = try LoopbackReceiver(), mastodon = try LoopbackReceiver()
        defer { receiver.stop(); mastodon.stop() }
        let secret = "whsec_" + Data((0..<24).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
        let yaml = """
        concurrency: \(concurrency)
        channels:
          hook:
            live: { kind: webhook, url: "http://127.0.0.1:\(receiver.port)/hook", secret_env: BENCH_SECRET }
          mastodon:
            live: { kind: mastodon, url: "http://127.0.0.1:\(mastodon.port)", token_env: BENCH_TOKEN }
        """
        let (parsed, diagnostics) = SenderConfig.load(data: Data(yaml.utf8), file: "bench.yaml")
        guard let config = parsed else { throw ValidationError(diagnostics.map(\.description).joined(separator: "\n")) }
        // Interleaved rounds (1, 3, 1, 3, …) and medians: on a machine shared with other work a
        // single pair mostly measures what else ran at the time.
        var rates: [Int: [Double]] = [:]
        for round in 1...max(1, rounds) { for senders in [1, 3] {
            let address = try Self.fresh(server)
            let store = try PostgresStore(address)
            let records = (0..<drainMessages).map { Self.drainRecord($0, prefix: "d\(senders)") }
            func received() -> Int { receiver.count + mastodon.count }
            let before = received()
            // A post counts once its `delivered` record is durable (the receivers also see the
            // Mastodon endpoint's instance lookups).
            let recorded = Mutex(0)
            let outcome = Mutex<Result<Int, any Error>?>(nil)
            let done = DispatchSemaphore(value: 0)
            // Senders in follow mode with heartbeats, as deployed, running before the backlog
            // arrives; the drain is over when every post is delivered and recorded (not when
            // each sender has noticed that the others settled the rest).
            var running: [(Sender, SenderSetup)] = []
            for i in 0..<senders {
                let own = try PostgresStore(address)
                let setup = try SenderSetup.make(config: config, environment: ["BENCH_SECRET": secret, "BENCH_TOKEN": "bench-token"])
                var options = Sender.Options(once: false)
                options.name = "bench-\(senders)-\(i)"
                running.append((Sender(state: StateDirectory(path: "/nonexistent"), store: own, endpoints: setup.endpoints,
                                       retry: config.retry, concurrency: config.concurrency, options: options, onEvent: { event in
                    if case .recorded(let r) = event, r.kind == .delivered { recorded.withLock { $0 += 1 } }
                }), setup))
            }
            let all = running
            Task {
                do {
                    let delivered = try await withThrowingTaskGroup(of: Int.self) { group in
                        for (sender, _) in all { group.addTask { try await sender.run().delivered } }
                        return try await group.reduce(0, +)
                    }
                    outcome.withLock { $0 = .success(delivered) }
                } catch {
                    outcome.withLock { $0 = .failure(error) }
                }
                done.signal()
            }
            // Every sender beating, and a heartbeat later every one knowing the others.
            let ready = Date().addingTimeInterval(60)
            while store.senders(now: Date()).alive < senders && Date() < ready { usleep(20_000) }
            usleep(UInt32(SenderStatus.heartbeatInterval * 1.25 * 1_000_000))
            let sampler = try WaitSampler(store)
            let start = ContinuousClock.now
            for first in stride(from: 0, to: records.count, by: 500) {
                try store.append(Array(records[first..<min(first + 500, records.count)]), to: .outbox)
            }
            let deadline = Date().addingTimeInterval(600)
            while recorded.withLock({ $0 }) < drainMessages && Date() < deadline { usleep(2_000) }
            let drained = recorded.withLock { $0 }
            let rate = Self.rate(drained, start)
            let waits = sampler.stop()
            let stopAll = DispatchSemaphore(value: 0)
            Task {
                for (sender, setup) in all { await sender.stop(); _ = setup }
                stopAll.signal()
            }
            stopAll.wait()
            done.wait()
            let shut = DispatchSemaphore(value: 0)
            Task { for (_, setup) in all { await setup.shutdown() }; shut.signal() }
            shut.wait()
            // After the shutdown: an HTTP client released without one stops the process.
            let delivered = try outcome.withLock { $0! }.get()
            rates[senders, default: []].append(rate)
            print(String(format: "round %d, drain with %d sender%@ (%d in flight each): %d posts delivered to the loopback Mastodon and webhook and recorded = %.0f msg/s (requests at the receivers: %d)",
                         round, senders, senders == 1 ? "" : "s", concurrency, drained, rate, received() - before))
            _ = delivered
            print("  database sessions were: \(waits)")
        } }
        func median(_ xs: [Double]) -> Double {
            let s = xs.sorted()
            return s.isEmpty ? 0 : s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
        }
        let one = median(rates[1] ?? []), three = median(rates[3] ?? [])
        print(String(format: "drain, median of %d interleaved rounds: 1 sender %.0f msg/s, 3 senders %.0f msg/s", rates[1]?.count ?? 0, one, three))
        print(String(format: "  3 senders / 1 sender = %.2f×   goals: ≥ 500 msg/s with 3 %@, 3 faster than 1 %@",
                     three / max(one, 1), three >= 500 ? "✓" : "✗", three > one ? "✓" : "✗"))
    }
}
