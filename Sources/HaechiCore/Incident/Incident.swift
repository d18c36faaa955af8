import Foundation

/// An incident or drill as its journal says it is. There is no other copy: `replay` of the
/// journal's events in file order rebuilds it, so a TUI killed at any moment resumes exactly, a
/// second TUI following the same journal sees the same incident, and the report and
/// `manuals --stats` read the same model the checklist shows.
public struct Incident: Sendable, Hashable {
    public struct StepProgress: Sendable, Hashable {
        public var status: StepStatus
        public var at: Date
        public var by: String
        /// Why it was skipped or not applicable.
        public var reason: String?
        public init(status: StepStatus, at: Date, by: String, reason: String? = nil) {
            self.status = status; self.at = at; self.by = by; self.reason = reason
        }
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
        public var reason: String?
    }
    /// An inject as the journal shows it played.
    public struct ShownInject: Sendable, Hashable {
        public var at: Date
        public var by: String
        public var inject: IncidentEvent.InjectShown
        public var id: String { inject.inject }
    }

    public var id: String
    public var manualID: String
    public var mode: Mode
    public var level: AlertLevel
    /// The level the incident opened at (the start of the level history).
    public var openingLevel: AlertLevel
    public var variables: [String: String]
    public var openedAt: Date
    public var openedBy: String
    /// The last status of each step.
    public var progress: [String: StepProgress] = [:]
    /// Every status change of each step, in journal order (the report's reopen count and the
    /// drill score's first completion read it).
    public var history: [String: [StepProgress]] = [:]
    /// Steps in the order the journal first mentions them (for steps no manual lists).
    public var stepOrder: [String] = []
    public var notes: [String: [Note]] = [:]
    /// Notes on the incident as a whole (no step).
    public var generalNotes: [Note] = []
    public var levelChanges: [LevelChange] = []
    /// The city's duty stage: nil until the city decides one (상황판단회의), then each change.
    public var stage: DutyStage?
    public var stageChanges: [StageChange] = []
    public struct StageChange: Sendable, Hashable {
        public var at: Date
        public var by: String
        public var from: DutyStage?
        public var to: DutyStage
        public var reason: String?
    }
    public var messages: [IncidentEvent.MessageQueued] = []
    /// Messages sent inside quiet hours on purpose, with their reasons.
    public var quietHoursOverrides: [IncidentEvent.QuietHoursOverridden] = []
    public var closedAt: Date?
    public var closedBy: String?
    public var summary: String?
    /// Events this incident could not make sense of (an event before `opened`, a line of another
    /// incident, a second opening, an unknown kind): counted, so that a damaged journal is
    /// visible rather than silently different. `unknownEvents` keeps the unknown ones to show.
    public var ignoredEvents = 0
    public var unknownEvents: [IncidentEvent] = []
    public var eventCount = 0
    public var lastEventAt: Date
    // Drills run from a scenario: the scenario, its clock as journaled, and the injects played so
    // far (first line per id, in journal order).
    public var scenarioID: String?
    public var clock: DrillClock?
    public var injects: [ShownInject] = []
    // Roles, added steps and pins (IncidentRoles.swift).
    public var roles: [String: RoleHolder] = [:]
    public var addedSteps: [AddedStep] = []
    /// Journal lines (0-based among the events) pinned to the report's timeline.
    public var pinned: Set<Int> = []
    /// The latest journal line about each step, for pinning.
    public var lastEntry: [String: Int] = [:]

    public var isClosed: Bool { closedAt != nil }

    public init(_ stamp: IncidentEvent.Stamp, _ opening: IncidentEvent.Opening) {
        id = stamp.incident
        manualID = opening.manual
        mode = opening.mode
        level = opening.level
        openingLevel = opening.level
        variables = opening.variables
        openedAt = stamp.at
        openedBy = stamp.operator
        lastEventAt = stamp.at
        eventCount = 1
        scenarioID = opening.scenario
        // Only a scenario drill has a clock the trainer can speed up or pause; every other
        // incident runs on wall time.
        if mode == .drill, opening.scenario != nil { clock = DrillClock(startedAt: stamp.at) }
    }

    public init?(opening event: IncidentEvent) {
        guard case .opened(let stamp, let opening) = event else { return nil }
        self.init(stamp, opening)
    }

    /// Rebuilds an incident from its journal. Nil when the journal has no `opened` event.
    public static func replay(_ events: [IncidentEvent]) -> Incident? {
        guard let first = events.firstIndex(where: { if case .opened = $0 { true } else { false } }),
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
        switch event {
        case .opened:
            ignoredEvents += 1  // a second opening of the same id is a damaged journal
        case .step(let s, let change):
            let p = StepProgress(status: change.status, at: s.at, by: s.operator, reason: change.reason)
            if history[change.step] == nil { stepOrder.append(change.step) }
            progress[change.step] = p
            history[change.step, default: []].append(p)
        case .note(let s, let note):
            let n = Note(at: s.at, by: s.operator, text: note.text)
            if let step = note.step { notes[step, default: []].append(n) } else { generalNotes.append(n) }
        case .level(let s, let set):
            levelChanges.append(LevelChange(at: s.at, by: s.operator, from: level, to: set.level, reason: set.reason))
            level = set.level
        case .stage(let s, let set):
            stageChanges.append(StageChange(at: s.at, by: s.operator, from: stage, to: set.stage, reason: set.reason))
            stage = set.stage
        case .closed(let s, let summary):
            closedAt = s.at
            closedBy = s.operator
            self.summary = summary
        case .message(_, let m):
            messages.append(m)
        case .quietHoursOverride(_, let o):
            quietHoursOverrides.append(o)
        case .inject(let s, let shown):
            // Two TUIs on one drill may both play an inject; it is shown (and scored) once.
            guard !injects.contains(where: { $0.id == shown.inject }) else { return }
            injects.append(ShownInject(at: s.at, by: s.operator, inject: shown))
        case .clock(let s, let set):
            clock?.apply(at: s.at, set)
        case .role(let s, let r):
            roles[r.role] = RoleHolder(assignee: r.assignee, at: s.at, by: s.operator, previous: roles[r.role]?.assignee)
        case .stepAdded(let s, let a):
            // Two seats may add the same line; the first one counts.
            if !addedSteps.contains(where: { $0.id == a.step }) {
                addedSteps.append(AddedStep(id: a.step, title: a.title, role: a.role, at: s.at, by: s.operator))
            }
        case .pin(_, let p):
            if p.pinned { pinned.insert(p.line) } else { pinned.remove(p.line) }
        case .unknown:
            ignoredEvents += 1
            unknownEvents.append(event)
        }
    }

    public func status(of step: String) -> StepStatus { progress[step]?.status ?? .todo }

    /// Ids of the injects played so far.
    public var playedInjects: Set<String> { Set(injects.map(\.id)) }

    /// Elapsed time since opening, frozen at closing. In a scenario drill it is scenario time
    /// (sped up, paused), the time the manual's targets and the injects are written in.
    public func elapsed(now: Date) -> TimeInterval {
        offset(of: closedAt ?? now)
    }

    /// Seconds from the opening to `date`, in scenario time for a drill with a clock, rounded to
    /// the millisecond the journal keeps: every view of a step's time (checklist, report, stats)
    /// compares the same numbers.
    public func offset(of date: Date) -> TimeInterval {
        let raw = max(0, clock?.elapsed(at: date) ?? date.timeIntervalSince(openedAt))
        return (raw * 1000).rounded() / 1000
    }

    /// Steps on the checklist at the current level, plus any step already worked on at a
    /// higher level (lowering the level must not hide work that was done).
    public func visibleSteps(of phase: Phase) -> [Step] {
        phase.steps.filter { isListed($0) }
    }

    /// Steps done (or skipped, not applicable) and steps on the checklist, of a manual.
    public func counts(in manual: Manual) -> (resolved: Int, total: Int) {
        counts(of: manual.allSteps.map(\.applicability))
    }

    /// The same over a manual's steps as `StepApplicability` (from the manual itself or from the
    /// parsed-manual cache's index): the one counting rule Home and the checklist show.
    public func counts(of steps: [StepApplicability]) -> (resolved: Int, total: Int) {
        var resolved = 0, total = 0
        for step in steps where isListed(step) {
            total += 1
            if status(of: step.id).isResolved { resolved += 1 }
        }
        return (resolved, total)
    }
}
