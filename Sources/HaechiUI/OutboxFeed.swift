import Foundation
import HaechiCore

/// The outbox as the TUI last read it: `outbox.jsonl` joined with the sender's
/// `delivery.jsonl` (the join and every rule about states live in HaechiCore; this only holds
/// the result). Filled by the shell about once a second, so other operators' messages and the
/// sender's progress appear without a key press.
public struct OutboxFeed: Sendable, Hashable {
    /// The messages the shell holds, in outbox order, with their state per channel and
    /// language: the current incident's, every one of the last 25 hours, and every one not yet
    /// settled (see `TUIOutbox`). Older settled ones are only counted, in `retired`.
    public var messages: [MessageStatus]
    /// The home counts of the messages not held.
    public var retired: OutboxCounts
    /// Lines of either file that could not be read (place and reason), shown, never fatal.
    public var problems: [String]
    /// When the shell last read the files; nil until the first read.
    public var loadedAt: Date?

    public init(messages: [MessageStatus] = [], retired: OutboxCounts = OutboxCounts(), problems: [String] = [], loadedAt: Date? = nil) {
        self.messages = messages; self.retired = retired; self.problems = problems; self.loadedAt = loadedAt
    }

    public subscript(id: String) -> MessageStatus? { messages.first { $0.id == id } }

    /// Every message's bucket: those held and those retired.
    public var counts: OutboxCounts {
        var c = OutboxCounts(messages)
        c.add(retired)
        return c
    }
}

/// Home's outbox line, counted per message (not per post), each message in one bucket only, so
/// the numbers add up to what the operator sees on the outbox screen.
public struct OutboxCounts: Sendable, Hashable {
    public var queued = 0
    public var awaitingApproval = 0
    public var failed = 0
    public var delivered = 0

    public init(queued: Int = 0, awaitingApproval: Int = 0, failed: Int = 0, delivered: Int = 0) {
        self.queued = queued; self.awaitingApproval = awaitingApproval; self.failed = failed; self.delivered = delivered
    }

    public init(_ messages: [MessageStatus]) {
        for m in messages { add(m) }
    }

    /// Counts one more message in its bucket (a cancelled one in none).
    public mutating func add(_ m: MessageStatus) {
        guard !m.isCancelled else { return }
        switch OutboxSummary.of(m) {
        case .awaitingApproval: awaitingApproval += 1
        case .failed: failed += 1
        case .delivered: delivered += 1
        case .pending, .partlyDelivered: queued += 1
        case .cancelled: break
        }
    }

    public mutating func add(_ other: OutboxCounts) {
        queued += other.queued; awaitingApproval += other.awaitingApproval; failed += other.failed; delivered += other.delivered
    }
}

/// One word for a whole message, for list rows and counts. A message that failed on one
/// channel is "failed" even if others delivered: that is the one the desk must look at.
public enum OutboxSummary: Sendable, Hashable {
    case awaitingApproval, pending, partlyDelivered(Int, of: Int), delivered, failed, cancelled

    public static func of(_ m: MessageStatus) -> OutboxSummary {
        let states = m.states.map(\.state)
        if states.contains(where: { if case .dead = $0 { true } else if case .unknown = $0 { true } else { false } }) {
            return .failed
        }
        if m.isCancelled { return .cancelled }
        if m.isDeliveredEverywhere { return .delivered }
        if states.contains(.awaitingApproval) { return .awaitingApproval }
        let done = states.filter(\.isDelivered).count
        return done > 0 ? .partlyDelivered(done, of: states.count) : .pending
    }

    public var text: Localized {
        switch self {
        case .awaitingApproval: Localized(ko: "승인 대기", en: "awaiting approval")
        case .pending: Localized(ko: "대기", en: "queued")
        case .partlyDelivered(let n, let of): Localized(ko: "전달 \(n)/\(of)", en: "delivered \(n)/\(of)")
        case .delivered: Localized(ko: "전달 완료", en: "delivered")
        case .failed: Localized(ko: "실패", en: "FAILED")
        case .cancelled: Localized(ko: "취소됨", en: "cancelled")
        }
    }

    public var tone: Tone {
        switch self {
        case .awaitingApproval: .warning
        case .pending, .partlyDelivered: .inProgress
        case .delivered: .ok
        case .failed: .error
        case .cancelled: .skipped
        }
    }
}

/// The reducer's part for the outbox actions. Kept here, out of `reduce`'s switch, so the
/// checklist reducer and this one can change without stepping on each other.
enum OutboxFlow {
    static func reduce(_ state: inout AppState, _ action: Action, _ env: Environment) -> [Effect] {
        switch action {
        case .outboxLoaded(let feed):
            state.outbox = feed
            let c = feed.counts
            state.status.queued = c.queued
            state.status.awaitingApproval = c.awaitingApproval
            state.status.failed = c.failed
            state.status.delivered = c.delivered
            return Screen.dispatch(&state) { model, app in model.incidentChanged(app: app); return [] }

        case .outboxAppended(let record):
            return appended(&state, record)

        case .outboxAppendFailed(let record, let reason):
            return appendFailed(&state, record, reason: reason)

        default:
            return []
        }
    }

    /// The record is on disk (fsync returned): only now may the screen say so.
    static func appended(_ state: inout AppState, _ record: OutboxRecord) -> [Effect] {
        switch record {
        case .message(let m), .correct(let m):
            if case .compose(let compose) = state.screen, compose.stage == .queueing(id: m.id) {
                var back = compose.returnTo
                if case .outbox(var o) = back { o.selected = m.id; back = .outbox(o) }
                state.navigate(to: back)
            }
            let channels = m.channels.joined(separator: ", ")
            // The flash names the posts the record states (`ko`/`en` per channel), what will go out.
            let posts = m.posts.map { $0.map { "\($0.channel)/\($0.language.rawValue)" }.joined(separator: " ") } ?? channels
            let what = m.corrects.map { Localized(ko: "정정 메시지(\($0) 정정)", en: "Correction of \($0)") } ?? Localized(ko: "메시지", en: "Message")
            if m.needsApproval {
                // The approval part first: a long channel list must not push it off the line.
                state.flash = Flash(Localized(ko: "\(what.ko) 승인 대기로 등록 (다른 근무자가 승인해야 발송): \(m.id) → \(posts)",
                                              en: "\(what.en) queued AWAITING APPROVAL by another operator: \(m.id) → \(posts)"), .success)
            } else {
                state.flash = Flash(Localized(ko: "\(what.ko) 발송함에 등록: \(m.id) → \(posts)",
                                              en: "\(what.en) queued: \(m.id) → \(posts)"), .success)
            }
            let note = (m.corrects.map { "correction of \($0), " } ?? "") + "queued for \(channels)"
                + (m.needsApproval ? ", awaiting approval" : "")
            // A quiet-hours override is journaled with its reason, right after the message line.
            let quiet = IncidentEvent.quietHours(of: m, at: state.now, operator: state.operatorName).map { [Effect.appendJournal($0)] } ?? []
            return journal(state, incident: m.incident, step: m.step, message: m.id, text: note) + quiet
                + [.log("outbox: queued \(m.id) (\(m.mode.rawValue), \(m.kind.rawValue)) for \(channels)")]

        case .cancel(let id, _, _, let reason):
            state.flash = Flash(Localized(ko: "발송 취소 기록됨: \(id) (이미 전달된 채널은 정정으로)",
                                          en: "Cancel recorded for \(id) (already delivered posts need a correction)"), .success)
            return journal(state, incident: state.outbox[id]?.message.incident, step: nil, message: id, text: "cancelled: \(reason)")
                + [.log("outbox: cancelled \(id): \(reason)")]

        case .approve(let id, let by, _):
            state.flash = Flash(Localized(ko: "승인 기록됨: \(id) (\(by)) — 발송기가 보냅니다",
                                          en: "Approved \(id) (\(by)): the sender will post it"), .success)
            return journal(state, incident: state.outbox[id]?.message.incident, step: nil, message: id, text: "approved by \(by)")
                + [.log("outbox: approved \(id) by \(by)")]
        }
    }

    /// Nothing was acknowledged: say so plainly, keep the draft, let the operator retry.
    static func appendFailed(_ state: inout AppState, _ record: OutboxRecord, reason: String) -> [Effect] {
        switch record {
        case .message(let m), .correct(let m):
            if case .compose(var compose) = state.screen, compose.stage == .queueing(id: m.id) {
                compose.stage = .failed(reason: reason)
                state.screen = .compose(compose)
            }
            state.flash = Flash(Localized(ko: "발송함에 등록 안 됨 (NOT queued): \(reason) — 작성 내용은 그대로, Ctrl-O로 다시 시도",
                                          en: "NOT queued: \(reason). The draft is kept; Ctrl-O to try again"), .error)
        case .cancel(let id, _, _, _):
            state.flash = Flash(Localized(ko: "취소 기록 안 됨 (NOT cancelled): \(id): \(reason)", en: "NOT cancelled: \(id): \(reason)"), .error)
        case .approve(let id, _, _):
            state.flash = Flash(Localized(ko: "승인 기록 안 됨 (NOT approved): \(id): \(reason)", en: "NOT approved: \(id): \(reason)"), .error)
        }
        return [.log("outbox: append of \(record.messageID) failed: \(reason)")]
    }

    /// The incident journal remembers what was queued from it, for the timeline and the report.
    static func journal(_ state: AppState, incident: String?, step: String?, message: String, text: String) -> [Effect] {
        guard let incident else { return [] }
        return [.appendJournal(.message(.init(incident: incident, at: state.now, operator: state.operatorName),
                                        .init(message: message, step: step, text: text)))]
    }
}
