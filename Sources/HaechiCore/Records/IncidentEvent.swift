import Foundation

/// The status of one checklist step.
public enum StepStatus: String, Codable, CaseIterable, Sendable {
    case todo, inProgress = "in-progress", done, skipped, notApplicable = "n/a"
}

/// One line of an incident journal `incidents/<id>.jsonl`. The journal is the source of truth:
/// replaying its events in order rebuilds the incident exactly.
public struct IncidentEvent: Codable, Sendable, Hashable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        /// First event: manual, mode, level, variables.
        case opened
        case stepStatus = "step"
        case note
        case level
        /// A message was queued (or refused) from this incident; `message` holds its id.
        case message
        /// A drill inject was shown to the trainees.
        case inject
        case closed
        /// A drill clock change (speed or pause) by the trainer: `speed` and `paused` give the
        /// clock's state from `at` on. Journaled so a drill resumed after kill -9, and its
        /// report, keep scenario time exactly (`DrillClock(journal:)` replays these).
        case clock
        /// A manual's role given to a named operator (`role`, `assignee`); the next line for the
        /// same role is a handover.
        case role
        /// A step the manual lacks, added during the incident (`step` id, `text` title, `role`).
        case stepAdded = "step-added"
        /// A journal entry pinned to (or, `pinned: false`, taken off) the report's timeline:
        /// `line` is its 0-based position among the incident's events.
        case pin
    }
    public var kind: Kind
    public var incident: String
    public var at: Date
    public var `operator`: String
    // opened
    public var manual: String?
    public var mode: Mode?
    public var variables: [String: String]?
    public var scenario: String?
    // opened / level
    public var level: AlertLevel?
    // step / note
    public var step: String?
    public var status: StepStatus?
    // note text, skip reason, close summary, inject text
    public var text: String?
    public var message: String?
    public var inject: String?
    // clock
    public var speed: Int?
    public var paused: Bool?
    // role, step-added, pin
    public var role: String?
    public var assignee: String?
    public var line: Int?
    public var pinned: Bool?

    public init(kind: Kind, incident: String, at: Date, operator: String, manual: String? = nil, mode: Mode? = nil,
                variables: [String: String]? = nil, scenario: String? = nil, level: AlertLevel? = nil, step: String? = nil,
                status: StepStatus? = nil, text: String? = nil, message: String? = nil, inject: String? = nil,
                speed: Int? = nil, paused: Bool? = nil, role: String? = nil, assignee: String? = nil,
                line: Int? = nil, pinned: Bool? = nil) {
        self.kind = kind; self.incident = incident; self.at = at; self.operator = `operator`; self.manual = manual
        self.mode = mode; self.variables = variables; self.scenario = scenario; self.level = level; self.step = step
        self.status = status; self.text = text; self.message = message; self.inject = inject
        self.speed = speed; self.paused = paused
        self.role = role; self.assignee = assignee; self.line = line; self.pinned = pinned
    }
}
