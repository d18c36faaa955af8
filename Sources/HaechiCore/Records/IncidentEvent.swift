import Foundation

/// The status of one checklist step.
public enum StepStatus: String, Codable, CaseIterable, Sendable {
    case todo, inProgress = "in-progress", done, skipped, notApplicable = "n/a"

    /// Done, skipped or ruled out: nobody needs to act on it any more.
    public var isResolved: Bool { self == .done || self == .skipped || self == .notApplicable }
}

/// One line of an incident journal `incidents/<id>.jsonl`. The journal is the source of truth:
/// replaying its events in order rebuilds the incident exactly (`Incident.replay`).
///
/// Each case carries exactly its data, decoded at the edge: a reader never guesses which optional
/// field a kind uses. A line of a kind this version does not know, or of a known kind missing what
/// that kind needs, is kept as `.unknown` with the reason, so a newer or damaged journal shows up
/// in the report's problems instead of silently changing the incident.
///
/// On disk the shape is the flat object it has always been: `kind`, `incident`, `at`, `operator`
/// and the kind's own keys (`step`, `status`, `text`, `level`, …), keys sorted.
public enum IncidentEvent: Sendable, Hashable {
    /// First event: manual, mode, level, variables, and for a scenario drill its scenario.
    case opened(Stamp, Opening)
    /// A step's status set (journal kind `step`); skip and n/a carry the operator's reason.
    case step(Stamp, StepChange)
    case note(Stamp, StepNote)
    /// The alert level set; `reason` says why when a drill inject ordered it.
    case level(Stamp, LevelSet)
    /// The city's own duty stage set (준비, 1–3단계), beside the national level (journal kind `stage`).
    case stage(Stamp, StageSet)
    /// A message was queued from this incident.
    case message(Stamp, MessageQueued)
    /// A drill inject was shown to the trainees.
    case inject(Stamp, InjectShown)
    case closed(Stamp, summary: String?)
    /// A drill clock change (speed or pause) by the trainer: the clock's state from `at` on.
    /// Journaled so a drill resumed after kill -9, and its report, keep scenario time exactly.
    case clock(Stamp, ClockSet)
    /// A manual's role (its Korean name) given to a named operator; the next line for the same
    /// role is a handover (IncidentRoles.swift).
    case role(Stamp, RoleAssigned)
    /// A step the manual lacks, added during the incident (journal kind `step-added`).
    case stepAdded(Stamp, StepAdded)
    /// A journal line (0-based among the events) pinned to the report's timeline, or unpinned.
    case pin(Stamp, Pin)
    /// A non-urgent message queued inside a channel's quiet hours, with the operator's typed
    /// reason (journal kind `quiet-hours`), written right after its `message` line.
    case quietHoursOverride(Stamp, QuietHoursOverridden)
    /// A line this version cannot read as any of the above; never dropped silently.
    case unknown(Stamp, Unrecognised)

    /// What every line has: whose incident, when, by whom.
    public struct Stamp: Sendable, Hashable {
        public var incident: String
        public var at: Date
        public var `operator`: String
        public init(incident: String, at: Date, operator: String) {
            self.incident = incident; self.at = at; self.operator = `operator`
        }
    }

    public struct Opening: Sendable, Hashable {
        public var manual: String
        public var mode: Mode
        /// The starting level; a line without one starts at 관심 (the lowest), as it always has.
        public var level: AlertLevel
        public var variables: [String: String]
        public var scenario: String?
        public init(manual: String, mode: Mode, level: AlertLevel, variables: [String: String] = [:], scenario: String? = nil) {
            self.manual = manual; self.mode = mode; self.level = level; self.variables = variables; self.scenario = scenario
        }
    }

    public struct StepChange: Sendable, Hashable {
        public var step: String
        public var status: StepStatus
        /// Why it was skipped or ruled out (journal key `text`).
        public var reason: String?
        public init(step: String, status: StepStatus, reason: String? = nil) {
            self.step = step; self.status = status; self.reason = reason
        }
    }

    /// A note on a step, or on the incident as a whole when `step` is nil.
    public struct StepNote: Sendable, Hashable {
        public var step: String?
        public var text: String
        public init(step: String?, text: String) { self.step = step; self.text = text }
    }

    public struct LevelSet: Sendable, Hashable {
        public var level: AlertLevel
        public var reason: String?
        public init(level: AlertLevel, reason: String? = nil) { self.level = level; self.reason = reason }
    }

    public struct StageSet: Sendable, Hashable {
        public var stage: DutyStage
        public var reason: String?
        public init(stage: DutyStage, reason: String? = nil) { self.stage = stage; self.reason = reason }
    }

    public struct MessageQueued: Sendable, Hashable {
        public var message: String
        public var step: String?
        /// The operator-facing summary the TUI wrote with it.
        public var text: String?
        public init(message: String, step: String? = nil, text: String? = nil) {
            self.message = message; self.step = step; self.text = text
        }
    }

    public struct QuietHoursOverridden: Sendable, Hashable {
        public var message: String
        public var step: String?
        /// Why it could not wait (journal key `text`).
        public var reason: String
        /// The channels whose quiet hours it overrode.
        public var channels: [String]
        public init(message: String, step: String? = nil, reason: String, channels: [String]) {
            self.message = message; self.step = step; self.reason = reason; self.channels = channels
        }
    }

    public struct InjectShown: Sendable, Hashable {
        public var inject: String
        /// The level the inject orders (the drill journals the level change itself as a `level` line).
        public var level: AlertLevel?
        /// The inject's words as shown (Korean), kept for when the scenario changes later.
        public var text: String?
        public init(inject: String, level: AlertLevel? = nil, text: String? = nil) {
            self.inject = inject; self.level = level; self.text = text
        }
    }

    public struct ClockSet: Sendable, Hashable {
        public var speed: DrillClock.Speed
        public var paused: Bool
        public init(speed: DrillClock.Speed, paused: Bool) { self.speed = speed; self.paused = paused }
    }

    public struct Unrecognised: Sendable, Hashable {
        /// The line's `kind` as written.
        public var kind: String
        /// Why it was not read as a known kind.
        public var problem: String
        /// The line's other keys, as written, so it can be shown and written back unchanged.
        public var fields: [String: JSONValue]
        public init(kind: String, problem: String, fields: [String: JSONValue] = [:]) {
            self.kind = kind; self.problem = problem; self.fields = fields
        }
    }

    // MARK: - What every case has

    public var stamp: Stamp {
        switch self {
        case .opened(let s, _), .step(let s, _), .note(let s, _), .level(let s, _), .stage(let s, _), .message(let s, _),
             .inject(let s, _), .closed(let s, _), .clock(let s, _), .unknown(let s, _),
             .role(let s, _), .stepAdded(let s, _), .pin(let s, _), .quietHoursOverride(let s, _):
            return s
        }
    }
    public var incident: String { stamp.incident }
    public var at: Date { stamp.at }
    public var `operator`: String { stamp.operator }

    /// The journal's `kind` word for this line.
    public var kind: String {
        switch self {
        case .opened: "opened"
        case .step: "step"
        case .note: "note"
        case .level: "level"
        case .stage: "stage"
        case .message: "message"
        case .inject: "inject"
        case .closed: "closed"
        case .clock: "clock"
        case .role: "role"
        case .stepAdded: "step-added"
        case .pin: "pin"
        case .quietHoursOverride: "quiet-hours"
        case .unknown(_, let u): u.kind
        }
    }

    /// The step a line is about, for the kinds that name one.
    public var step: String? {
        switch self {
        case .step(_, let c): c.step
        case .note(_, let n): n.step
        case .message(_, let m): m.step
        case .stepAdded(_, let a): a.step
        case .quietHoursOverride(_, let o): o.step
        default: nil
        }
    }

    // Case payloads, for readers that want one kind (`journal.compactMap(\.injectShown)`).
    public var opening: Opening? { if case .opened(_, let x) = self { x } else { nil } }
    public var stepChange: StepChange? { if case .step(_, let x) = self { x } else { nil } }
    public var stepNote: StepNote? { if case .note(_, let x) = self { x } else { nil } }
    public var levelSet: LevelSet? { if case .level(_, let x) = self { x } else { nil } }
    public var stageSet: StageSet? { if case .stage(_, let x) = self { x } else { nil } }
    public var messageQueued: MessageQueued? { if case .message(_, let x) = self { x } else { nil } }
    public var injectShown: InjectShown? { if case .inject(_, let x) = self { x } else { nil } }
    public var clockSet: ClockSet? { if case .clock(_, let x) = self { x } else { nil } }
    public var unrecognised: Unrecognised? { if case .unknown(_, let x) = self { x } else { nil } }
    public var quietHoursOverridden: QuietHoursOverridden? { if case .quietHoursOverride(_, let x) = self { x } else { nil } }

    /// The same event with another stamp (tests and tools that copy a journal to a new id).
    public func restamped(_ change: (inout Stamp) -> Void) -> IncidentEvent {
        var s = stamp
        change(&s)
        switch self {
        case .opened(_, let x): return .opened(s, x)
        case .step(_, let x): return .step(s, x)
        case .note(_, let x): return .note(s, x)
        case .level(_, let x): return .level(s, x)
        case .stage(_, let x): return .stage(s, x)
        case .message(_, let x): return .message(s, x)
        case .inject(_, let x): return .inject(s, x)
        case .closed(_, let x): return .closed(s, summary: x)
        case .clock(_, let x): return .clock(s, x)
        case .role(_, let x): return .role(s, x)
        case .stepAdded(_, let x): return .stepAdded(s, x)
        case .pin(_, let x): return .pin(s, x)
        case .quietHoursOverride(_, let x): return .quietHoursOverride(s, x)
        case .unknown(_, let x): return .unknown(s, x)
        }
    }
}

// MARK: - The on-disk shape

extension IncidentEvent: Codable {
    enum Key: String, CodingKey, CaseIterable {
        case kind, incident, at, `operator`
        case manual, mode, variables, scenario, level, step, status, text, message, inject, speed, paused, stage
        case role, assignee, line, pinned, channels
    }
    static let stampKeys: Set<Key> = [.kind, .incident, .at, .operator]

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: Key.self)
        let kind = try c.decode(String.self, forKey: .kind)
        let stamp = Stamp(incident: try c.decode(String.self, forKey: .incident), at: try c.decode(Date.self, forKey: .at),
                          operator: try c.decode(String.self, forKey: .operator))
        // A known kind with a field of the wrong type or missing is not a reason to lose the line:
        // it becomes `.unknown` with what was wrong, like a kind this version has never heard of.
        do {
            self = try Self.decodeKnown(kind: kind, stamp: stamp, c)
        } catch let problem as Problem {
            self = .unknown(stamp, Unrecognised(kind: kind, problem: problem.text, fields: try Self.otherFields(decoder)))
        } catch let error as DecodingError {
            self = .unknown(stamp, Unrecognised(kind: kind, problem: Self.describe(error), fields: try Self.otherFields(decoder)))
        }
    }

    struct Problem: Error { var text: String }

    static func decodeKnown(kind: String, stamp: Stamp, _ c: KeyedDecodingContainer<Key>) throws -> IncidentEvent {
        func need<T: Decodable>(_ type: T.Type, _ key: Key) throws -> T {
            guard let value = try c.decodeIfPresent(type, forKey: key) else {
                throw Problem(text: "a '\(kind)' line needs '\(key.rawValue)'")
            }
            return value
        }
        func text() throws -> String? { try c.decodeIfPresent(String.self, forKey: .text) }
        switch kind {
        case "opened":
            return .opened(stamp, Opening(manual: try need(String.self, .manual), mode: try need(Mode.self, .mode),
                                          level: try c.decodeIfPresent(AlertLevel.self, forKey: .level) ?? .interest,
                                          variables: try c.decodeIfPresent([String: String].self, forKey: .variables) ?? [:],
                                          scenario: try c.decodeIfPresent(String.self, forKey: .scenario)))
        case "step":
            return .step(stamp, StepChange(step: try need(String.self, .step), status: try need(StepStatus.self, .status), reason: try text()))
        case "note":
            return .note(stamp, StepNote(step: try c.decodeIfPresent(String.self, forKey: .step), text: try need(String.self, .text)))
        case "level":
            return .level(stamp, LevelSet(level: try need(AlertLevel.self, .level), reason: try text()))
        case "stage":
            let name = try need(String.self, .stage)
            guard let stage = DutyStage(name: name) else { throw Problem(text: "stage '\(name)' is not 준비, 1단계, 2단계 or 3단계") }
            return .stage(stamp, StageSet(stage: stage, reason: try text()))
        case "message":
            return .message(stamp, MessageQueued(message: try need(String.self, .message),
                                                 step: try c.decodeIfPresent(String.self, forKey: .step), text: try text()))
        case "inject":
            return .inject(stamp, InjectShown(inject: try need(String.self, .inject),
                                              level: try c.decodeIfPresent(AlertLevel.self, forKey: .level), text: try text()))
        case "closed":
            return .closed(stamp, summary: try text())
        case "clock":
            // A line missing a field keeps 1× or running, which is what a trainer who pressed
            // nothing would have seen; a speed this version does not offer is a damaged line.
            let raw = try c.decodeIfPresent(Int.self, forKey: .speed) ?? 1
            guard let speed = DrillClock.Speed(rawValue: raw) else { throw Problem(text: "clock speed \(raw) is not one of 1, 2, 5, 10, 60") }
            return .clock(stamp, ClockSet(speed: speed, paused: try c.decodeIfPresent(Bool.self, forKey: .paused) ?? false))
        case "role":
            return .role(stamp, RoleAssigned(role: try need(String.self, .role), assignee: try need(String.self, .assignee)))
        case "step-added":
            return .stepAdded(stamp, StepAdded(step: try need(String.self, .step), title: try need(String.self, .text),
                                               role: try c.decodeIfPresent(String.self, forKey: .role)))
        case "pin":
            return .pin(stamp, Pin(line: try need(Int.self, .line), pinned: try c.decodeIfPresent(Bool.self, forKey: .pinned) ?? true))
        case "quiet-hours":
            let reason = try need(String.self, .text)
            guard !QuietHoursOverride.kept(reason).isEmpty else { throw Problem(text: "a 'quiet-hours' line needs a reason in 'text'") }
            return .quietHoursOverride(stamp, QuietHoursOverridden(message: try need(String.self, .message),
                                                                   step: try c.decodeIfPresent(String.self, forKey: .step), reason: reason,
                                                                   channels: try c.decodeIfPresent([String].self, forKey: .channels) ?? []))
        default:
            throw Problem(text: "unknown kind '\(kind)'")
        }
    }

    static func otherFields(_ decoder: Decoder) throws -> [String: JSONValue] {
        guard case .object(var all) = try JSONValue(from: decoder) else { return [:] }
        for key in stampKeys { all[key.rawValue] = nil }
        return all
    }

    static func describe(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, _): "missing '\(key.stringValue)'"
        case .typeMismatch(_, let c), .valueNotFound(_, let c), .dataCorrupted(let c):
            "'\(c.codingPath.map(\.stringValue).joined(separator: "."))': \(c.debugDescription)"
        @unknown default: "\(error)"
        }
    }

    public func encode(to encoder: Encoder) throws {
        if case .unknown(let s, let u) = self {
            // Written back as it was read (the encoder sorts the keys).
            var all = u.fields
            all["kind"] = .string(u.kind)
            all["incident"] = .string(s.incident)
            all["operator"] = .string(s.operator)
            var c = encoder.container(keyedBy: AnyKey.self)
            try c.encode(s.at, forKey: AnyKey("at"))
            for (k, v) in all where k != "at" { try c.encode(v, forKey: AnyKey(k)) }
            return
        }
        var c = encoder.container(keyedBy: Key.self)
        let s = stamp
        try c.encode(kind, forKey: .kind)
        try c.encode(s.incident, forKey: .incident)
        try c.encode(s.at, forKey: .at)
        try c.encode(s.operator, forKey: .operator)
        switch self {
        case .opened(_, let o):
            try c.encode(o.manual, forKey: .manual)
            try c.encode(o.mode, forKey: .mode)
            try c.encode(o.level, forKey: .level)
            try c.encode(o.variables, forKey: .variables)
            try c.encodeIfPresent(o.scenario, forKey: .scenario)
        case .step(_, let x):
            try c.encode(x.step, forKey: .step)
            try c.encode(x.status, forKey: .status)
            try c.encodeIfPresent(x.reason, forKey: .text)
        case .note(_, let x):
            try c.encodeIfPresent(x.step, forKey: .step)
            try c.encode(x.text, forKey: .text)
        case .level(_, let x):
            try c.encode(x.level, forKey: .level)
            try c.encodeIfPresent(x.reason, forKey: .text)
        case .stage(_, let x):
            try c.encode(x.stage.korean, forKey: .stage)
            try c.encodeIfPresent(x.reason, forKey: .text)
        case .message(_, let x):
            try c.encode(x.message, forKey: .message)
            try c.encodeIfPresent(x.step, forKey: .step)
            try c.encodeIfPresent(x.text, forKey: .text)
        case .inject(_, let x):
            try c.encode(x.inject, forKey: .inject)
            try c.encodeIfPresent(x.level, forKey: .level)
            try c.encodeIfPresent(x.text, forKey: .text)
        case .closed(_, let summary):
            try c.encodeIfPresent(summary, forKey: .text)
        case .clock(_, let x):
            try c.encode(x.speed.rawValue, forKey: .speed)
            try c.encode(x.paused, forKey: .paused)
        case .role(_, let x):
            try c.encode(x.role, forKey: .role)
            try c.encode(x.assignee, forKey: .assignee)
        case .stepAdded(_, let x):
            try c.encode(x.step, forKey: .step)
            try c.encode(x.title, forKey: .text)
            try c.encodeIfPresent(x.role, forKey: .role)
        case .pin(_, let x):
            try c.encode(x.line, forKey: .line)
            try c.encode(x.pinned, forKey: .pinned)
        case .quietHoursOverride(_, let x):
            try c.encode(x.message, forKey: .message)
            try c.encodeIfPresent(x.step, forKey: .step)
            try c.encode(x.reason, forKey: .text)
            try c.encode(x.channels, forKey: .channels)
        case .unknown:
            break
        }
    }
}

struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ s: String) { stringValue = s }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// Any JSON value, for keeping what this version does not understand exactly as it was written.
public enum JSONValue: Sendable, Hashable, Codable {
    case null, bool(Bool), number(Double), string(String), array([JSONValue]), object([String: JSONValue])

    public init(from decoder: Decoder) throws {
        if let keyed = try? decoder.container(keyedBy: AnyKey.self) {
            var out: [String: JSONValue] = [:]
            for key in keyed.allKeys { out[key.stringValue] = try keyed.decode(JSONValue.self, forKey: key) }
            self = .object(out)
        } else if var list = try? decoder.unkeyedContainer() {
            var out: [JSONValue] = []
            while !list.isAtEnd { out.append(try list.decode(JSONValue.self)) }
            self = .array(out)
        } else {
            let c = try decoder.singleValueContainer()
            if c.decodeNil() { self = .null }
            else if let b = try? c.decode(Bool.self) { self = .bool(b) }
            else if let n = try? c.decode(Double.self) { self = .number(n) }
            else { self = .string(try c.decode(String.self)) }
        }
    }

    public func encode(to encoder: Encoder) throws {
        switch self {
        case .null: var c = encoder.singleValueContainer(); try c.encodeNil()
        case .bool(let b): var c = encoder.singleValueContainer(); try c.encode(b)
        case .number(let n):
            var c = encoder.singleValueContainer()
            if n == n.rounded(), abs(n) < 1e15 { try c.encode(Int64(n)) } else { try c.encode(n) }
        case .string(let s): var c = encoder.singleValueContainer(); try c.encode(s)
        case .array(let a): var c = encoder.unkeyedContainer(); for v in a { try c.encode(v) }
        case .object(let o): var c = encoder.container(keyedBy: AnyKey.self); for (k, v) in o { try c.encode(v, forKey: AnyKey(k)) }
        }
    }

    /// Short text for a report line.
    public var text: String {
        switch self {
        case .null: "null"
        case .bool(let b): "\(b)"
        case .number(let n): n == n.rounded() && abs(n) < 1e15 ? "\(Int64(n))" : "\(n)"
        case .string(let s): s
        case .array(let a): "[" + a.map(\.text).joined(separator: ", ") + "]"
        case .object(let o): "{" + o.keys.sorted().map { "\($0): \(o[$0]!.text)" }.joined(separator: ", ") + "}"
        }
    }
}
