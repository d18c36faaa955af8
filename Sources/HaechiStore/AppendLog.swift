#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// An append-only file of framed records, shared by several processes.
///
/// Every append follows the outbox durability protocol (design.md):
/// open(O_RDWR|O_APPEND|O_CREAT, 0660) → flock(LOCK_EX) → newline first (after a seal byte, see
/// `LineFrame.tornSeal`) if the file ends in a torn line → write the whole line (looping on short writes) → fdatasync → close (which unlocks).
/// The descriptor is opened for reading too (design.md says O_WRONLY) because the torn-tail
/// check must read the last byte; the file's mode, not the open flags, is what limits access.
/// A first creation, and the first record in an empty file, also fsync the directory, so the
/// new name survives a power cut.
/// If the write or the fsync fails the file is cut back to where it was, so a record that was
/// not acknowledged does not appear later; the caller must then say "NOT queued".
/// The sync is never retried on the same descriptor after it failed.
///
/// Why fdatasync and not fsync: every append grows the file, and fdatasync flushes the metadata
/// needed to read the data back, which includes the size ("a change to the file size … would
/// require a metadata flush", fsync(2), man7.org/linux/man-pages/man2/fsync.2.html). What it
/// skips is the modification time, which no reader of these files looks at. So a line
/// acknowledged after fdatasync is as durable as after fsync, for less metadata work per append;
/// SQLite syncs its WAL the same way on Linux. A new file's name still gets a full fsync of
/// its directory.
public struct AppendLog: Sendable {
    public let path: String
    public let mode: mode_t

    public init(path: String, mode: mode_t = 0o660) {
        self.path = path
        self.mode = mode
        AppendLog.ignoreFileSizeSignal()
    }

    /// With `ulimit -f` a write past the limit raises SIGXFSZ, whose default action kills the
    /// process before it can say "NOT queued". Ignoring it turns the limit into EFBIG.
    static func ignoreFileSizeSignal() {
        _ = signal(SIGXFSZ, SIG_IGN)
    }

    /// Appends one record (its JSON bytes) durably. Returns the byte offset where its line starts.
    @discardableResult
    public func append(_ body: some Collection<UInt8>) throws -> Int {
        try appendFramed([LineFrame.encode(body)])
    }

    /// Appends several records under one lock and one fsync (all or none acknowledged).
    @discardableResult
    public func append(bodies: [[UInt8]]) throws -> Int {
        try appendFramed(bodies.map { LineFrame.encode($0) })
    }

    private func appendFramed(_ lines: [[UInt8]]) throws -> Int {
        let fd = try openForAppend()
        defer { close(fd) }
        try posix("flock", path) { flock(fd, LOCK_EX) }
        // No explicit LOCK_UN: close releases the lock (the descriptor is O_CLOEXEC and never
        // duplicated), and one syscall fewer per append is measurable next to a bare fsync.

        var st = stat()
        try posix("fstat", path) { fstat(fd, &st) }
        let before = off_t(st.st_size)
        if before == 0 {
            // An empty file may have been created a moment ago by another process that has not
            // yet fsynced the directory (it opens before it locks). Whoever writes the first
            // record makes the name durable, so no acknowledged record lives in a file whose
            // name a power cut could take away.
            try fsyncDirectory(of: path)
        }
        var bytes: [UInt8] = []
        if before > 0, try lastByte(fd, size: before) != UInt8(ascii: "\n") {
            // A torn tail from a crash. Only a newline would be enough to start afresh, but a
            // tail that lacks nothing but its newline would then turn into a valid record that
            // was never acknowledged, and that `verify` had reported bad a moment earlier. The
            // seal byte keeps it bad for every reader, before and after.
            bytes += LineFrame.tornSeal
        }
        let start = Int(before) + bytes.count
        // The usual case, one line and no seal, is written from its own buffer without a copy.
        if bytes.isEmpty && lines.count == 1 { bytes = lines[0] } else { for line in lines { bytes += line } }
        do {
            try writeAll(fd, bytes)
            // See the type's comment for why fdatasync is enough here.
            try posix("fdatasync", path) { fdatasync(fd) }
        } catch {
            // Take back whatever reached the file: nothing unacknowledged may be sent later.
            // The fsync after the truncate only makes the cut durable; its result acknowledges
            // nothing, so this is not the forbidden "retry fsync after it failed".
            _ = ftruncate(fd, before)
            _ = fsync(fd)
            throw error
        }
        return start
    }

    private func openForAppend() throws -> Int32 {
        let fd = open(path, O_RDWR | O_APPEND | O_CLOEXEC)
        if fd >= 0 { return fd }
        guard errno == ENOENT else { throw PosixError("open", path: path) }
        // First creation: create exclusively, set the mode regardless of umask, fsync the directory.
        let created = open(path, O_RDWR | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        if created < 0 {
            if errno == EEXIST { return try posix("open", path) { open(path, O_RDWR | O_APPEND | O_CLOEXEC) } }
            throw PosixError("open", path: path)
        }
        _ = fchmod(created, mode)
        do {
            try fsyncDirectory(of: path)
        } catch {
            close(created)
            throw error
        }
        return created
    }

    private func lastByte(_ fd: Int32, size: off_t) throws -> UInt8 {
        var b: UInt8 = 0
        let n = try posix("pread", path) { pread(fd, &b, 1, size - 1) }
        return n == 1 ? b : UInt8(ascii: "\n")
    }

    private func writeAll(_ fd: Int32, _ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = try posix("write", path) { write(fd, raw.baseAddress! + offset, raw.count - offset) }
                if n == 0 { throw PosixError("write", path: path, code: EIO) }
                offset += n
            }
        }
    }
}

/// fsync a file's directory so that a newly created name is durable.
public func fsyncDirectory(of path: String) throws {
    let dir = (path as NSString).deletingLastPathComponent
    let dfd = try posix("open", dir.isEmpty ? "." : dir) { open(dir.isEmpty ? "." : dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
    defer { close(dfd) }
    try posix("fsync", dir) { fsync(dfd) }
}
