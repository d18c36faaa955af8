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

    static let messageMarker = Array(#""record":"message""#.utf8)

    static func isPlainMessage(_ bytes: ArraySlice<UInt8>) -> Bool {
        bytes.withUnsafeBufferPointer { hay in
            messageMarker.withUnsafeBufferPointer { needle in
                guard hay.count >= needle.count else { return false }
                var i = 0
                let last = hay.count - needle.count
                while i <= last {
                    if hay[i] == needle[0] {
                        var j = 1
                        while j < needle.count && hay[i + j] == needle[j] { j += 1 }
                        if j == needle.count { return true }
                    }
                    i += 1
                }
                return false
            }
        }
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

    /// Messages already in the outbox, for the 24-hour repeat warning.
    public var history: [OutboxMessage] { join.messages.filter { !$0.isCancelled }.map(\.message) }
}
