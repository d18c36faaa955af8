import Foundation
import HaechiCore

/// An incident or drill as its journal says it is. There is no other copy: `replay` of the
/// journal's events in file order rebuilds it, so a TUI killed at any moment resumes exactly,
/// and a second TUI following the same journal sees the same incident.
public struct Incident: Sendable, Hashable {
    public struct StepProgress: Sendable, Hashable {
        public var status: StepStatus
        public var at: Date
        public var by: String
        /// Why it was skipped or not applicable.
        public var reason: String?
    }
    public struct Note: Sendable, Hashable {
        public var at: Date
        public var by: String
        public var text: String
    }
    public struct LevelChange: Sendable, Hashable {
        public var at: Date
        public var by: String
        public var from: AlertLevel
        public var to: AlertLevel
    }

    public var id: String
    public var manualID: String
    public var mode: Mode
    public var level: AlertLevel
    public var variables: [String: String]
    public var openedAt: Date
    public var openedBy: String
    public var progress: [String: StepProgress] = [:]
    public var notes: [String: [Note]] = [:]
    /// Notes not attached to a step (the close summary is kept separately).
    public var levelChanges: [LevelChange] = []
    public var closedAt: Date?
    public var closedBy: String?
    public var summary: String?
    /// Events this incident could not make sense of (an event before `opened`, an unknown
    /// step): counted, so that a damaged journal is visible rather than silently different.
    public var ignoredEvents = 0
    public var eventCount = 0
    public var lastEventAt: Date
    // Drills run from a scenario (see DrillPanel): the scenario, its clock as journaled, and the
    // injects played so far (their `inject` lines, first one per id, in journal order).
    public var scenarioID: String?
    public var clock: DrillClock?
    public var injects: [IncidentEvent] = []
    // Roles, added steps and pins (issue 13; IncidentRoles.swift).
    public var roles: [String: RoleHolder] = [:]
    public var addedSteps: [AddedStep] = []
    /// Journal lines (0-based among the events) pinned to the report's timeline.
    public var pinned: Set<Int> = []
    /// The latest journal line about each step, for pinning.
    public var lastEntry: [String: Int] = [:]

    public var isClosed: Bool { closedAt != nil }

    public init?(opening event: IncidentEvent) {
        guard event.kind == .opened, let manual = event.manual, let mode = event.mode else { return nil }
        id = event.incident
        manualID = manual
        self.mode = mode
        level = event.level ?? .interest
        variables = event.variables ?? [:]
        openedAt = event.at
        openedBy = event.operator
        lastEventAt = event.at
        eventCount = 1
        scenarioID = event.scenario
        if mode == .drill, event.scenario != nil { clock = DrillClock(journal: [event]) }
    }

    /// Rebuilds an incident from its journal. Nil when the journal has no `opened` event.
    public static func replay(_ events: [IncidentEvent]) -> Incident? {
        guard let first = events.firstIndex(where: { $0.kind == .opened }),
              var incident = Incident(opening: events[first]) else { return nil }
        incident.ignoredEvents = first
        for event in events[(first + 1)...] { incident.apply(event) }
        return incident
    }

    public mutating func apply(_ event: IncidentEvent) {
        guard event.incident == id else { ignoredEvents += 1; return }
        eventCount += 1
        lastEventAt = max(lastEventAt, event.at)
        if let step = event.step { lastEntry[step] = eventCount - 1 }
        switch event.kind {
        case .opened:
            ignoredEvents += 1  // a second opening of the same id is a damaged journal
        case .stepStatus:
            guard let step = event.step, let status = event.status else { ignoredEvents += 1; return }
            progress[step] = StepProgress(status: status, at: event.at, by: event.operator, reason: event.text)
        case .note:
            guard let step = event.step, let text = event.text else { ignoredEvents += 1; return }
            notes[step, default: []].append(Note(at: event.at, by: event.operator, text: text))
        case .level:
            guard let to = event.level else { ignoredEvents += 1; return }
            levelChanges.append(LevelChange(at: event.at, by: event.operator, from: level, to: to))
            level = to
        case .closed:
            closedAt = event.at
            closedBy = event.operator
            summary = event.text
        case .message:
            // Shown by the screen that owns it (compose); nothing to fold here.
            break
        case .inject:
            // Two TUIs on one drill may both play an inject; it is shown (and scored) once.
            guard let id = event.inject, !injects.contains(where: { $0.inject == id }) else { return }
            injects.append(event)
        case .clock:
            clock?.apply(event)
        case .role, .stepAdded, .pin:
            if !applyRoles(event) { ignoredEvents += 1 }
        }
    }

    public func status(of step: String) -> StepStatus { progress[step]?.status ?? .todo }

    /// Elapsed time since opening, frozen at closing. In a scenario drill it is scenario time
    /// (sped up, paused), the time the manual's targets and the injects are written in.
    public func elapsed(now: Date) -> TimeInterval {
        offset(of: closedAt ?? now)
    }

    /// Seconds from the opening to `date`, in scenario time for a drill with a clock.
    public func offset(of date: Date) -> TimeInterval {
        max(0, clock?.elapsed(at: date) ?? date.timeIntervalSince(openedAt))
    }

    /// A step is overdue when its target time has passed and nobody has finished, skipped or
    /// ruled it out.
    public func isOverdue(_ step: Step, now: Date) -> Bool {
        switch status(of: step.id) {
        case .done, .skipped, .notApplicable: return false
        case .todo, .inProgress:
            return elapsed(now: now) > TimeInterval(step.targetMinutes * 60)
        }
    }

    /// Steps on the checklist at the current level, plus any step already worked on at a
    /// higher level (lowering the level must not hide work that was done).
    public func visibleSteps(of phase: Phase) -> [Step] {
        phase.steps.filter { $0.fromLevel <= level || status(of: $0.id) != .todo || notes[$0.id] != nil }
    }

    public func counts(in manual: Manual) -> (resolved: Int, total: Int) {
        let steps = manual.phases.flatMap { visibleSteps(of: $0) }
        let resolved = steps.filter { [.done, .skipped, .notApplicable].contains(status(of: $0.id)) }.count
        return (resolved, steps.count)
    }
}

/// One line on Home: an incident in progress or recently closed, as the shell found it in the
/// state directory.
public struct IncidentSummary: Sendable, Hashable {
    public var id: String
    public var manualID: String
    public var mode: Mode
    public var level: AlertLevel
    public var openedAt: Date
    public var closedAt: Date?
    public var resolvedSteps: Int
    public var totalSteps: Int
    public var firstVariable: String?
    public init(id: String, manualID: String, mode: Mode, level: AlertLevel, openedAt: Date, closedAt: Date?,
                resolvedSteps: Int, totalSteps: Int, firstVariable: String? = nil) {
        self.id = id; self.manualID = manualID; self.mode = mode; self.level = level; self.openedAt = openedAt
        self.closedAt = closedAt; self.resolvedSteps = resolvedSteps; self.totalSteps = totalSteps
        self.firstVariable = firstVariable
    }

    public init(_ incident: Incident, manual: Manual?) {
        let counts = manual.map { incident.counts(in: $0) } ?? (0, 0)
        let first = manual?.variables.first.flatMap { incident.variables[$0.id] }
        self.init(id: incident.id, manualID: incident.manualID, mode: incident.mode, level: incident.level,
                  openedAt: incident.openedAt, closedAt: incident.closedAt, resolvedSteps: counts.0,
                  totalSteps: counts.1, firstVariable: first)
    }
}
