#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One line of a log as read back: its 1-based line number, the byte offset where it starts,
/// and either the record's JSON bytes or why the line is bad.
public struct LogLine: Sendable {
    public let number: Int
    public let offset: Int
    public let result: Result<ArraySlice<UInt8>, LineFrame.Problem>
    /// The whole line, without its newline.
    public let line: ArraySlice<UInt8>
}

/// A bad line found while reading, reported with its place and never a reason to stop.
public struct BadLine: Sendable, Hashable, CustomStringConvertible {
    public let path: String
    public let number: Int
    public let offset: Int
    public let problem: String
    public init(path: String, number: Int, offset: Int, problem: String) {
        self.path = path; self.number = number; self.offset = offset; self.problem = problem
    }
    public var description: String { "\(path):\(number): byte \(offset): \(problem)" }
}

/// Streams the lines of an append log in fixed-size chunks, so a million-record outbox is read
/// in constant memory. It can resume from a saved position to follow a growing file.
///
/// Reads hold a shared flock, so they never observe a writer's line half-written; a last line
/// without its newline is therefore a torn write from a crash. When `following`, such a tail is
/// left for the next read (a writer may still finish it); otherwise it is reported as bad.
public struct LogReader {
    public let path: String
    /// Byte offset of the next unread line.
    public private(set) var position: Int = 0
    /// 1-based number of the next unread line.
    public private(set) var nextLine: Int = 1
    public var chunkSize = 1 << 20
    /// Stop at this byte offset (which must be where a line starts), to read one part of a
    /// file while another reader takes the rest.
    public var end: Int?
    /// When false, lines are only checked for their frame, and `result` holds the unverified
    /// record bytes: for a caller that skips most lines by their bytes and checks the rest
    /// itself (`LineFrame.decode(line)`), saving the checksum of every skipped line.
    public var verifyChecksums = true

    public init(path: String, position: Int = 0, nextLine: Int = 1) {
        self.path = path; self.position = position; self.nextLine = nextLine
    }

    /// Reads every complete line from the current position to the end and calls `body` for each.
    /// Returns false when the file does not exist yet.
    @discardableResult
    public mutating func read(following: Bool = false, _ body: (LogLine) throws -> Void) throws -> Bool {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return false }
            throw PosixError("open", path: path)
        }
        defer { close(fd) }
        try posix("flock", path) { flock(fd, LOCK_SH) }
        defer { flock(fd, LOCK_UN) }

        var st = stat()
        try posix("fstat", path) { fstat(fd, &st) }
        let size = min(Int(st.st_size), end ?? Int.max)
        if size < position {
            // The file was cut back (a failed append was taken back): start again from the top
            // is wrong for followers, so only rewind to the new end.
            position = size
        }
        // No bigger than what is left to read: zeroing a whole chunk (a megabyte) to read a
        // journal of a few lines was most of the TUI's cost of listing incidents on Home.
        var buffer = [UInt8](repeating: 0, count: min(chunkSize, max(0, size - position)))
        var pending: [UInt8] = []
        var pendingOffset = position
        var readOffset = position
        while readOffset < size {
            let want = min(chunkSize, size - readOffset)
            let n = try buffer.withUnsafeMutableBytes { raw in
                try posix("pread", path) { pread(fd, raw.baseAddress!, want, off_t(readOffset)) }
            }
            if n == 0 { break }
            readOffset += n
            var start = 0
            let chunk = buffer[0..<n]
            while let nl = Self.newline(in: buffer, from: start, to: n) {
                let lineOffset: Int
                let line: ArraySlice<UInt8>
                if pending.isEmpty {
                    lineOffset = readOffset - n + start
                    line = chunk[start..<nl]
                } else {
                    pending += chunk[start..<nl]
                    lineOffset = pendingOffset
                    line = pending[...]
                }
                if !line.isEmpty {
                    try body(LogLine(number: nextLine, offset: lineOffset,
                                     result: LineFrame.decode(line, checksum: verifyChecksums), line: line))
                }
                // A blank line (a hand edit, or an older writer's newline after a torn tail) is
                // no record, but it is still counted so that line numbers match an editor's.
                nextLine += 1
                pending.removeAll(keepingCapacity: true)
                start = nl + 1
                position = lineOffset + line.count + 1
            }
            if start < n {
                if pending.isEmpty { pendingOffset = readOffset - n + start }
                pending += chunk[start..<n]
            }
        }
        if !pending.isEmpty && !following {
            try body(LogLine(number: nextLine, offset: pendingOffset, result: .failure(.incomplete), line: pending[...]))
            nextLine += 1
            position = pendingOffset + pending.count
        }
        return true
    }

    /// Where the first line starting at or after `offset` begins, or nil when there is none:
    /// a point to split a file for two readers.
    public static func lineStart(in path: String, after offset: Int) throws -> Int? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw PosixError("open", path: path) }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        var at = offset
        while true {
            let n = try buffer.withUnsafeMutableBytes { raw in
                try posix("pread", path) { pread(fd, raw.baseAddress!, raw.count, off_t(at)) }
            }
            if n <= 0 { return nil }
            if let nl = newline(in: buffer, from: 0, to: n) { return at + nl + 1 }
            at += n
        }
    }

    /// memchr rather than `firstIndex(of:)`: finding line ends is a third of a verify otherwise.
    static func newline(in buffer: [UInt8], from: Int, to: Int) -> Int? {
        guard from < to else { return nil }
        return buffer.withUnsafeBufferPointer { p -> Int? in
            guard let hit = memchr(p.baseAddress! + from, Int32(UInt8(ascii: "\n")), to - from) else { return nil }
            return p.baseAddress!.distance(to: hit.assumingMemoryBound(to: UInt8.self))
        }
    }
}
