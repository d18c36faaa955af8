import Crypto
import Foundation
import HaechiCore

/// The three kinds of append-only log Haechi keeps, wherever it keeps them.
public enum StoreLog: Hashable, Sendable, CustomStringConvertible {
    /// One incident's or drill's journal (`incidents/<id>.jsonl`).
    case journal(incident: String)
    /// Every seat's messages, approvals, cancels and corrections (`outbox.jsonl`).
    case outbox
    /// The senders' attempts and outcomes (`delivery.jsonl`).
    case ledger

    public var description: String {
        switch self {
        case .journal(let id): "journal \(id)"
        case .outbox: "outbox"
        case .ledger: "ledger"
        }
    }
}

/// How far a reader has read one log. For files: the byte offset of the next unread line and
/// its number; for PostgreSQL: the last row number seen (`line` counts rows read).
/// A follower keeps its cursor and reads again from it: a wake-up only says "look again".
public struct StoreCursor: Hashable, Sendable {
    public var position: Int
    public var line: Int
    /// PostgreSQL's ledger only: the writing transaction of the last row read, which orders
    /// that log together with `position` (PostgresSchema migration 2).
    public var transaction: Int = 0
    /// Ids of records a spooling store already handed out from its local spool, so they are not
    /// handed out again when they reach the database (`SpooledStore`).
    public var spooled: Set<String> = []
    public init(position: Int, line: Int) { self.position = position; self.line = line }
    public static let start = StoreCursor(position: 0, line: 1)
}

/// One sender's heartbeat: the file store has at most one (its `sender.heartbeat`), the
/// database one row per running sender.
public struct SenderBeat: Hashable, Sendable {
    public var name: String
    public var beat: Date
    public init(name: String, beat: Date) { self.name = name; self.beat = beat }
}

/// A sender asking to make one attempt (see `Store.claim`).
public struct ClaimRequest: Sendable {
    public var key: String
    /// The attempt's ledger record, written only if the claim is granted.
    public var attempt: [UInt8]
    /// How many ledger records of this key the sender has seen (read or written).
    public var known: Int
    public init(key: String, attempt: [UInt8], known: Int) { self.key = key; self.attempt = attempt; self.known = known }
}

/// What a sender learns when it asks to make an attempt at one post (see `Store.claim`).
public enum Claim: Sendable, Equatable {
    /// The attempt record is durable and this sender holds the post's lease: send now.
    case granted
    /// Another sender holds a live lease on this post until then; ask again after it.
    case held(until: Date)
    /// The ledger has records for this post that the asking sender has not seen (another
    /// sender attempted, retried or settled it). They are all here, in order; the sender
    /// decides again from them.
    case moved(records: [[UInt8]])
}

/// Where Haechi keeps its records: a state directory of JSONL files (the embedded default) or a
/// PostgreSQL database shared by many seats and senders. Both hold the same record bytes (what
/// `RecordLog.encode` writes, the JSON a file line's `r` holds), so records decode with the same
/// decoders and every rule stays in HaechiCore and the sender; a store only stores, hands
/// records back in order, arbitrates attempts and wakes followers.
public protocol Store: Sendable {
    /// For messages: a path, or a database URL without any password.
    var location: String { get }

    /// Appends the records (their JSON bytes) durably and in order: when this returns they
    /// survive a crash or power cut; when it throws, the caller must say "NOT queued".
    /// A record already stored (same bytes, same log) is not stored again, so a retry or a
    /// replay after an unclear failure is harmless.
    func append(bodies: [[UInt8]], to log: StoreLog) throws

    /// Calls `record` with the bytes of every record after `cursor`, in append order, and `bad`
    /// for anything unreadable (never a reason to stop). Returns the cursor to read on from.
    /// `following`: a torn last line may still be finished by its writer, so leave it.
    func read(_ log: StoreLog, from cursor: StoreCursor, following: Bool,
              record: (ArraySlice<UInt8>) throws -> Void, bad: (BadLine) -> Void) throws -> StoreCursor

    /// Every incident with a journal.
    func incidents() throws -> [String]

    /// Records that the sender `name` is alive now.
    func beat(sender name: String, now: Date) throws
    /// The senders' last heartbeats.
    func senderBeats() throws -> [SenderBeat]

    /// Before requests go out: appends `records` (outcomes of earlier requests) to the ledger,
    /// then for each post records its `attempt` and takes a lease of `lease` seconds for
    /// `holder`, unless another sender holds a live lease or the ledger has other than `known`
    /// records for the key. One transaction for all, so a sender with many requests in flight
    /// pays one durable commit per batch, not one per post or per kind of record.
    func claim(_ requests: [ClaimRequest], after records: [[UInt8]], holder: String, lease: TimeInterval) throws -> [Claim]

    /// Extends `holder`'s leases on `keys` by `lease` seconds from now: a request slower than a
    /// lease keeps its post, so no other sender takes over a post still in flight.
    func renew(_ keys: [String], holder: String, lease: TimeInterval) throws

    /// Calls `onChange` when any log may have grown (a wake-up only), or nil when this store
    /// has nothing to listen to and is followed by polling.
    func watch(_ onChange: @escaping @Sendable (String) -> Void) -> (any StoreWatch)?
}

extension Store {
    /// A record id made by the client: the SHA-256 of the record's bytes. The same record
    /// appended twice (a retry, a spool replayed) has the same id and is stored once.
    public static func recordID(_ body: some Collection<UInt8>) -> String {
        let digest = SHA256.hash(data: Array(body))
        // Hex by table: String(format:) cost a tenth of a database append.
        let hex = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(32)
        for byte in digest.prefix(16) {
            out.append(hex[Int(byte >> 4)])
            out.append(hex[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `claim` with no outcomes to record first.
    public func claim(_ requests: [ClaimRequest], holder: String, lease: TimeInterval) throws -> [Claim] {
        try claim(requests, after: [], holder: holder, lease: lease)
    }

    public func append<R: Codable & Sendable>(_ records: [R], to log: StoreLog) throws {
        try append(bodies: records.map { try RecordLog<R>.encode($0) }, to: log)
    }

    public func append<R: Codable & Sendable>(_ record: R, to log: StoreLog) throws {
        try append([record], to: log)
    }

    /// Typed `read`: each record decoded exactly as the file reader decodes a line; a record
    /// that does not decode is reported as bad with its place and skipped.
    @discardableResult
    public func read<R: Codable & Sendable>(_ type: R.Type, _ log: StoreLog, from cursor: StoreCursor = .start, following: Bool = false,
                                           into body: (R) throws -> Void, bad: (BadLine) -> Void) throws -> StoreCursor {
        let decoder = RecordCoding.decoder()
        var number = cursor.line
        let where_ = location + " (\(log))"
        return try read(log, from: cursor, following: following, record: { bytes in
            defer { number += 1 }
            switch RecordLog<R>.decode(bytes, decoder: decoder) {
            case .success(let r): try body(r)
            case .failure(let problem): bad(BadLine(path: where_, number: number, offset: 0, problem: problem.text))
            }
        }, bad: bad)
    }

    /// Every record of a log, and the unreadable ones.
    public func readAll<R: Codable & Sendable>(_ type: R.Type, _ log: StoreLog) throws -> (records: [R], bad: [BadLine]) {
        var records: [R] = []
        var bad: [BadLine] = []
        try read(type, log, into: { records.append($0) }, bad: { bad.append($0) })
        return (records, bad)
    }

    /// The sender status the TUI shows, by the sender's own rule (`SenderStatus`), from the
    /// newest heartbeat; and how many senders beat recently.
    public func senders(now: Date) -> (status: SenderStatus, newest: Date?, alive: Int) {
        let beats = (try? senderBeats()) ?? []
        let newest = beats.map(\.beat).max()
        let alive = beats.filter { SenderStatus.from(heartbeatMTime: $0.beat, now: now) == .alive }.count
        return (SenderStatus.from(heartbeatMTime: newest, now: now), newest, alive)
    }
}

/// The outbox of any store, for code written against `Outbox`.
public struct StoreOutbox: Outbox {
    public let store: any Store
    public init(_ store: any Store) { self.store = store }
    /// The outbox file for the files ("…/outbox.jsonl"), the database URL otherwise.
    public var location: String { (store as? FileStore)?.directory.outboxPath ?? store.location }
    public func append(_ record: OutboxRecord) throws { try store.append(record, to: .outbox) }
    public func scan(_ record: (OutboxRecord) throws -> Void, bad: (BadLine) -> Void) throws {
        try store.read(OutboxRecord.self, .outbox, into: record, bad: bad)
    }
}

extension OutboxSnapshot {
    /// The outbox and the ledger of a store, joined.
    public static func load(store: any Store, channels: ChannelProfiles?) throws -> OutboxSnapshot {
        var join = OutboxLedgerJoin(channels: channels)
        var bad: [BadLine] = []
        try store.read(OutboxRecord.self, .outbox, into: { join.apply($0) }, bad: { bad.append($0) })
        try store.read(DeliveryRecord.self, .ledger, into: { join.apply($0) }, bad: { bad.append($0) })
        return OutboxSnapshot(join: join, bad: bad)
    }
}
