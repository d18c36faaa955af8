import Foundation
import HaechiCore

/// The outbox as the rest of Haechi sees it: append a record durably, read them all back.
///
/// Deliberately small, so that a PostgreSQL backend (several district offices, several
/// senders, `SELECT … FOR UPDATE SKIP LOCKED`) can stand in for the file without touching the
/// UI: everything else (state per channel, approve and cancel rules) is computed from records.
public protocol Outbox: Sendable {
    /// Where the records live, for messages ("/var/lib/haechi/outbox.jsonl").
    var location: String { get }

    /// Stores one record durably. Returns only when the record will survive a crash or a power
    /// cut; throws otherwise, and then the caller must say "NOT queued" and why.
    func append(_ record: OutboxRecord) throws

    /// Calls `record` for every record in the order they were appended. A record that cannot be
    /// read is passed to `bad` (with its place) and skipped: one bad line never hides the rest.
    func scan(_ record: (OutboxRecord) throws -> Void, bad: (BadLine) -> Void) throws
}

/// `outbox.jsonl` in the state directory, written per design.md's durability protocol.
public struct FileOutbox: Outbox {
    public let log: RecordLog<OutboxRecord>
    public var location: String { log.path }

    public init(path: String) { log = RecordLog(path: path, mode: 0o660) }
    public init(state: StateDirectory) { self.init(path: state.outboxPath) }

    public func append(_ record: OutboxRecord) throws { try log.append(record) }

    public func scan(_ record: (OutboxRecord) throws -> Void, bad: (BadLine) -> Void) throws {
        var reader = LogReader(path: log.path)
        try RecordLog<OutboxRecord>.read(&reader, following: false, into: record, bad: bad)
    }

    /// Every record except plain messages (approvals, cancels, corrections): the first pass of
    /// a listing. Message lines are recognised by their bytes and not decoded at all, which
    /// makes this pass several times cheaper than `scan` on an outbox that is mostly messages.
    /// The check is sound because in JSON text a quote inside a string is always escaped, so
    /// `"record":"message"` can only be the record's own discriminator.
    public func scanEvents(_ record: (OutboxRecord) throws -> Void, bad: (BadLine) -> Void) throws {
        var reader = LogReader(path: log.path)
        try RecordLog<OutboxRecord>.read(&reader, following: false, skip: { Self.isPlainMessage($0) }, into: record, bad: bad)
    }

    /// Every record whose line contains `"incident":"<id>"`, undecoded lines skipped: one
    /// incident's messages from a large outbox. Sound for the same reason as `scanEvents`.
    /// Returns false when the id has characters JSON escapes (then use `scan` and filter).
    @discardableResult
    public func scan(incident id: String, _ record: (OutboxRecord) throws -> Void, bad: (BadLine) -> Void) throws -> Bool {
        guard !id.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") || $0 == UInt8(ascii: "/") }) else {
            return false
        }
        let marker = ByteMarker(Array(#""incident":""#.utf8) + Array(id.utf8) + [UInt8(ascii: "\"")])
        var reader = LogReader(path: log.path)
        try RecordLog<OutboxRecord>.read(&reader, following: false, skip: { !Self.contains($0, marker) }, into: record, bad: bad)
        return true
    }

    static let messageMarker = ByteMarker(Array(#""record":"message""#.utf8), fromEnd: true)

    static func isPlainMessage(_ bytes: ArraySlice<UInt8>) -> Bool { contains(bytes, messageMarker) }

    /// `bytes` contains `marker` somewhere.
    static func contains(_ bytes: ArraySlice<UInt8>, _ marker: ByteMarker) -> Bool { marker.found(in: bytes) }
}

/// A byte string to look for in many lines, with its Boyer-Moore-Horspool skip table built
/// once: the markers are 18+ bytes long, so most positions of a line are never looked at.
/// `fromEnd` searches from the end of the line instead, for a marker that is usually near the
/// end (`"record":"message"` comes after the posts in a record's sorted keys); the answer,
/// whether the line contains it, is the same either way.
struct ByteMarker: Sendable {
    let bytes: [UInt8]
    let shift: [Int]
    let fromEnd: Bool

    init(_ bytes: [UInt8], fromEnd: Bool = false) {
        self.bytes = bytes
        self.fromEnd = fromEnd
        var shift = [Int](repeating: bytes.count, count: 256)
        if fromEnd {
            // Mirror image: how far the window may move left when its first byte is b.
            for k in stride(from: bytes.count - 1, to: 0, by: -1) { shift[Int(bytes[k])] = k }
        } else {
            for k in 0..<max(0, bytes.count - 1) { shift[Int(bytes[k])] = bytes.count - 1 - k }
        }
        self.shift = shift
    }

    func found(in hay: ArraySlice<UInt8>) -> Bool {
        hay.withUnsafeBufferPointer { found(in: $0) }
    }
}

/// The outbox joined with the sender's ledger: what `haechi outbox list`, the outbox screen and
/// the report show. Bad lines of both files are collected, not fatal.
public struct OutboxSnapshot: Sendable {
    public var join: OutboxLedgerJoin
    public var bad: [BadLine]
    public var messages: [MessageStatus] { join.messages }

    /// Reads the whole outbox and ledger. A ledger that does not exist yet (no sender has run)
    /// is simply empty.
    public static func load(outbox: some Outbox, ledger: RecordLog<DeliveryRecord>?, channels: ChannelProfiles?) throws -> OutboxSnapshot {
        var join = OutboxLedgerJoin(channels: channels)
        var bad: [BadLine] = []
        try outbox.scan({ join.apply($0) }, bad: { bad.append($0) })
        if let ledger {
            var reader = LogReader(path: ledger.path)
            try RecordLog<DeliveryRecord>.read(&reader, following: false, into: { join.apply($0) }, bad: { bad.append($0) })
        }
        return OutboxSnapshot(join: join, bad: bad)
    }
}
