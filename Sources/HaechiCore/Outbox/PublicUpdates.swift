import Foundation

/// "The public must hear from the city every N minutes at this level": the one answer to when
/// the next public update is due, for the checklist line and the after-action report alike.
public enum PublicUpdates {
    /// One interval the city owed the public a message.
    public struct Deadline: Sendable, Hashable {
        public var due: Date
        /// When the next message was queued; after `due` means late, nil means never.
        public var heardAt: Date?
        public var level: AlertLevel
        /// The manual's interval at that level, in minutes.
        public var minutes: Int
        public var isOnTime: Bool { heardAt.map { $0 <= due } ?? false }
        /// How late the message came (or, if none came, up to `end` of the walk).
        public func lateness(end: Date) -> TimeInterval { max(0, (heardAt ?? end).timeIntervalSince(due)) }
    }

    /// Where an incident stands at `end`: every deadline so far, and the one still open.
    public struct Walk: Sendable, Hashable {
        public var deadlines: [Deadline]
        /// The pending deadline at `end` (already past when overdue); nil when the current level
        /// asks for no regular updates.
        public var next: Deadline?
        public var end: Date

        public var isOverdue: Bool { next.map { $0.due < end } ?? false }
        /// Deadlines closed so far plus an overdue open one: what the report scores.
        public var scored: [Deadline] { deadlines + (isOverdue ? [next!] : []) }
        public var onTime: Int { scored.filter(\.isOnTime).count }
        public var longestLateness: TimeInterval { scored.map { $0.lateness(end: end) }.max() ?? 0 }
    }

    public enum Event: Sendable, Hashable {
        case level(AlertLevel, at: Date)
        case message(at: Date)
        var at: Date { switch self { case .level(_, let at), .message(let at): at } }
    }

    /// Walks an incident's level changes and public messages up to `end`. The clock starts when
    /// the incident opens; each message restarts it at the interval of the level then in force;
    /// a level with a shorter interval brings the deadline forward (never back).
    public static func walk(cadence: [AlertLevel: Int]?, opened: Date, level: AlertLevel, events: [Event], end: Date) -> Walk {
        func interval(_ l: AlertLevel) -> TimeInterval? { cadence?[l].map { TimeInterval($0 * 60) } }
        func minutes(_ l: AlertLevel) -> Int { cadence?[l] ?? 0 }
        var current = level
        var due = interval(level).map { opened.addingTimeInterval($0) }
        var out: [Deadline] = []
        // Messages sort after level changes at the same instant: a message sent as the level
        // rises already answers the new level.
        let ordered = events.filter { $0.at >= opened && $0.at <= end }.enumerated().sorted { a, b in
            if a.element.at != b.element.at { return a.element.at < b.element.at }
            if case .level = a.element, case .message = b.element { return true }
            if case .message = a.element, case .level = b.element { return false }
            return a.offset < b.offset
        }.map(\.element)
        for event in ordered {
            switch event {
            case .message(let t):
                if let d = due { out.append(Deadline(due: d, heardAt: t, level: current, minutes: minutes(current))) }
                due = interval(current).map { t.addingTimeInterval($0) }
            case .level(let l, let t):
                current = l
                if let i = interval(l) { due = min(due ?? t.addingTimeInterval(i), t.addingTimeInterval(i)) } else { due = nil }
            }
        }
        return Walk(deadlines: out, next: due.map { Deadline(due: $0, heardAt: nil, level: current, minutes: minutes(current)) }, end: end)
    }

    /// The messages that count as the city speaking to the public in one incident: every
    /// message of it in its mode that was not cancelled before it went out.
    public static func publicMessages(_ statuses: [MessageStatus], incident: String) -> [Date] {
        statuses.filter { s in
            s.message.incident == incident
                && isPublic(cancelled: s.isCancelled, delivered: CAPLifecycle.wentOut(s))
        }.map(\.message.created)
    }

    /// Whether a message counts as the city having spoken: anything queued, unless it was
    /// cancelled before any post went out (or may have gone out).
    public static func isPublic(cancelled: Bool, delivered: Bool) -> Bool { !cancelled || delivered }

    /// "next public update due in 12 min" / "public update OVERDUE by 7 min" / nil when the
    /// manual sets no cadence at this level.
    public static func line(_ walk: Walk, language: Language) -> String? {
        guard let next = walk.next else { return nil }
        let minutes = Int((abs(next.due.timeIntervalSince(walk.end)) / 60).rounded(.up))
        if walk.isOverdue {
            return language == .ko ? "시민 안내 \(minutes)분 지연 (\(next.level.korean): 매 \(next.minutes)분)"
                                   : "public update OVERDUE by \(minutes) min (\(next.level.english): every \(next.minutes) min)"
        }
        return language == .ko ? "다음 시민 안내 \(minutes)분 후" : "next public update due in \(minutes) min"
    }
}
