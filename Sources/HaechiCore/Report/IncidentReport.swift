import Foundation

/// The after-action report of one incident or drill: what happened, when, against which target,
/// and what reached the public. A plain value built by `IncidentReport.build` from the journal,
/// the outbox and the sender's ledger, and turned into text by the renderers (markdown, JSON, HTML).
///
/// Times are kept twice: the wall `Date` (what the files say) and `offset`, seconds since the
/// incident opened. In a sped-up drill the offset is scenario time, which is what targets and
/// response windows are written in.
public struct IncidentReport: Codable, Sendable, Hashable {
    public var incident: String
    public var manual: ManualRef
    public var mode: Mode
    public var scenario: ScenarioRef?
    public var opened: Date
    public var closed: Date?
    /// Seconds from opening to closing (scenario time in a drill), nil while open.
    public var duration: TimeInterval?
    public var closeSummary: String?
    /// Everyone who acted, in order of first appearance; the drill's own lines are not counted.
    public var operators: [String]
    public var variables: [String: String]
    /// The manual's label for each variable (`snow_cm` → 적설량 / Snowfall), so every report shows
    /// labels, not ids; nil in reports written before it, or without the manual.
    public var variableLabels: [String: Localized]?
    public var levels: [LevelChange]
    public var steps: [StepOutcome]
    public var messages: [MessageOutcome]
    public var notes: [Note]
    public var timeline: [TimelineEntry]
    public var summary: Summary
    public var drill: DrillScore?
    /// How often the public heard from the city against the manual's cadence (issue 12); nil
    /// when the manual sets none.
    public var publicUpdates: PublicUpdateScore? = nil
    /// Things in the files that did not add up (unknown steps, lines of another incident, …).
    public var problems: [String]
    /// The same in Korean, for the Korean report (nil in reports written before it).
    public var problemsKo: [String]?

    public func problems(_ language: Language) -> [String] { language == .ko ? (problemsKo ?? problems) : problems }

    public struct ManualRef: Codable, Sendable, Hashable {
        public var id: String
        /// Nil when the manual could not be loaded: the report still stands on the journal alone.
        public var title: Localized?
        public var revised: String?
    }

    public struct ScenarioRef: Codable, Sendable, Hashable {
        public var id: String
        public var title: Localized?
    }

    public struct LevelChange: Codable, Sendable, Hashable {
        public var at: Date
        public var offset: TimeInterval
        public var level: AlertLevel
        public var `operator`: String
    }

    public struct Note: Codable, Sendable, Hashable {
        public var at: Date
        public var offset: TimeInterval
        public var `operator`: String
        public var step: String?
        public var text: String
    }

    public enum Outcome: String, Codable, Sendable, Hashable, CaseIterable {
        case onTime = "on-time", late, skipped, notDone = "not-done", notApplicable = "n/a"
        /// Not done, but its deadline had not come when the incident closed (or when the report was
        /// made, for an open one): a 24-hour step is no failure of a 90-minute incident.
        case notDue = "not-due"
    }

    /// One checklist step against its target.
    public struct StepOutcome: Codable, Sendable, Hashable, Identifiable {
        public var id: String
        public var title: Localized?
        public var phase: String?
        public var fromLevel: AlertLevel?
        /// Minutes allowed by the manual.
        public var targetMinutes: Int?
        /// When the step began to apply: the opening, or the level change that brought it in.
        public var applicableFrom: TimeInterval?
        /// `applicableFrom` + target: the offset by which it should have been done.
        public var deadline: TimeInterval?
        public var started: TimeInterval?
        public var completed: TimeInterval?
        public var completedBy: String?
        public var status: StepStatus
        public var outcome: Outcome
        /// Seconds past the deadline, for `late`.
        public var lateBy: TimeInterval?
        /// The skip or n/a reason as the operator wrote it.
        public var reason: String?
        /// How many times it went back to to-do after being done: worth a look in review.
        public var reopened: Int
    }

    /// One official message and what became of it on every channel.
    public struct MessageOutcome: Codable, Sendable, Hashable, Identifiable {
        public var id: String
        public var step: String?
        public var kind: MessageClass
        public var mode: Mode
        public var created: Date
        public var offset: TimeInterval
        public var `operator`: String
        public var text: Localized
        public var needsApproval: Bool
        public var approvedBy: String?
        public var approvedAt: TimeInterval?
        public var cancelledBy: String?
        public var cancelledAt: TimeInterval?
        public var cancelReason: String?
        /// The message this one corrects, and the corrections issued for this one.
        public var corrects: String?
        public var correctedBy: [String]
        public var deliveries: [Delivery]
    }

    /// One post of a message (channel × language, as stored in its record) and its state in the
    /// projection every view shares (`MessageStatus.state`).
    public struct Delivery: Codable, Sendable, Hashable {
        public enum State: String, Codable, CodingKeyRepresentable, Sendable, Hashable, CaseIterable {
            /// LIVE, a second operator has not approved yet.
            case awaitingApproval = "awaiting-approval"
            /// Queued, the sender has not taken it yet.
            case waiting
            case attempting, retrying, delivered, dead, cancelled, unknown

            /// The projection's state, in the report's words (`waiting` is `queued`, `attempting`
            /// is `sending`).
            public init(_ state: DeliveryState) {
                switch state {
                case .awaitingApproval: self = .awaitingApproval
                case .queued: self = .waiting
                case .sending: self = .attempting
                case .retrying: self = .retrying
                case .delivered: self = .delivered
                case .dead: self = .dead
                case .cancelled: self = .cancelled
                case .unknown: self = .unknown
                }
            }
        }
        public var channel: String
        /// Nil only in reports written before posts were stored.
        public var language: Language?
        public var state: State
        public var at: Date?
        public var offset: TimeInterval?
        public var attempts: Int
        public var remoteID: String?
        public var reason: String?
        /// The text as posted (or to be posted) on this channel.
        public var text: String?
    }

    public struct TimelineEntry: Codable, Sendable, Hashable {
        public enum Kind: String, Codable, Sendable, Hashable {
            case opened, step, note, level, message, inject, closed
            case approved, cancelled, corrected, delivered, dead, unknown, retry
        }
        public var at: Date
        public var offset: TimeInterval
        public var kind: Kind
        public var `operator`: String?
        public var step: String?
        public var message: String?
        public var channel: String?
        /// One line in plain English; titles stay in the data fields for the renderer's language.
        public var text: String
        /// Pinned by an operator during the incident (a `pin` line); absent when not.
        public var pinned: Bool?
        /// The same line in Korean, for the Korean report (nil in reports written before it).
        public var textKo: String?

        public func text(_ language: Language) -> String { language == .ko ? (textKo ?? text) : text }

        mutating func say(en: String, ko: String) { text = en; textKo = ko }
    }

    public struct Summary: Codable, Sendable, Hashable {
        /// Steps that applied at the levels reached (or were done anyway), less those not yet due.
        public var stepsApplicable: Int
        public var stepsOnTime: Int
        public var stepsLate: Int
        public var stepsSkipped: Int
        public var stepsNotDone: Int
        public var stepsNotDue: Int
        /// Seconds from opening to the first post the sender marked delivered.
        public var firstDelivered: TimeInterval?
        public var messages: Int
        /// Posts (message × channel × language) by the sender's last word.
        public var posts: [Delivery.State: Int]
        public var delivered: Int { posts[.delivered] ?? 0 }
        public var dead: Int { posts[.dead] ?? 0 }
        public var unknown: Int { posts[.unknown] ?? 0 }
    }

    /// The manual's public-update cadence scored over the incident (`PublicUpdates.walk`).
    public struct PublicUpdateScore: Codable, Sendable, Hashable {
        public struct Interval: Codable, Sendable, Hashable {
            /// Seconds from the opening when an update was due, and when the next one came (nil: none came).
            public var due: TimeInterval
            public var heard: TimeInterval?
            public var level: AlertLevel
            public var minutes: Int
            public var onTime: Bool
        }
        public var intervals: [Interval]
        public var onTime: Int
        /// The longest wait past a due time, in seconds.
        public var longestLate: TimeInterval
        /// 0–100, `onTime / intervals.count` (100 when nothing was due yet).
        public var percent: Int
    }

    /// How the trainees answered the scenario's injects.
    public struct DrillScore: Codable, Sendable, Hashable {
        public var injects: [InjectScore]
        /// Injects with an expectation that were answered in their window.
        public var answered: Int
        public var expected: Int
        /// Mean seconds from inject to the last expected step, over answered injects.
        public var meanResponse: TimeInterval?
        /// 0–100, `answered / expected`.
        public var percent: Int

        /// Every expectation's result, inject by inject.
        public var results: [ExpectationResult] { injects.flatMap { $0.results ?? [] } }
        public func count(_ verdict: ExpectationResult.Verdict) -> Int { results.filter { $0.verdict == verdict }.count }
    }

    /// One expectation of an inject, judged (`DrillJudgement`): what was expected, whether it was
    /// met, missed or (for "no message") violated, and when, counted from the inject's showing.
    public struct ExpectationResult: Sendable, Hashable {
        public enum Kind: String, Codable, Sendable, Hashable, CaseIterable {
            case steps, message, noMessage = "no-message", correction, level, stage
        }
        /// What was expected, each case with exactly its data.
        public enum Expected: Sendable, Hashable {
            case steps([String])
            case message(MessageMatch)
            case noMessage(MessageMatch)
            case correction(MessageMatch)
            case level(AlertLevel)
            case stage(DutyStage)

            public var kind: Kind {
                switch self {
                case .steps: .steps
                case .message: .message
                case .noMessage: .noMessage
                case .correction: .correction
                case .level: .level
                case .stage: .stage
                }
            }

            /// Each thing `e` expects, in a fixed order (steps first).
            public static func all(_ e: Expectation) -> [Expected] {
                var all: [Expected] = e.steps.isEmpty ? [] : [.steps(e.steps)]
                if let m = e.message { all.append(.message(m)) }
                if let m = e.noMessage { all.append(.noMessage(m)) }
                if let m = e.correction { all.append(.correction(m)) }
                if let l = e.level { all.append(.level(l)) }
                if let s = e.stage { all.append(.stage(s)) }
                return all
            }
        }
        public enum Verdict: String, Codable, Sendable, Hashable, CaseIterable {
            case met, missed
            /// A "no message" expectation broken by a message queued in the window.
            case violated
            /// The window was still running when the record ends (an open drill).
            case pending
            /// The inject was never shown: the drill ended first.
            case notPlayed = "not-played"
        }
        public var expected: Expected
        public var verdict: Verdict
        /// Scenario seconds from the inject's showing to when it was met or broken (for "no
        /// message" met: to the end of the window, or the close if that came first).
        public var after: TimeInterval?
        /// The message that met or broke it (for a correction: the correction, or the message cancelled).
        public var message: String?

        public var kind: Kind { expected.kind }

        public init(_ expected: Expected, verdict: Verdict, after: TimeInterval? = nil, message: String? = nil) {
            self.expected = expected; self.verdict = verdict; self.after = after; self.message = message
        }

        /// Every expectation of an inject, as results of an inject never shown (`not-played`):
        /// also how `haechi drill --print` lists them, in the same words as the report.
        public static func unplayed(_ e: Expectation) -> [ExpectationResult] {
            Expected.all(e).map { ExpectationResult($0, verdict: .notPlayed) }
        }
    }

    public struct InjectScore: Codable, Sendable, Hashable, Identifiable {
        public var id: String
        public var scheduled: TimeInterval
        /// When it was shown, nil if the drill ended first.
        public var shown: TimeInterval?
        public var text: Localized
        public var level: AlertLevel?
        public var expected: [String]
        public var within: TimeInterval?
        /// Expected steps done by the end of the window (or before the inject).
        public var done: [String]
        public var missing: [String]
        /// Seconds from showing to the last expected step; 0 when all were done beforehand.
        public var response: TimeInterval?
        /// Every expectation met.
        public var answered: Bool
        /// One result per expectation (steps, message, no message, correction, level, stage);
        /// nil in reports written before judgement expectations.
        public var results: [ExpectationResult]?
    }
}

/// On disk a result is one flat object: `kind`, `verdict`, `after`, `message` and the kind's own
/// key (`steps`, `match`, `level` or `stage`).
extension IncidentReport.ExpectationResult: Codable {
    enum Keys: String, CodingKey { case kind, verdict, after, message, steps, match, level, stage }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        switch try c.decode(Kind.self, forKey: .kind) {
        case .steps: expected = .steps(try c.decode([String].self, forKey: .steps))
        case .message: expected = .message(try c.decode(MessageMatch.self, forKey: .match))
        case .noMessage: expected = .noMessage(try c.decode(MessageMatch.self, forKey: .match))
        case .correction: expected = .correction(try c.decode(MessageMatch.self, forKey: .match))
        case .level: expected = .level(try c.decode(AlertLevel.self, forKey: .level))
        case .stage: expected = .stage(try c.decode(DutyStage.self, forKey: .stage))
        }
        verdict = try c.decode(Verdict.self, forKey: .verdict)
        after = try c.decodeIfPresent(TimeInterval.self, forKey: .after)
        message = try c.decodeIfPresent(String.self, forKey: .message)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(kind, forKey: .kind)
        try c.encode(verdict, forKey: .verdict)
        try c.encodeIfPresent(after, forKey: .after)
        try c.encodeIfPresent(message, forKey: .message)
        switch expected {
        case .steps(let steps): try c.encode(steps, forKey: .steps)
        case .message(let m), .noMessage(let m), .correction(let m): try c.encode(m, forKey: .match)
        case .level(let l): try c.encode(l, forKey: .level)
        case .stage(let s): try c.encode(s, forKey: .stage)
        }
    }
}
