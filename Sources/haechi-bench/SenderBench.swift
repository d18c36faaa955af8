#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import Foundation
import HaechiCore
import HaechiSender
import HaechiStore
import Synchronization
import Dispatch

/// `haechi-bench sender`: queue-to-delivered latency and drain throughput of the real drain loop
/// (ledger fsyncs, signed webhook requests over loopback) against an unthrottled local receiver.
struct SenderBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sender", abstract: "Sender latency (p50/p99) and drain throughput on loopback.")

    @Option(help: "Messages queued one by one for the latency figure.") var latencyMessages = 300
    @Option(help: "Gap between those messages, in milliseconds.") var gapMs = 10
    @Option(help: "Messages queued up front for the throughput figure.") var drainMessages = 5000
    @Option(help: "Requests in flight at once.") var concurrency = 32

    /// haechi-bench's main calls the synchronous `run()` of every subcommand (an async one is
    /// never picked on an existential), so this one bridges to its async body itself.
    func run() throws {
        let outcome = Mutex<Result<Void, any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        let bench = self
        Task {
            let result: Result<Void, any Error>
            do { try await bench.measure(); result = .success(()) } catch { result = .failure(error) }
            outcome.withLock { $0 = result }
            done.signal()
        }
        done.wait()
        try outcome.withLock { $0! }.get()
    }

    func measure() async throws {
        let receiver = try LoopbackReceiver()
        print("sender bench: webhook receiver on 127.0.0.1:\(receiver.port), concurrency \(concurrency)")
        let secret = "whsec_" + Data((0..<24).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
        let yaml = """
        concurrency: \(concurrency)
        channels:
          hook:
            live: { kind: webhook, url: "http://127.0.0.1:\(receiver.port)/hook", secret_env: BENCH_SECRET }
        """
        let (parsed, diagnostics) = SenderConfig.load(data: Data(yaml.utf8), file: "bench.yaml")
        guard let config = parsed else { throw ValidationError(diagnostics.map(\.description).joined(separator: "\n")) }

        // Latency: the sender follows the outbox (inotify) while messages are queued one by one.
        do {
            let state = try Self.freshState()
            defer { try? FileManager.default.removeItem(atPath: state.path) }
            let setup = try SenderSetup.make(config: config, environment: ["BENCH_SECRET": secret])
            let clock = ContinuousClock()
            let delivered = Mutex<[String: ContinuousClock.Instant]>([:])
            var options = Sender.Options(once: false)
            options.heartbeat = false
            let sender = Sender(state: state, endpoints: setup.endpoints, retry: config.retry, concurrency: config.concurrency,
                                options: options, onEvent: { event in
                if case .recorded(let r) = event, r.kind == .delivered { delivered.withLock { $0[r.message] = clock.now } }
            })
            let running = Task { try await sender.run() }
            var queued: [String: ContinuousClock.Instant] = [:]
            for i in 0..<latencyMessages {
                let id = "lat-\(i)"
                try state.outbox.append(.message(Self.message(id)))
                queued[id] = clock.now
                try await Task.sleep(for: .milliseconds(gapMs))
            }
            let deadline = clock.now + .seconds(30)
            while delivered.withLock({ $0.count }) < latencyMessages && clock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
            await sender.stop()
            _ = try await running.value
            await setup.shutdown()
            let done = delivered.withLock { $0 }
            let latencies = queued.compactMap { id, t0 in done[id].map { ($0 - t0) } }.sorted()
            guard latencies.count == latencyMessages else {
                print("latency: only \(latencies.count) of \(latencyMessages) delivered")
                throw ExitCode(1)
            }
            let p50 = Self.ms(latencies[latencies.count / 2]), p99 = Self.ms(latencies[min(latencies.count - 1, latencies.count * 99 / 100)])
            print(String(format: "queue→delivered latency (%d messages, one every %d ms): p50 %.1f ms, p99 %.1f ms, max %.1f ms   goal: p99 < 100 ms %@",
                         latencyMessages, gapMs, p50, p99, Self.ms(latencies.last!), p99 < 100 ? "✓" : "✗"))
        }

        // Throughput: everything queued first, then one `--once` drain.
        do {
            let state = try Self.freshState()
            defer { try? FileManager.default.removeItem(atPath: state.path) }
            var batch: [OutboxRecord] = []
            for i in 0..<drainMessages {
                batch.append(.message(Self.message("tp-\(i)")))
                if batch.count == 500 { try state.outbox.append(batch); batch.removeAll() }
            }
            if !batch.isEmpty { try state.outbox.append(batch) }
            let before = receiver.count
            let setup = try SenderSetup.make(config: config, environment: ["BENCH_SECRET": secret])
            var options = Sender.Options(once: true)
            options.heartbeat = false
            let sender = Sender(state: state, endpoints: setup.endpoints, retry: config.retry, concurrency: config.concurrency, options: options)
            let start = ContinuousClock.now
            let summary = try await sender.run()
            let elapsed = ContinuousClock.now - start
            await setup.shutdown()
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            let rate = Double(summary.delivered) / seconds
            print(String(format: "drain throughput: %d messages in %.2f s = %.0f msg/s (receiver saw %d posts, %d dead)   goal: ≥ 500 msg/s %@",
                         summary.delivered, seconds, rate, receiver.count - before, summary.dead, rate >= 500 ? "✓" : "✗"))
        }
        print(String(format: "peak memory (max RSS, sender and receiver in one process): %.1f MB", Double(peakMemoryKiB()) / 1024))
        receiver.stop()
    }

    static func ms(_ d: Duration) -> Double {
        Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
    }

    static func freshState() throws -> StateDirectory {
        let state = StateDirectory(path: FileManager.default.temporaryDirectory.appendingPathComponent("haechi-bench-\(UUID().uuidString)").path)
        try state.prepare()
        return state
    }

    static func message(_ id: String) -> OutboxMessage {
        let text = "한강 수위 상승: 둔치 주차장 차량을 이동하세요"
        return OutboxMessage(id: id, incident: "bench", step: "s1", mode: .live, kind: .safety, channels: ["hook"],
                             text: Localized(ko: text, en: ""), operator: "bench", created: Date(),
                             posts: [OutboxPost(channel: "hook", language: .ko, text: text, length: text.unicodeScalars.count,
                                                limit: 2000, counting: .characters)])
    }
}

/// A minimal HTTP/1.1 keep-alive server on raw sockets, one thread per connection, answering
/// every request with 200 and an id. It exists so the benchmark measures the sender, not a
/// receiver's framework, and so haechi-bench needs no server library.
final class LoopbackReceiver: Sendable {
    let port: Int
    private let listener: Int32
    private let posts = Mutex(0)
    var count: Int { posts.withLock { $0 } }

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        let bound = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard bound == 0, listen(fd, 128) == 0 else { throw ValidationError("cannot listen on 127.0.0.1: \(String(cString: strerror(errno)))") }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        port = Int(UInt16(bigEndian: addr.sin_port))
        listener = fd
        let thread = Thread { [self] in self.acceptLoop() }
        thread.start()
    }

    func stop() { shutdown(listener, Int32(SHUT_RDWR)); close(listener) }

    private func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 { if errno == EINTR { continue } else { return } }
            var one: Int32 = 1
            setsockopt(client, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            let thread = Thread { [self] in self.serve(client) }
            thread.start()
        }
    }

    private func serve(_ fd: Int32) {
        defer { close(fd) }
        var pending: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        let body = #"{"id":"1"}"#
        let response = Array("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)".utf8)
        while true {
            // One complete request (head + Content-Length body) at a time.
            while true {
                if let end = pending.firstRange(of: separator) {
                    let head = String(decoding: pending[..<end.lowerBound], as: UTF8.self).lowercased()
                    let length = head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
                        .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
                    if pending.count >= end.upperBound + length {
                        pending.removeFirst(end.upperBound + length)
                        break
                    }
                }
                let n = read(fd, &chunk, chunk.count)
                if n <= 0 { return }
                pending += chunk[0..<n]
            }
            posts.withLock { $0 += 1 }
            let written = response.withUnsafeBytes { write(fd, $0.baseAddress!, $0.count) }
            if written < 0 { return }
        }
    }
}
