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

    /// The posts a message makes: each of its channels in each language that channel posts
    /// and the message has text for. Without a profile for a channel, every language with text
    /// (the sender refuses unknown channels itself; the view should still show them).
    public static func targets(of message: OutboxMessage, channels: ChannelProfiles?) -> [DeliveryTarget] {
        // One array, no intermediate ones: a listing calls this for every message.
        var targets: [DeliveryTarget] = []
        targets.reserveCapacity(message.channels.count * Language.allCases.count)
        for id in message.channels {
            for language in channels?[id]?.languages ?? Language.allCases where !message.text[language].isEmpty {
                targets.append(DeliveryTarget(channel: id, language: language))
            }
        }
        return targets
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

/// The last ledger record per target of one message. A short array, not a dictionary: a
/// message has a handful of targets, and a million small dictionaries cost a hundred
/// megabytes where arrays cost a third of that. The stored records drop `message` and `key`
/// (the message they belong to is the owner's), to keep a million of them small.
public struct LatestDeliveries: Sendable, Hashable {
    private var records: [DeliveryRecord] = []
    public init() {}

    public subscript(target: DeliveryTarget) -> DeliveryRecord? {
        get { records.first { $0.channel == target.channel && $0.language == target.language } }
        set {
            let i = records.firstIndex { $0.channel == target.channel && $0.language == target.language }
            guard var record = newValue else {
                if let i { records.remove(at: i) }
                return
            }
            record.message = ""
            record.key = ""
            if let i { records[i] = record } else { records.append(record) }
        }
    }

    public var isEmpty: Bool { records.isEmpty }
    public var count: Int { records.count }
}

/// A message and everything that happened to it since.
public struct MessageStatus: Sendable, Hashable, Identifiable {
    public var message: OutboxMessage
    public var isCorrection: Bool
    /// In the order of `DeliveryTarget.targets(of:channels:)`.
    public var targets: [DeliveryTarget]
    public var events: MessageEvents

    public init(message: OutboxMessage, isCorrection: Bool, targets: [DeliveryTarget], events: MessageEvents) {
        self.message = message; self.isCorrection = isCorrection; self.targets = targets; self.events = events
    }

    public var id: String { message.id }
    /// The first approval by someone other than the author. A self-approval written into the
    /// file by hand (the CLI and TUI refuse it) does not count.
    public var approval: MessageEvents.Approval? { events.approvals.first { $0.by != message.operator } }
    public var approvedBy: String? { approval?.by }
    public var isApproved: Bool { approval != nil }
    public var cancel: MessageEvents.Cancel? { events.cancel }
    public var isCancelled: Bool { events.cancel != nil }
    public var correctedBy: [String] { events.correctedBy }

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

    public var states: [(target: DeliveryTarget, state: DeliveryState)] { targets.map { ($0, state($0)) } }

    public var isDeliveredEverywhere: Bool { !targets.isEmpty && targets.allSatisfy { state($0).isDelivered } }
    /// Every target is delivered, dead or cancelled.
    public var isFinished: Bool { targets.allSatisfy { state($0).isFinal } }
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

    public mutating func apply(_ record: DeliveryRecord) {
        let target = DeliveryTarget(channel: record.channel, language: record.language)
        // A delivery is final: a later stray record (a duplicate attempt after a crash) must not
        // make a delivered post look undelivered.
        if events[record.message]?.ledger[target]?.kind == .delivered { return }
        events[record.message, default: MessageEvents()].ledger[target] = record
    }

    public func status(of message: OutboxMessage, isCorrection: Bool, channels: ChannelProfiles?) -> MessageStatus {
        MessageStatus(message: message, isCorrection: isCorrection,
                      targets: DeliveryTarget.targets(of: message, channels: channels),
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
