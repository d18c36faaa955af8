import Foundation

/// Where a message stands on one channel in one language: the outbox records joined with the
/// sender's ledger. What the outbox screen, `haechi outbox list` and the report show.
public enum DeliveryState: Sendable, Hashable, CustomStringConvertible {
    /// LIVE, the profile wants a second operator, nobody has approved yet.
    case awaitingApproval
    /// Durable in the outbox; the sender has not tried yet.
    case queued
    /// An attempt is recorded and its outcome not yet.
    case sending(attempt: Int?, since: Date)
    case delivered(remoteID: String?, at: Date)
    case retrying(next: Date?, reason: String?)
    case dead(reason: String?)
    case cancelled
    /// Outcome unknown on a channel without idempotency: the sender will not re-post blind.
    case unknown(reason: String?)

    /// A short machine name, used in `list --json`.
    public var name: String {
        switch self {
        case .awaitingApproval: "awaiting-approval"
        case .queued: "queued"
        case .sending: "sending"
        case .delivered: "delivered"
        case .retrying: "retrying"
        case .dead: "dead"
        case .cancelled: "cancelled"
        case .unknown: "unknown"
        }
    }

    /// The state in words, as the outbox screen, the report and `outbox list` say it; made
    /// from `describe(into:)`, the one place the wording is written.
    public var description: String {
        var text = DeliveryStateText()
        describe(into: &text)
        return text.string
    }

    /// `description` in its pieces: the fixed wording, and the values it carries (a remote id
    /// or a reason, which are any text; an attempt number; a retry time). A writer that must
    /// escape the values (`outbox list --json`) copies the wording as it is and escapes only
    /// them, with no String made per post. Inlinable, so a writer's calls are direct.
    @inlinable
    public func describe<Words: DeliveryStateWords>(into w: inout Words) {
        switch self {
        case .awaitingApproval: w.wording("awaiting approval")
        case .queued: w.wording("queued")
        case .sending(let n, _):
            w.wording("sending")
            if let n { w.wording(" (attempt "); w.number(n); w.wording(")") }
        case .delivered(let id, _):
            w.wording("delivered")
            if let id { w.wording(" ("); w.value(id); w.wording(")") }
        case .retrying(let next, let reason):
            w.wording("retrying")
            if let next { w.wording(" at "); w.time(next) }
            if let reason { w.wording(" ("); w.value(reason); w.wording(")") }
        case .dead(let reason):
            w.wording("dead")
            if let reason { w.wording(" ("); w.value(reason); w.wording(")") }
        case .cancelled: w.wording("cancelled")
        case .unknown(let reason):
            w.wording("outcome unknown")
            if let reason { w.wording(" ("); w.value(reason); w.wording(")") }
        }
    }

    /// Nothing more will happen on this target without a new message.
    public var isFinal: Bool {
        switch self {
        case .delivered, .dead, .cancelled: true
        default: false
        }
    }

    public var isDelivered: Bool { if case .delivered = self { true } else { false } }
}

/// Where `DeliveryState.describe(into:)` writes a state's words. `wording` is only ever ASCII
/// letters, spaces and parentheses (nothing a JSON string escapes); `value` is any text;
/// `time` is written as `RecordCoding.formatTimestamp` writes it, `number` in decimal.
public protocol DeliveryStateWords {
    mutating func wording(_ s: StaticString)
    mutating func value(_ s: String)
    mutating func number(_ n: Int)
    mutating func time(_ t: Date)
}

/// The words as a String: `DeliveryState.description`.
struct DeliveryStateText: DeliveryStateWords {
    var string = ""
    mutating func wording(_ s: StaticString) { string += s.description }
    mutating func value(_ s: String) { string += s }
    mutating func number(_ n: Int) { string += String(n) }
    mutating func time(_ t: Date) { string += RecordCoding.formatTimestamp(t) }
}

/// One channel in one language: the unit the sender posts, with the idempotency key
/// message id + channel + language.
public struct DeliveryTarget: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var channel: String
    public var language: Language
    public init(channel: String, language: Language) { self.channel = channel; self.language = language }
    public var description: String { "\(channel)/\(language.rawValue)" }
    public static func < (a: DeliveryTarget, b: DeliveryTarget) -> Bool {
        (a.channel, a.language.rawValue) < (b.channel, b.language.rawValue)
    }

    /// The posts a message makes, as targets (see `Posts.of`).
    public static func targets(of message: OutboxMessage, channels: ChannelProfiles?) -> [DeliveryTarget] {
        Posts.of(message, profiles: channels).map(\.target)
    }
}

/// What happened to one message after it was queued: approvals, a cancel, corrections, and
/// the last ledger record per target. Keyed by message id, independent of the message body,
/// so it can be collected in one pass and joined with messages streamed in a second.
public struct MessageEvents: Sendable, Hashable {
    public struct Approval: Sendable, Hashable { public var by: String; public var at: Date }
    public struct Cancel: Sendable, Hashable { public var by: String; public var at: Date; public var reason: String }

    /// In file order. Whether one counts depends on who queued the message (see `MessageStatus`).
    public var approvals: [Approval] = []
    /// The first cancel; later ones change nothing.
    public var cancel: Cancel?
    /// Ids of later corrections of this message.
    public var correctedBy: [String] = []
    public var ledger = LatestDeliveries()

    public init() {}
}

/// The ledger's word per target of one message, folded by one rule: records apply in ledger
/// order until the first outcome that settles the post (delivered, dead, cancelled, unknown);
/// after that nothing changes it (a stray attempt after a delivery, written by a sender that
/// crashed between the two, must not make a delivered post look undelivered or be sent again).
///
/// A short array, not a dictionary: a message has a handful of targets, and a million small
/// dictionaries cost a hundred megabytes where arrays cost a third of that. The stored records
/// drop `message` and `key` (the owner knows them), and their `attempt` holds the number of
/// attempts recorded for the target up to the deciding record (nil for none).
public struct LatestDeliveries: Sendable, Hashable {
    private var records: [DeliveryRecord] = []
    public init() {}

    public subscript(target: DeliveryTarget) -> DeliveryRecord? {
        records.first { $0.channel == target.channel && $0.language == target.language }
    }

    /// Applies the next ledger record of this message, in ledger order.
    public mutating func apply(_ record: DeliveryRecord) {
        let i = records.firstIndex { $0.channel == record.channel && $0.language == record.language }
        if let i, records[i].kind.settles { return }
        let attempts = (i.flatMap { records[$0].attempt } ?? 0) + (record.kind == .attempt ? 1 : 0)
        var stored = record
        stored.message = ""
        stored.key = ""
        stored.attempt = attempts > 0 ? attempts : nil
        if let i { records[i] = stored } else { records.append(stored) }
    }

    public var isEmpty: Bool { records.isEmpty }
    public var count: Int { records.count }

    /// The records as stored, for a checkpoint of the fold (`ListingState`), and back.
    var stored: [DeliveryRecord] { records }
    init(stored: [DeliveryRecord]) { records = stored }
}

extension DeliveryRecord.Kind {
    /// An outcome after which the sender never acts on the post again.
    public var settles: Bool {
        switch self {
        case .delivered, .dead, .cancelled, .unknown: true
        case .attempt, .retry: false
        }
    }
}

/// What the sender does next about one post: the sender's plan, read off the same projection
/// as every view (`MessageStatus.senderStep`).
public enum SenderStep: Sendable, Hashable {
    /// The ledger has the post's outcome.
    case settled
    /// LIVE, needs a second operator, none has approved yet.
    case awaitApproval
    /// Due: make an attempt.
    case send
    /// A retry is scheduled.
    case retry(at: Date?)
    /// Cancelled before it was sent: the sender writes `cancelled` to the ledger.
    case recordCancel
    /// The ledger ends in an attempt with no outcome (the sender stopped during the request):
    /// asked again only on an idempotent endpoint and if not cancelled, else marked unknown.
    case recoverInterrupted
}

/// A message and everything that happened to it since: the one reading of history. Every
/// view (outbox screen and home counts, `outbox list`, the report, the repeat check) and the
/// sender's plan read post states from here; each rule is written once, in this type and in
/// `LatestDeliveries` (the table is in docs/messages.md).
public struct MessageStatus: Sendable, Hashable, Identifiable {
    public var message: OutboxMessage
    public var isCorrection: Bool
    /// The posts the message makes (`Posts.of`), in their stored order.
    public var posts: [OutboxPost]
    public var events: MessageEvents

    public init(message: OutboxMessage, isCorrection: Bool, posts: [OutboxPost], events: MessageEvents) {
        self.message = message; self.isCorrection = isCorrection; self.posts = posts; self.events = events
    }

    public var id: String { message.id }
    public var targets: [DeliveryTarget] { posts.map(\.target) }
    /// Approval: the first by someone other than the author. A self-approval written into the
    /// file by hand (the CLI and TUI refuse it) does not count.
    public var approval: MessageEvents.Approval? { events.approvals.first { $0.by != message.operator } }
    public var approvedBy: String? { approval?.by }
    public var isApproved: Bool { approval != nil }
    /// The first cancel; later ones change nothing.
    public var cancel: MessageEvents.Cancel? { events.cancel }
    public var isCancelled: Bool { events.cancel != nil }
    public var correctedBy: [String] { events.correctedBy }

    /// A post's state. The ledger's settled outcome is final (delivered stays delivered whatever
    /// follows); a cancel wins over everything not yet delivered, except an attempt in flight,
    /// whose outcome the sender still records; approval gates LIVE messages that need it.
    public func state(_ target: DeliveryTarget) -> DeliveryState {
        if let record = events.ledger[target] {
            switch record.kind {
            case .delivered: return .delivered(remoteID: record.remoteID, at: record.at)
            case .dead: return .dead(reason: record.reason)
            case .cancelled: return .cancelled
            case .unknown: return .unknown(reason: record.reason)
            case .attempt:
                return .sending(attempt: record.attempt, since: record.at)
            case .retry:
                // A cancel stops retries: the sender writes `cancelled` when it next looks.
                return isCancelled ? .cancelled : .retrying(next: record.next, reason: record.reason)
            }
        }
        if isCancelled { return .cancelled }
        if message.needsApproval && !isApproved { return .awaitingApproval }
        return .queued
    }

    public var states: [(target: DeliveryTarget, state: DeliveryState)] { posts.map { ($0.target, state($0.target)) } }

    /// What the sender does next about a post: the state, read for action.
    public func senderStep(_ target: DeliveryTarget) -> SenderStep {
        switch state(target) {
        case .delivered, .dead, .unknown: return .settled
        case .cancelled: return events.ledger[target]?.kind == .cancelled ? .settled : .recordCancel
        case .sending: return .recoverInterrupted
        case .retrying(let next, _): return .retry(at: next)
        case .awaitingApproval: return .awaitApproval
        case .queued: return .send
        }
    }

    /// Every post has its outcome in the ledger (delivered, dead, cancelled, unknown): by
    /// `LatestDeliveries`' rule no later ledger record changes any of its states.
    public var isSettled: Bool { posts.allSatisfy { events.ledger[$0.target]?.kind.settles == true } }

    /// The number of attempts the ledger records for a post.
    public func attempts(_ target: DeliveryTarget) -> Int { events.ledger[target]?.attempt ?? 0 }

    public var isDeliveredEverywhere: Bool { !posts.isEmpty && posts.allSatisfy { state($0.target).isDelivered } }
    /// Every post is delivered, dead or cancelled.
    public var isFinished: Bool { posts.allSatisfy { state($0.target).isFinal } }
    /// For the 24-hour repeat check: a message counts unless it was cancelled before any post
    /// was delivered (then it reached nobody).
    public var countsAsSent: Bool { !isCancelled || posts.contains { state($0.target).isDelivered } }
}

/// The events of every message, by id, collected from outbox and ledger records in any order.
/// Message bodies are not kept, so this stays small enough to stream a million-message outbox:
/// collect events in one pass, then join each message as it is read again.
public struct OutboxEventIndex: Sendable {
    public private(set) var events = EventsByMessage()
    public init() {}

    public mutating func apply(_ record: OutboxRecord) {
        switch record {
        case .message: break
        case .correct(let m):
            if let original = m.corrects { events.update(original) { $0.correctedBy.append(m.id) } }
        case .approve(let id, let op, let at):
            events.update(id) { $0.approvals.append(.init(by: op, at: at)) }
        case .cancel(let id, let op, let at, let reason):
            events.update(id) { if $0.cancel == nil { $0.cancel = .init(by: op, at: at, reason: reason) } }
        }
    }

    /// Ledger records must come in ledger order (see `LatestDeliveries`).
    public mutating func apply(_ record: DeliveryRecord) {
        events.update(record.message) { $0.ledger.apply(record) }
    }

    /// Forgets a message's events (see `OutboxLedgerJoin.retire`).
    mutating func remove(_ id: String) { events.remove(id) }

    /// Puts back one message's events as a checkpoint stored them (`ListingState`).
    mutating func restore(_ id: String, _ e: MessageEvents) { events.update(id) { $0 = e } }

    public func status(of message: OutboxMessage, isCorrection: Bool, channels: ChannelProfiles?) -> MessageStatus {
        MessageStatus(message: message, isCorrection: isCorrection, posts: Posts.of(message, profiles: channels),
                      events: events[message.id] ?? MessageEvents())
    }
}

/// `MessageEvents` by message id. Most messages of a large outbox have no events at all, so
/// most look-ups miss; with plain `String` keys each miss compared the id with every key along
/// its probe sequence (a memcmp each: a tenth of a million-message listing). The key carries a
/// 64-bit hash of the id, compared first, so a probe past another key costs one integer compare.
public struct EventsByMessage: Sendable {
    private var table: [Key: MessageEvents] = [:]

    struct Key: Hashable, Sendable {
        let hash: UInt64
        let id: String
        init(_ id: String) {
            self.id = id
            hash = EventsByMessage.hash(id)
        }
        static func == (a: Key, b: Key) -> Bool { a.hash == b.hash && a.id == b.id }
        func hash(into hasher: inout Hasher) { hasher.combine(hash) }
    }

    public init() {}

    /// FNV-1a over the id's bytes: ids are short, and this only has to spread them.
    public static func hash(_ id: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        var id = id
        id.withUTF8 { for b in $0 { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01b3 } }
        return h
    }

    public subscript(id: String) -> MessageEvents? { table[Key(id)] }

    mutating func remove(_ id: String) { table[Key(id)] = nil }

    /// Every id with its events, in no particular order.
    func forEach(_ body: (String, MessageEvents) -> Void) { for (k, v) in table { body(k.id, v) } }

    public var count: Int { table.count }
    public var isEmpty: Bool { table.isEmpty }

    /// Changes the events of `id`, starting from none.
    mutating func update(_ id: String, _ change: (inout MessageEvents) -> Void) {
        change(&table[Key(id), default: MessageEvents()])
    }
}

/// Joins outbox records with the sender's ledger, incrementally: feed records as the files are
/// read (both may be followed as they grow, in any interleaving) and read `messages`. Pure:
/// the TUI, the CLI and the report all build their views with it.
///
/// A long-running reader (the TUI) may `retire` messages it no longer needs to show: their
/// bodies and events are dropped, so memory follows the messages kept rather than the whole
/// history. Nothing is guessed about a retired message afterwards: any later record naming it
/// is not applied but noted in `touchedRetired`, and the reader must then read both files
/// again from the start (keeping those messages), which gives exactly the join of everything.
public struct OutboxLedgerJoin: Sendable {
    public let channels: ChannelProfiles?
    public private(set) var index = OutboxEventIndex()
    /// In outbox order; nil where a message was retired (compacted now and then).
    private var bodies: [(message: OutboxMessage, isCorrection: Bool)?] = []
    private var position: [String: Int] = [:]
    private var live = 0
    /// `EventsByMessage.hash` of every retired id.
    private var retired = Set<UInt64>()
    /// Hashes of retired ids that a later record named (a hash shared by two ids counts too).
    public private(set) var touchedRetired = Set<UInt64>()

    public init(channels: ChannelProfiles?) { self.channels = channels }

    /// Every message in outbox order, with its state.
    public var messages: [MessageStatus] {
        bodies.compactMap { $0.map { index.status(of: $0.message, isCorrection: $0.isCorrection, channels: channels) } }
    }

    /// Messages held (retired ones are not).
    public var count: Int { live }
    public var retiredCount: Int { retired.count }

    /// The status of one message, by id.
    public subscript(id: String) -> MessageStatus? {
        position[id].flatMap { bodies[$0] }.map { index.status(of: $0.message, isCorrection: $0.isCorrection, channels: channels) }
    }

    public mutating func apply(_ record: OutboxRecord) {
        guard !touches(record.messageID) else { return }
        if case .correct(let m) = record, let original = m.corrects, touches(original) { return }
        switch record {
        case .message(let m), .correct(let m):
            guard position[m.id] == nil else { return }   // the same id twice: the first one stands
            var isCorrection = false
            if case .correct = record { isCorrection = true }
            position[m.id] = bodies.count
            bodies.append((m, isCorrection))
            live += 1
        case .approve, .cancel: break
        }
        index.apply(record)
    }

    public mutating func apply(_ record: DeliveryRecord) {
        guard !touches(record.message) else { return }
        index.apply(record)
    }

    /// Drops a message's body and events; its id is remembered (as a hash) so that a later
    /// record naming it is caught (`touchedRetired`) instead of being joined with nothing.
    public mutating func retire(_ id: String) {
        guard let i = position.removeValue(forKey: id), bodies[i] != nil else { return }
        bodies[i] = nil
        live -= 1
        index.remove(id)
        retired.insert(EventsByMessage.hash(id))
        if bodies.count >= 256 && live * 2 < bodies.count {
            // Compact, so the array does not keep a slot for every message ever read.
            bodies = bodies.filter { $0 != nil }
            position = [:]
            for (k, b) in bodies.enumerated() { position[b!.message.id] = k }
        }
    }

    private mutating func touches(_ id: String) -> Bool {
        guard !retired.isEmpty else { return false }
        let h = EventsByMessage.hash(id)
        guard retired.contains(h) else { return false }
        touchedRetired.insert(h)
        return true
    }

    /// Joins two complete sequences (the one-shot form).
    public static func join(outbox: some Sequence<OutboxRecord>, ledger: some Sequence<DeliveryRecord>,
                            channels: ChannelProfiles?) -> [MessageStatus] {
        var join = OutboxLedgerJoin(channels: channels)
        for r in outbox { join.apply(r) }
        for d in ledger { join.apply(d) }
        return join.messages
    }
}
