import Foundation

/// When a step is due, and how it stands against that. The one answer to "is step X late": the
/// checklist's overdue and late marks, the report's step outcomes and `manuals --stats` all read
/// `Incident.timing(of:now:)`, so they cannot disagree. The rules are in docs/steps.md:
///
/// - A step *applies* while the alert level is at or above its `fromLevel`.
/// - Its clock starts when it began to apply: at the opening, or at the level change that brought
///   it in. If the level went down and up again, the latest bringing-in counts — as of the moment
///   in question (its completion for a done step, now for an open one).
/// - Deadline = clock start + the manual's target minutes, in incident time (scenario time in a
///   drill: sped up and paused with the drill clock).
/// - Done after the deadline is late; done at or before it is on time. Open past the deadline is
///   overdue (the report says "not done"); open at or before it is not yet due (at the close:
///   "not due").
/// - A step whose level was never reached, or that was lowered away before anyone touched it, is
///   not applicable: it is not on the checklist and owes nothing.
public struct StepTiming: Sendable, Hashable {
    public enum Verdict: Sendable, Hashable {
        /// Not on the checklist: its level was never reached, or lowered away before anyone touched it.
        case notApplicable
        /// Open, and its deadline has not passed (or it has none).
        case pending
        /// Open past its deadline, by this many seconds.
        case overdue(by: TimeInterval)
        case onTime
        /// Done this many seconds after its deadline.
        case late(by: TimeInterval)
        case skipped
        /// Marked not applicable by an operator.
        case ruledOut
    }

    /// Seconds from the opening at which the step's clock started; nil if it never applied.
    public var appliesFrom: TimeInterval?
    /// `appliesFrom` + target; nil without either.
    public var deadline: TimeInterval?
    /// Seconds from the opening at which it was done (for done steps).
    public var completed: TimeInterval?
    public var verdict: Verdict

    public init(appliesFrom: TimeInterval?, deadline: TimeInterval?, completed: TimeInterval? = nil, verdict: Verdict) {
        self.appliesFrom = appliesFrom; self.deadline = deadline; self.completed = completed; self.verdict = verdict
    }

    /// Overdue now, or done late: what the checklist marks in the overdue colour.
    public var isLate: Bool {
        switch verdict {
        case .overdue, .late: true
        default: false
        }
    }
}

extension Incident {
    /// The start (seconds from the opening) of the latest stretch, up to `date`, during which the
    /// level was at or above `fromLevel`; nil if there was none.
    public func appliesFrom(_ fromLevel: AlertLevel, asOf date: Date) -> TimeInterval? {
        var covering = openingLevel >= fromLevel
        var start: Date? = covering ? openedAt : nil
        for change in levelChanges where change.at <= date {
            let covers = change.to >= fromLevel
            if covers && !covering { start = change.at }
            covering = covers
        }
        return start.map(offset(of:))
    }

    /// Whether a step is on the checklist now: its level is in force, or someone has touched it
    /// (lowering the level must not hide work that was done).
    public func isListed(stepID: String, fromLevel: AlertLevel) -> Bool {
        fromLevel <= level || status(of: stepID) != .todo || notes[stepID] != nil
    }

    /// The same for a manual's step, which may also apply from the city's duty stage.
    public func isListed(_ step: Step) -> Bool { isListed(step.applicability) }

    public func isListed(_ step: StepApplicability) -> Bool {
        step.applies(level: level, stage: stage) || isListed(stepID: step.id, fromLevel: step.fromLevel)
    }

    /// The start (seconds from the opening) of the latest stretch, up to `date`, during which the
    /// city's stage was at or above `fromStage`; nil if there was none.
    public func appliesFrom(stage fromStage: DutyStage, asOf date: Date) -> TimeInterval? {
        var covering = false
        var start: Date?
        for change in stageChanges where change.at <= date {
            let covers = change.to >= fromStage
            if covers && !covering { start = change.at }
            covering = covers
        }
        return start.map(offset(of:))
    }

    /// Open past its deadline at `now` (a view of `timing`, for the checklist's marks).
    public func isOverdue(_ step: Step, now: Date) -> Bool {
        if case .overdue = timing(of: step, now: now).verdict { true } else { false }
    }

    /// How `step` stands at wall time `now` (frozen at the closing).
    public func timing(of step: Step, now: Date) -> StepTiming {
        timing(stepID: step.id, fromLevel: step.fromLevel, targetMinutes: step.targetMinutes, now: now, fromStage: step.fromStage)
    }

    /// The same for a step the journal names but no manual lists (`fromLevel` and target nil):
    /// it applies from the opening and has no deadline.
    /// A step that also applies from a city duty stage starts its clock at whichever brought it
    /// in first (the level or the stage).
    public func timing(stepID: String, fromLevel: AlertLevel?, targetMinutes: Int?, now: Date, fromStage: DutyStage? = nil) -> StepTiming {
        let level = fromLevel ?? .interest
        func appliesFrom(_ level: AlertLevel, asOf date: Date) -> TimeInterval? {
            let byLevel = self.appliesFrom(level, asOf: date)
            guard let fromStage, let byStage = self.appliesFrom(stage: fromStage, asOf: date) else { return byLevel }
            return min(byLevel ?? byStage, byStage)
        }
        let stageCovers = fromStage.map { s in stage.map { $0 >= s } ?? false } ?? false
        func deadline(_ from: TimeInterval?) -> TimeInterval? {
            guard let from, let targetMinutes else { return nil }
            return from + TimeInterval(targetMinutes * 60)
        }
        let end = closedAt ?? now
        switch progress[stepID] {
        case let p? where p.status == .done:
            let from = appliesFrom(level, asOf: p.at)
            let due = deadline(from)
            let done = offset(of: p.at)
            if let due, done > due {
                return StepTiming(appliesFrom: from, deadline: due, completed: done, verdict: .late(by: done - due))
            }
            return StepTiming(appliesFrom: from, deadline: due, completed: done, verdict: .onTime)
        case let p? where p.status == .skipped:
            let from = appliesFrom(level, asOf: p.at)
            return StepTiming(appliesFrom: from, deadline: deadline(from), verdict: .skipped)
        case let p? where p.status == .notApplicable:
            let from = appliesFrom(level, asOf: p.at)
            return StepTiming(appliesFrom: from, deadline: deadline(from), verdict: .ruledOut)
        default:
            let from = appliesFrom(level, asOf: end)
            guard from != nil, isListed(stepID: stepID, fromLevel: level) || stageCovers else {
                return StepTiming(appliesFrom: from, deadline: nil, verdict: .notApplicable)
            }
            let due = deadline(from)
            let t = offset(of: end)
            if let due, t > due { return StepTiming(appliesFrom: from, deadline: due, verdict: .overdue(by: t - due)) }
            return StepTiming(appliesFrom: from, deadline: due, verdict: .pending)
        }
    }
}
