import Foundation
import HaechiCore
#if canImport(Glibc)
import Glibc
#endif

/// What identifies the first `covered` bytes of an append-only log: the file (device and
/// inode), the length, and checksums of up to 4 KiB at its start and at the covered end.
/// Cheap checks that catch a file replaced (another inode), cut back (shorter than covered),
/// rewritten in place at its start or end, or sealed over a torn line that was covered.
/// A frame damaged in place in the middle of the covered range is not caught here; a listing
/// from a checkpoint then shows that record as it was when it was read intact, and
/// `haechi outbox verify`, which reads every line, removes the checkpoints of a log it finds
/// a bad line in (see `ListingCheckpoint.forget`).
public struct LogIdentity: Sendable, Equatable {
    public var device: UInt64
    public var inode: UInt64
    public var covered: Int
    public var head: UInt32
    public var tail: UInt32

    static let window = 4096

    /// A log that did not exist (or was empty): anything later extends it.
    public static let none = LogIdentity(device: 0, inode: 0, covered: 0, head: 0, tail: 0)

    static func of(fd: Int32, path: String, device: UInt64, inode: UInt64, covered: Int) throws -> LogIdentity {
        func crc(_ from: Int, _ count: Int) throws -> UInt32 {
            var buffer = [UInt8](repeating: 0, count: count)
            var done = 0
            while done < count {
                let n = try buffer.withUnsafeMutableBytes { raw in
                    try posix("pread", path) { pread(fd, raw.baseAddress! + done, count - done, off_t(from + done)) }
                }
                guard n > 0 else { throw PosixError("pread (file shorter than expected)", path: path) }
                done += n
            }
            return CRC32.checksum(buffer)
        }
        guard covered > 0 else { return .none }
        let w = min(window, covered)
        return LogIdentity(device: device, inode: inode, covered: covered, head: try crc(0, w), tail: try crc(covered - w, w))
    }

    /// True when `self` (read now) still starts with the bytes `earlier` covered.
    func extends(_ earlier: LogIdentity, fd: Int32, path: String, size: Int) -> Bool {
        if earlier.covered == 0 { return true }
        guard device == earlier.device, inode == earlier.inode, size >= earlier.covered,
              let now = try? LogIdentity.of(fd: fd, path: path, device: device, inode: inode, covered: earlier.covered) else { return false }
        return now == earlier
    }
}

/// A log read from a known point to its end, under a shared flock (no writer's line is seen
/// half-written): every complete line after `from.covered`, the torn last line if any, and
/// the identity of everything up to the last newline.
public enum LogTail {
    public struct Read: Sendable {
        /// Up to the last newline.
        public var identity: LogIdentity
        /// Bytes after `from.covered` (lines in them, torn tail included).
        public var bytes: Int
        /// The last line has no newline (a torn write): counted bad, left uncovered.
        public var torn: Bool
    }

    /// Nil when the file is not the one `from` describes (replaced, cut back, changed in the
    /// covered range), or when more than `limit` bytes follow: the caller then reads it all.
    /// A missing file reads as empty.
    public static func read(path: String, from: LogIdentity, limit: Int = .max,
                            _ line: (UnsafeBufferPointer<UInt8>) throws -> Void) throws -> Read? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return from.covered == 0 ? Read(identity: .none, bytes: 0, torn: false) : nil }
            throw PosixError("open", path: path)
        }
        defer { close(fd) }
        try posix("flock", path) { flock(fd, LOCK_SH) }
        defer { flock(fd, LOCK_UN) }
        var st = stat()
        try posix("fstat", path) { fstat(fd, &st) }
        let size = Int(st.st_size)
        let device = UInt64(st.st_dev), inode = UInt64(st.st_ino)
        let current = LogIdentity(device: device, inode: inode, covered: 0, head: 0, tail: 0)
        guard current.extends(from, fd: fd, path: path, size: size), size - from.covered <= limit else { return nil }
        // Blocks of 1 MiB; a line that crosses a block is carried into the next one.
        var block = [UInt8](repeating: 0, count: 1 << 20)
        var carry: [UInt8] = []
        var at = from.covered
        var complete = from.covered
        while at < size {
            let n = try block.withUnsafeMutableBytes { raw in
                try posix("pread", path) { pread(fd, raw.baseAddress!, min(raw.count, size - at), off_t(at)) }
            }
            if n == 0 { break }
            at += n
            var chunk = carry
            chunk += block[0..<n]
            let whole = try chunk.withUnsafeBufferPointer { all in
                try LogParts.forEachLine(all, line, torn: {})
            }
            complete += whole
            carry = Array(chunk[whole...])
        }
        if !carry.isEmpty {
            // Torn: only the last block's leftover, never a line the next block would finish.
            return Read(identity: try LogIdentity.of(fd: fd, path: path, device: device, inode: inode, covered: complete),
                        bytes: at - from.covered, torn: true)
        }
        return Read(identity: try LogIdentity.of(fd: fd, path: path, device: device, inode: inode, covered: complete),
                    bytes: at - from.covered, torn: false)
    }
}

/// A listing's fold saved after reading a prefix of the outbox and the ledger (see
/// `ListingState` for what it holds and docs/performance.md for why). The file:
///
///     chunk of messages … | trailer | trailer length (u64) | trailer CRC (u32) | "HLCK"
///
/// The trailer holds the version, the outbox path, both logs' `LogIdentity`, the counts
/// (messages, bad lines of each log in the covered range), the chunk table (offset, length,
/// CRC, messages) and the event index. Every chunk's CRC is checked before a listing prints
/// anything from it.
public final class ListingCheckpoint: @unchecked Sendable {
    public struct Chunk: Sendable { public var offset: Int; public var length: Int; public var crc: UInt32; public var messages: Int }

    public let path: String
    public let outboxPath: String
    public let outbox: LogIdentity
    public let ledger: LogIdentity
    public let messages: Int
    public let outboxBad: Int
    public let ledgerBad: Int
    public let chunks: [Chunk]
    /// The trailer (its CRC checked), whose event index from `indexAt` on is decoded by
    /// `verifiedIndex` while the chunks are checked.
    private var trailer: [UInt8]
    private let indexAt: Int
    private let fd: Int32

    static let magic: [UInt8] = Array("HLCK".utf8)

    /// The checkpoint at `path` if it is whole, of this version, for this outbox, and could
    /// only have been written by this user (a regular file this user owns that nobody else
    /// can write, in a directory nobody else can write); nil on any doubt.
    public static func open(path: String, outboxPath: String) -> ListingCheckpoint? {
        let outboxPath = key(outboxPath)
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)
        guard fd >= 0 else { return nil }
        guard let c = read(fd: fd, path: path, outboxPath: outboxPath) else { close(fd); return nil }
        return c
    }

    private static func read(fd: Int32, path: String, outboxPath: String) -> ListingCheckpoint? {
        var st = stat()
        guard fstat(fd, &st) == 0, PrivateFile.problem(st) == nil, PrivateFile.directoryProblem(of: path) == nil else { return nil }
        let size = Int(st.st_size)
        guard size >= 16, let end = pread(fd, at: size - 16, count: 16) else { return nil }
        let endBytes = end.withUnsafeBufferPointer { p -> (UInt64, UInt32)? in
            var r = ByteReader(p)
            guard let length = r.u64(), let crc = r.u32() else { return nil }
            return (length, crc)
        }
        guard let (length, crc) = endBytes, Array(end[12..<16]) == magic, length <= UInt64(size - 16) else { return nil }
        let start = size - 16 - Int(length)
        guard let trailer = pread(fd, at: start, count: Int(length)), CRC32.checksum(trailer) == crc else { return nil }
        return trailer.withUnsafeBufferPointer { p -> ListingCheckpoint? in
            var r = ByteReader(p)
            func identity() -> LogIdentity? {
                guard let d = r.u64(), let i = r.u64(), let c = r.u64(), let h = r.u32(), let t = r.u32() else { return nil }
                return LogIdentity(device: d, inode: i, covered: Int(c), head: h, tail: t)
            }
            guard let version = r.u32(), version == ListingState.version, let stored = r.string(), stored == outboxPath,
                  let outbox = identity(), let ledger = identity(),
                  let messages = r.varint(), let outboxBad = r.varint(), let ledgerBad = r.varint(),
                  let chunkCount = r.count() else { return nil }
            var chunks: [Chunk] = []
            var next = 0, total = 0
            for _ in 0..<chunkCount {
                guard let o = r.u64(), let l = r.u64(), let c = r.u32(), let m = r.varint(),
                      Int(o) == next, l <= UInt64(start - next) else { return nil }
                chunks.append(Chunk(offset: Int(o), length: Int(l), crc: c, messages: Int(m)))
                next += Int(l)
                total += Int(m)
            }
            guard next == start, total == Int(messages), let length = r.u64(), length == UInt64(p.count - r.at) else { return nil }
            return ListingCheckpoint(path: path, outboxPath: outboxPath, outbox: outbox, ledger: ledger, messages: Int(messages),
                                     outboxBad: Int(outboxBad), ledgerBad: Int(ledgerBad), chunks: chunks,
                                     trailer: trailer, indexAt: r.at, fd: fd)
        }
    }

    private init(path: String, outboxPath: String, outbox: LogIdentity, ledger: LogIdentity, messages: Int, outboxBad: Int,
                 ledgerBad: Int, chunks: [Chunk], trailer: [UInt8], indexAt: Int, fd: Int32) {
        self.path = path; self.outboxPath = outboxPath; self.outbox = outbox; self.ledger = ledger; self.messages = messages
        self.outboxBad = outboxBad; self.ledgerBad = ledgerBad; self.chunks = chunks; self.trailer = trailer
        self.indexAt = indexAt; self.fd = fd
    }

    deinit { close(fd) }

    static func pread(_ fd: Int32, at offset: Int, count: Int) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let n = buffer.withUnsafeMutableBytes { Glibc.pread(fd, $0.baseAddress! + done, count - done, off_t(offset + done)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return nil }
            done += n
        }
        return buffer
    }

    /// Chunk `k`'s bytes, or nil when they cannot be read or their CRC is wrong. After
    /// `verifiedIndex` the CRC need not be checked again: the descriptor holds the file that
    /// was checked, and checkpoints are only ever replaced by a rename, never written in place.
    public func chunk(_ k: Int, verified: Bool = false) -> [UInt8]? {
        let c = chunks[k]
        guard let bytes = Self.pread(fd, at: c.offset, count: c.length), verified || CRC32.checksum(bytes) == c.crc else { return nil }
        return bytes
    }

    /// The event index, when every chunk is readable and intact and the index decodes; nil on
    /// any doubt. Checked before anything is printed, on all cores: one thread decodes the
    /// index (a fifth of a second for a million messages, which the listing waited for
    /// before it checked a chunk) while the others check chunks' CRCs, then it joins them.
    /// Once: the index is moved out (the caller's changes then copy nothing).
    public func verifiedIndex(workers: Int) -> OutboxEventIndex? {
        let bad = ManagedFlag()
        let chunks = chunks
        let fd = fd
        let trailer = trailer
        let indexAt = indexAt
        self.trailer = []
        let next = Turnstile()
        let decoded = IndexSlot()
        DispatchQueue.concurrentPerform(iterations: max(1, workers)) { w in
            if w == 0 {
                let index = trailer.withUnsafeBufferPointer { ListingState.decodeIndex(UnsafeBufferPointer(rebasing: $0[indexAt...])) }
                guard let index else { bad.set(); return }
                decoded.put(index)
            }
            var buffer = [UInt8]()
            while !bad.isSet, let k = next.take(limit: chunks.count) {
                let c = chunks[k]
                if buffer.count < c.length { buffer = [UInt8](repeating: 0, count: c.length) }
                var done = 0
                while done < c.length {
                    let n = buffer.withUnsafeMutableBytes { Glibc.pread(fd, $0.baseAddress! + done, c.length - done, off_t(c.offset + done)) }
                    if n < 0 && errno == EINTR { continue }
                    guard n > 0 else { bad.set(); return }
                    done += n
                }
                let crc = buffer.withUnsafeBytes { CRC32.checksum(UnsafeRawBufferPointer(rebasing: $0[0..<c.length])) }
                if crc != c.crc { bad.set(); return }
            }
        }
        return bad.isSet ? nil : decoded.take()
    }

    /// The checkpoint file for a state directory: one per outbox, in `directory` (the user's
    /// cache directory), named by a hash of the outbox's absolute path.
    public static func file(in directory: String, outboxPath: String) -> String {
        directory + "/outbox-list-" + FileStore.recordID(Array(key(outboxPath).utf8)) + ".checkpoint"
    }

    /// The outbox's absolute path, as a checkpoint names it.
    static func key(_ outboxPath: String) -> String { URL(fileURLWithPath: outboxPath).standardizedFileURL.path }

    /// Removes the checkpoint of `outboxPath` (after a reader found a bad line in it: a covered
    /// frame may have been damaged in place, which the cheap identity checks cannot see).
    public static func forget(in directory: String, outboxPath: String) {
        unlink(file(in: directory, outboxPath: outboxPath))
    }
}

/// The event index, decoded on one thread and taken on another after they joined.
final class IndexSlot: @unchecked Sendable {
    private let lock = NSLock()
    private var index: OutboxEventIndex?
    func put(_ i: OutboxEventIndex) { lock.lock(); index = i; lock.unlock() }
    func take() -> OutboxEventIndex? {
        lock.lock(); defer { lock.unlock() }
        var taken: OutboxEventIndex?
        swap(&taken, &index)
        return taken
    }
}

/// Set once by any thread.
final class ManagedFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return value }
    func set() { lock.lock(); value = true; lock.unlock() }
}

/// Writes a checkpoint under a temporary name and renames it into place: a reader sees the old
/// checkpoint or the whole new one. Not synced, like the parsed-manual cache: it is a cache,
/// and whatever a crash leaves of it (the old one, none, or a new one with zeroed or missing
/// blocks) is either whole or fails the trailer's or a chunk's CRC and means a whole reading.
/// An fsync here made the person waiting for the listing wait for ~90 MB to reach the disk.
public final class ListingCheckpointWriter: @unchecked Sendable {
    public let path: String
    private let temporary: String
    private let fd: Int32
    private var chunks: [ListingCheckpoint.Chunk] = []
    private var written = 0
    private var messages = 0
    private var done = false
    private var failed = false

    /// Creates the directory (0700) when missing; nil when it or the file cannot be made or
    /// the directory is not this user's alone (then no checkpoint is written).
    public init?(path: String) {
        let dir = (path as NSString).deletingLastPathComponent
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        guard PrivateFile.directoryProblem(of: path) == nil else { return nil }
        temporary = path + ".tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { return nil }
        self.fd = fd
        self.path = path
    }

    deinit {
        close(fd)
        if !done { unlink(temporary) }
    }

    private func write(_ bytes: UnsafeRawBufferPointer) throws {
        var at = 0
        while at < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + at, bytes.count - at)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw PosixError("write", path: temporary) }
            at += n
        }
    }

    /// Gives up: `finish` then writes nothing and the temporary file is removed.
    public func abandon() { failed = true }

    /// One chunk (`ListingState.ChunkWriter.finish()`) of `messages` messages.
    public func append(chunk bytes: [UInt8], messages count: Int) throws {
        guard !failed else { throw PosixError("abandoned", path: temporary, code: EIO) }
        guard count > 0 else { return }
        try bytes.withUnsafeBytes { try write($0) }
        chunks.append(.init(offset: written, length: bytes.count, crc: CRC32.checksum(bytes), messages: count))
        written += bytes.count
        messages += count
    }

    /// Every chunk of `old`, copied as it is, after `old.verifiedIndex` checked their CRCs
    /// (the descriptor holds the file that was checked: no need to checksum them again).
    public func copyChunks(of old: ListingCheckpoint) throws {
        guard !failed else { throw PosixError("abandoned", path: temporary, code: EIO) }
        for (k, c) in old.chunks.enumerated() {
            guard let bytes = old.chunk(k, verified: true) else { throw PosixError("read checkpoint chunk", path: old.path) }
            try bytes.withUnsafeBytes { try write($0) }
            chunks.append(.init(offset: written, length: c.length, crc: c.crc, messages: c.messages))
            written += c.length
            messages += c.messages
        }
    }

    public func finish(outbox: LogIdentity, ledger: LogIdentity, outboxPath: String, outboxBad: Int, ledgerBad: Int,
                       index: OutboxEventIndex) throws {
        guard !failed else { throw PosixError("abandoned", path: temporary, code: EIO) }
        var w = ByteWriter()
        // Room for the index up front (pages not written to cost no memory): grown by
        // doubling, the old and new buffers together set the cold listing's peak.
        w.bytes.reserveCapacity(4096 + index.events.count * 256)
        let outboxPath = ListingCheckpoint.key(outboxPath)
        w.u32(ListingState.version)
        w.string(outboxPath)
        for id in [outbox, ledger] {
            w.u64(id.device); w.u64(id.inode); w.u64(UInt64(id.covered)); w.u32(id.head); w.u32(id.tail)
        }
        w.varint(UInt64(messages)); w.varint(UInt64(outboxBad)); w.varint(UInt64(ledgerBad))
        w.varint(UInt64(chunks.count))
        for c in chunks { w.u64(UInt64(c.offset)); w.u64(UInt64(c.length)); w.u32(c.crc); w.varint(UInt64(c.messages)) }
        // The index goes last, its length first: written in place, then the length filled in
        // (a fixed 8 bytes, so nothing moves).
        let lengthAt = w.bytes.count
        w.u64(0)
        ListingState.encode(index, into: &w)
        let indexLength = UInt64(w.bytes.count - lengthAt - 8).littleEndian
        withUnsafeBytes(of: indexLength) { for (i, b) in $0.enumerated() { w.bytes[lengthAt + i] = b } }
        var end = ByteWriter()
        end.u64(UInt64(w.bytes.count))
        end.u32(CRC32.checksum(w.bytes))
        end.bytes += ListingCheckpoint.magic
        try w.bytes.withUnsafeBytes { try write($0) }
        try end.bytes.withUnsafeBytes { try write($0) }
        try posix("rename", path) { rename(temporary, path) }
        done = true
    }
}
