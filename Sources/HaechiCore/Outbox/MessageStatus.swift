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

    public var description: String {
        switch self {
        case .awaitingApproval: "awaiting approval"
        case .queued: "queued"
        case .sending(let n, _): n.map { "sending (attempt \($0))" } ?? "sending"
        case .delivered(let id, _): id.map { "delivered (\($0))" } ?? "delivered"
        case .retrying(let next, let reason):
            "retrying" + (next.map { " at \(RecordCoding.formatTimestamp($0))" } ?? "") + (reason.map { " (\($0))" } ?? "")
        case .dead(let reason): "dead" + (reason.map { " (\($0))" } ?? "")
        case .cancelled: "cancelled"
        case .unknown(let reason): "outcome unknown" + (reason.map { " (\($0))" } ?? "")
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
    public private(set) var events: [String: MessageEvents] = [:]
    public init() {}

    public mutating func apply(_ record: OutboxRecord) {
        switch record {
        case .message: break
        case .correct(let m):
            if let original = m.corrects { events[original, default: MessageEvents()].correctedBy.append(m.id) }
        case .approve(let id, let op, let at):
            events[id, default: MessageEvents()].approvals.append(.init(by: op, at: at))
        case .cancel(let id, let op, let at, let reason):
            if events[id]?.cancel == nil { events[id, default: MessageEvents()].cancel = .init(by: op, at: at, reason: reason) }
        }
    }

    /// Ledger records must come in ledger order (see `LatestDeliveries`).
    public mutating func apply(_ record: DeliveryRecord) {
        events[record.message, default: MessageEvents()].ledger.apply(record)
    }

    public func status(of message: OutboxMessage, isCorrection: Bool, channels: ChannelProfiles?) -> MessageStatus {
        MessageStatus(message: message, isCorrection: isCorrection, posts: Posts.of(message, profiles: channels),
                      events: events[message.id] ?? MessageEvents())
    }
}

/// Joins outbox records with the sender's ledger, incrementally: feed records as the files are
/// read (both may be followed as they grow, in any interleaving) and read `messages`. Pure:
/// the TUI, the CLI and the report all build their views with it.
public struct OutboxLedgerJoin: Sendable {
    public let channels: ChannelProfiles?
    public private(set) var index = OutboxEventIndex()
    private var bodies: [(message: OutboxMessage, isCorrection: Bool)] = []
    private var position: [String: Int] = [:]

    public init(channels: ChannelProfiles?) { self.channels = channels }

    /// Every message in outbox order, with its state.
    public var messages: [MessageStatus] {
        bodies.map { index.status(of: $0.message, isCorrection: $0.isCorrection, channels: channels) }
    }

    public var count: Int { bodies.count }

    /// The status of one message, by id.
    public subscript(id: String) -> MessageStatus? {
        position[id].map { index.status(of: bodies[$0].message, isCorrection: bodies[$0].isCorrection, channels: channels) }
    }

    public mutating func apply(_ record: OutboxRecord) {
        switch record {
        case .message(let m), .correct(let m):
            guard position[m.id] == nil else { return }   // the same id twice: the first one stands
            var isCorrection = false
            if case .correct = record { isCorrection = true }
            position[m.id] = bodies.count
            bodies.append((m, isCorrection))
        case .approve, .cancel: break
        }
        index.apply(record)
    }

    public mutating func apply(_ record: DeliveryRecord) { index.apply(record) }

    /// Joins two complete sequences (the one-shot form).
    public static func join(outbox: some Sequence<OutboxRecord>, ledger: some Sequence<DeliveryRecord>,
                            channels: ChannelProfiles?) -> [MessageStatus] {
        var join = OutboxLedgerJoin(channels: channels)
        for r in outbox { join.apply(r) }
        for d in ledger { join.apply(d) }
        return join.messages
    }
}
