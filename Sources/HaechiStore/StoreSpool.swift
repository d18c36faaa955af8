#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import HaechiCore

/// A seat's view of the shared database that keeps working when the database does not answer.
///
/// An append the database cannot take (unreachable, not refused) goes to a local spool: a
/// state directory of its own (`STATE/spool`), written with the file store's own append
/// protocol, so it is durable on this machine. Such a record is *held here*, not queued: no
/// sender can see it yet, and the seat says so (`held`). Once the database answers again the
/// spool is replayed in order; replaying is harmless when it repeats (client-made ids, `ON
/// CONFLICT DO NOTHING`), so a crash in the middle only means a second replay.
///
/// Reads show the database's records followed by the spooled ones, each record once: a reader's
/// cursor remembers which spooled records it was given, and skips them when they come back from
/// the database after the replay.
public final class SpooledStore: Store, @unchecked Sendable {
    public let primary: PostgresStore
    public let spool: FileStore
    private let lock = NSLock()
    /// Guarded by `lock`.
    private var heldCount = 0
    private var lastReplayTry = Date.distantPast

    /// Where a record went.
    public enum Placement: Sendable, Equatable {
        /// In the database, where every seat and sender sees it.
        case stored
        /// Only in this seat's spool (the database is unreachable); `held` records wait here.
        case held(count: Int)
    }

    public init(_ address: PostgresAddress, spool state: StateDirectory) throws {
        primary = try PostgresStore(address, connectNow: false)
        spool = FileStore(StateDirectory(path: state.path + "/spool"))
        heldCount = countHeld()
        // Reachable now: the schema is checked and anything held from an earlier run goes in.
        // Not reachable: the seat starts offline and says so.
        do {
            _ = try replay()
        } catch let error as StoreError where error.unreachable {
        }
    }

    public var location: String { primary.location }

    /// Records held in this seat's spool, waiting for the database.
    public var held: Int { lock.withLock { heldCount } }

    public func append(bodies: [[UInt8]], to log: StoreLog) throws {
        _ = try place(bodies: bodies, to: log)
    }

    /// Appends durably: in the database, or (when it cannot be reached) in the spool. Throws
    /// only when neither took the records: then nothing is queued and nothing is held.
    public func place(bodies: [[UInt8]], to log: StoreLog) throws -> Placement {
        guard !bodies.isEmpty else { return .stored }
        return try lock.withLock {
            // Held records go first: a new record must not overtake them.
            if heldCount == 0 || (try? replayLocked()) == true {
                do {
                    try primary.append(bodies: bodies, to: log)
                    return .stored
                } catch let error as StoreError where error.unreachable {
                    // Fall through to the spool: the database did not answer.
                }
            }
            try spool.directory.prepare()
            try spool.append(bodies: bodies, to: log)
            heldCount += bodies.count
            return .held(count: heldCount)
        }
    }

    public func place<R: Codable & Sendable>(_ record: R, to log: StoreLog) throws -> Placement {
        try place(bodies: [RecordLog<R>.encode(record)], to: log)
    }

    public func read(_ log: StoreLog, from cursor: StoreCursor, following: Bool,
                     record: (ArraySlice<UInt8>) throws -> Void, bad: (BadLine) -> Void) throws -> StoreCursor {
        tryReplayNow()
        var spooled: [(bytes: [UInt8], id: String)] = []
        _ = try spool.read(log, from: .start, following: false, record: { bytes in
            spooled.append((Array(bytes), Self.recordID(bytes)))
        }, bad: bad)
        let spooledIDs = Set(spooled.map(\.id))
        var given = cursor.spooled
        var next = cursor
        do {
            next = try primary.read(log, from: cursor, following: following, record: { bytes in
                if spooledIDs.isEmpty && given.isEmpty { return try record(bytes) }
                let id = Self.recordID(bytes)
                if given.contains(id) { return }
                if spooledIDs.contains(id) { given.insert(id) }
                try record(bytes)
            }, bad: bad)
        } catch let error as StoreError where error.unreachable {
            // Offline: what this seat holds is all there is to show now.
        }
        for item in spooled where !given.contains(item.id) {
            try record(item.bytes[...])
            given.insert(item.id)
        }
        next.spooled = given
        return next
    }

    public func incidents() throws -> [String] {
        var ids = Set(try spool.incidents())
        do { ids.formUnion(try primary.incidents()) } catch let error as StoreError where error.unreachable {}
        return ids.sorted()
    }

    public func beat(sender name: String, now: Date) throws { try primary.beat(sender: name, now: now) }
    public func senderBeats() throws -> [SenderBeat] { try primary.senderBeats() }
    public func claim(_ requests: [ClaimRequest], after records: [[UInt8]], holder: String, lease: TimeInterval) throws -> [Claim] {
        try primary.claim(requests, after: records, holder: holder, lease: lease)
    }
    public func renew(_ keys: [String], holder: String, lease: TimeInterval) throws {
        try primary.renew(keys, holder: holder, lease: lease)
    }
    public func watch(_ onChange: @escaping @Sendable (String) -> Void) -> (any StoreWatch)? { primary.watch(onChange) }

    // MARK: Replay

    /// Replays now if anything is held and the last try was over a second ago.
    private func tryReplayNow() {
        lock.withLock {
            guard heldCount > 0, Date().timeIntervalSince(lastReplayTry) >= 1 else { return }
            _ = try? replayLocked()
        }
    }

    /// Sends everything held to the database, in order. True when nothing is held afterwards.
    @discardableResult
    public func replay() throws -> Bool {
        try lock.withLock { try replayLocked() }
    }

    private func replayLocked() throws -> Bool {
        lastReplayTry = Date()
        let logs = ((try? spool.incidents()) ?? []).map { StoreLog.journal(incident: $0) } + [.outbox]
        for log in logs {
            try replay(log)
        }
        heldCount = countHeld()
        return heldCount == 0
    }

    /// One spool file into the database, then emptied, all under its lock so no append of
    /// this or another process slips in between the read and the cut.
    private func replay(_ log: StoreLog) throws {
        let path = spool.path(log)
        let fd = open(path, O_RDWR | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return }
            throw PosixError("open", path: path)
        }
        defer { close(fd) }
        try posix("flock", path) { flock(fd, LOCK_EX) }
        var st = stat()
        try posix("fstat", path) { fstat(fd, &st) }
        guard st.st_size > 0 else { return }
        var bytes = [UInt8](repeating: 0, count: Int(st.st_size))
        var got = 0
        while got < bytes.count {
            let n = try bytes.withUnsafeMutableBytes { raw in
                try posix("pread", path) { pread(fd, raw.baseAddress! + got, raw.count - got, off_t(got)) }
            }
            if n == 0 { break }
            got += n
        }
        // Complete, checksummed lines only: a torn tail was never acknowledged as held.
        var bodies: [[UInt8]] = []
        for line in bytes[0..<got].split(separator: UInt8(ascii: "\n")) {
            if case .success(let body) = LineFrame.decode(line) { bodies.append(Array(body)) }
        }
        for start in stride(from: 0, to: bodies.count, by: 1000) {
            try primary.append(bodies: Array(bodies[start..<min(start + 1000, bodies.count)]), to: log)
        }
        try posix("ftruncate", path) { ftruncate(fd, 0) }
        try posix("fsync", path) { fsync(fd) }
    }

    private func countHeld() -> Int {
        let logs = ((try? spool.incidents()) ?? []).map { StoreLog.journal(incident: $0) } + [.outbox]
        var n = 0
        for log in logs {
            _ = try? spool.read(log, from: .start, following: false, record: { _ in n += 1 }, bad: { _ in })
        }
        return n
    }
}
