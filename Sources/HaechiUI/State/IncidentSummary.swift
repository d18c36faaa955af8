import Foundation
import HaechiCore

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
    /// A scenario drill's clock, so Home shows scenario time like the checklist does.
    public var clock: DrillClock?
    public init(id: String, manualID: String, mode: Mode, level: AlertLevel, openedAt: Date, closedAt: Date?,
                resolvedSteps: Int, totalSteps: Int, firstVariable: String? = nil) {
        self.id = id; self.manualID = manualID; self.mode = mode; self.level = level; self.openedAt = openedAt
        self.closedAt = closedAt; self.resolvedSteps = resolvedSteps; self.totalSteps = totalSteps
        self.firstVariable = firstVariable
    }

    /// From what Home knows of the manual: the full manual's listing or the parsed-manual
    /// cache's index (the TUI's first frame), the same figures either way.
    public init(_ incident: Incident, listing: ManualListing?) {
        let counts = listing.map { incident.counts(of: $0.steps) } ?? (0, 0)
        let first = listing?.firstVariable.flatMap { incident.variables[$0] }
        self.init(id: incident.id, manualID: incident.manualID, mode: incident.mode, level: incident.level,
                  openedAt: incident.openedAt, closedAt: incident.closedAt, resolvedSteps: counts.0,
                  totalSteps: counts.1, firstVariable: first)
        clock = incident.clock
    }

    /// Time since the opening at `now`: scenario time for a scenario drill (sped up, paused).
    public func elapsed(now: Date) -> TimeInterval {
        max(0, clock?.elapsed(at: now) ?? now.timeIntervalSince(openedAt))
    }
}
