import Foundation
import HaechiCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A whole log cut into parts that start at line starts, so that several threads can read one
/// part each (pread on one descriptor) and the results can be put back in file order. Held
/// under a shared flock for as long as the parts are read, like `LogReader.read`: no writer's
/// line is ever seen half-written.
///
/// Bad lines are not given places here (the listing only counts them); `verify` and
/// `LogReader` report line numbers.
public final class LogParts: @unchecked Sendable {
    public let path: String
    /// Part k is `bounds[k]..<bounds[k + 1]`.
    public let bounds: [Int]
    private let fd: Int32
    /// The file read (its device and inode at open), for a listing checkpoint's identity.
    public let device: UInt64, inode: UInt64
    private let lock = NSLock()
    private var spare: [[UInt8]] = []

    public var count: Int { bounds.count - 1 }
    public var size: Int { bounds.last ?? 0 }

    /// Nil when the file does not exist yet.
    public init?(path: String, partSize: Int) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw PosixError("open", path: path)
        }
        do {
            try posix("flock", path) { flock(fd, LOCK_SH) }
            var st = stat()
            try posix("fstat", path) { fstat(fd, &st) }
            let size = Int(st.st_size)
            device = UInt64(st.st_dev); inode = UInt64(st.st_ino)
            var bounds = [0]
            var window = [UInt8](repeating: 0, count: 1 << 14)
            var at = max(1, partSize)
            find: while at < size {
                // The first line start after `at`: just past the next newline.
                var probe = at
                while true {
                    let n = try window.withUnsafeMutableBytes { raw in
                        try posix("pread", path) { pread(fd, raw.baseAddress!, min(raw.count, size - probe), off_t(probe)) }
                    }
                    if n <= 0 { break find }
                    if let nl = LogReader.newline(in: window, from: 0, to: n) {
                        let start = probe + nl + 1
                        if start >= size { break find }
                        bounds.append(start)
                        at = start + max(1, partSize)
                        continue find
                    }
                    probe += n
                }
            }
            bounds.append(size)
            self.bounds = bounds
        } catch {
            close(fd)
            throw error
        }
        self.fd = fd
        self.path = path
    }

    /// The identity of this file's first `covered` bytes (see `LogIdentity`).
    public func identity(covered: Int) throws -> LogIdentity {
        try LogIdentity.of(fd: fd, path: path, device: device, inode: inode, covered: covered)
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }

    /// Calls `body` with part `k`'s bytes, in a buffer reused across parts: a fresh one per
    /// part would be zeroed and faulted in again each time, and freed memory is not always
    /// given back, which showed in the peak.
    public func withPart<T>(_ k: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> T) throws -> T {
        lock.lock()
        var buffer = spare.popLast() ?? []
        lock.unlock()
        defer {
            lock.lock()
            spare.append(buffer)
            lock.unlock()
        }
        let n = try read(part: k, into: &buffer)
        return try buffer.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[0..<n])) }
    }

    /// Reads part `k` into `buffer` (grown as needed) and returns how many bytes it holds.
    public func read(part k: Int, into buffer: inout [UInt8]) throws -> Int {
        let start = bounds[k], length = bounds[k + 1] - bounds[k]
        if buffer.count < length { buffer = [UInt8](repeating: 0, count: length) }
        var done = 0
        while done < length {
            let n = try buffer.withUnsafeMutableBytes { raw in
                try posix("pread", path) { pread(fd, raw.baseAddress! + done, length - done, off_t(start + done)) }
            }
            if n == 0 { break }   // cut back under us (a failed append taken back): read what is there
            done += n
        }
        return done
    }

    /// Calls `body` for every non-blank line of `bytes` (a part's contents), without its
    /// newline. A last line without a newline is a torn write: `torn` is called instead.
    /// Returns how many bytes end in a newline (all of them unless the last line is torn).
    @discardableResult
    public static func forEachLine(_ bytes: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) throws -> Void,
                                   torn: () -> Void) rethrows -> Int {
        guard let base = bytes.baseAddress else { return 0 }
        var start = 0
        let n = bytes.count
        while start < n {
            guard let hit = memchr(base + start, Int32(UInt8(ascii: "\n")), n - start) else {
                torn()
                return start
            }
            let nl = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
            if nl > start { try body(UnsafeBufferPointer(start: base + start, count: nl - start)) }
            start = nl + 1
        }
        return n
    }

    /// Runs `work(k)` for every part on up to `workers` threads, parts taken in file order.
    /// `work` returns a result that `deliver` then receives for each part in file order, one
    /// at a time: at most `workers` results are held at once, so memory stays flat however
    /// large the file.
    public func inOrder<T>(workers: Int, _ work: @Sendable (Int) throws -> T, deliver: @Sendable (T) throws -> Void) throws {
        try Self.inOrder(count: count, workers: workers, work, deliver: deliver)
    }

    /// `inOrder` for any `count` numbered pieces of work.
    public static func inOrder<T>(count: Int, workers: Int, _ work: @Sendable (Int) throws -> T,
                                  deliver: @Sendable (T) throws -> Void) throws {
        let turn = Turnstile()
        let threads = max(1, min(workers, count))
        DispatchQueue.concurrentPerform(iterations: threads) { _ in
            while let k = turn.take(limit: count) {
                let result: Result<T, Error>
                do { result = .success(try work(k)) } catch { result = .failure(error) }
                turn.wait(for: k)
                if !turn.failed {
                    do { try deliver(try result.get()) } catch { turn.fail(error) }
                }
                turn.advance()
            }
        }
        if let error = turn.error { throw error }
    }
}

/// Hands out part numbers and lets results through in part order.
final class Turnstile: @unchecked Sendable {
    private let condition = NSCondition()
    private var next = 0
    private var current = 0
    private(set) var error: Error?
    var failed: Bool { condition.lock(); defer { condition.unlock() }; return error != nil }

    func take(limit: Int) -> Int? {
        condition.lock(); defer { condition.unlock() }
        guard next < limit, error == nil else { return nil }
        next += 1
        return next - 1
    }

    func wait(for k: Int) {
        condition.lock()
        while current != k { condition.wait() }
        condition.unlock()
    }

    func advance() {
        condition.lock()
        current += 1
        condition.broadcast()
        condition.unlock()
    }

    func fail(_ e: Error) {
        condition.lock()
        if error == nil { error = e }
        condition.unlock()
    }
}

extension LineFrame {
    /// `decode(line)` for a line in a buffer: the record bytes when the frame and checksum are
    /// right, nil for any line `decode` calls bad.
    public static func verifiedBody(_ line: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8>? {
        guard let body = framedBody(line) else { return nil }
        let count = line.count
        var written: UInt32 = 0
        for i in (count - 10)..<(count - 2) {
            let d = line[i]
            let n: UInt8
            switch d {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): n = d - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): n = d - UInt8(ascii: "a") + 10
            default: return nil
            }
            written = written << 4 | UInt32(n)
        }
        return CRC32.checksum(UnsafeRawBufferPointer(body)) == written ? body : nil
    }

    /// `decode(line, checksum: false)` for a line in a buffer.
    public static func framedBody(_ line: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8>? {
        let count = line.count
        if count > 0 && line[count - 1] == UInt8(ascii: "!") { return nil }
        guard count >= head.count + tailLength else { return nil }
        for i in 0..<head.count where line[i] != head[i] { return nil }
        let t = count - tailLength
        for i in 0..<tailStart.count where line[t + i] != tailStart[i] { return nil }
        guard line[count - 2] == UInt8(ascii: "\""), line[count - 1] == UInt8(ascii: "}") else { return nil }
        return UnsafeBufferPointer(rebasing: line[head.count..<t])
    }
}

extension RecordLog {
    /// One record from its verified bytes, as `read` decodes it; nil where `read` reports the
    /// line as not a valid record.
    public static func decode(_ bytes: UnsafeBufferPointer<UInt8>, decoder: JSONDecoder) -> Record? {
        if let direct = Record.self as? any DirectlyDecodable.Type, let fast = direct.decodeDirectly(bytes) as? Record {
            return fast
        }
        return try? decoder.decode(Record.self, from: Data(buffer: bytes))
    }
}

extension ByteMarker {
    func found(in hay: UnsafeBufferPointer<UInt8>) -> Bool {
        let m = bytes.count
        guard m > 0 else { return true }
        guard hay.count >= m else { return false }
        return bytes.withUnsafeBufferPointer { needle in
            shift.withUnsafeBufferPointer { shift in
                if fromEnd {
                    var i = hay.count - m
                    while i >= 0 {
                        let head = hay[i]
                        if head == needle[0] {
                            var j = 1
                            while j < m && hay[i + j] == needle[j] { j += 1 }
                            if j == m { return true }
                        }
                        i -= shift[Int(head)]
                    }
                    return false
                }
                var i = 0
                let last = hay.count - m
                while i <= last {
                    let tail = hay[i + m - 1]
                    if tail == needle[m - 1] {
                        var j = 0
                        while j < m - 1 && hay[i + j] == needle[j] { j += 1 }
                        if j == m - 1 { return true }
                    }
                    i += shift[Int(tail)]
                }
                return false
            }
        }
    }
}

extension FileOutbox {
    /// `isPlainMessage` for a line's record bytes in a buffer.
    public static func isPlainMessage(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool { messageMarker.found(in: bytes) }
}
