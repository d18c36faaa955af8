import Foundation

/// Everything a drill needs at its first frame: the seam between `haechi drill` (and the start
/// screen's drill choice) and the TUI. The TUI journals `opened`, starts the clock, and from then
/// on asks `schedule.due(...)` on every tick and journals `injectEvents(...)` for what is due.
public struct DrillSetup: Sendable {
    public var scenario: Scenario
    public var manual: Manual
    public var incident: String
    /// The journal's first line for this drill: mode drill, the scenario's level and variables.
    public var opened: IncidentEvent
    public var clock: DrillClock
    public var schedule: InjectSchedule

    public enum Problem: Error, Sendable, Hashable, CustomStringConvertible {
        case manualMismatch(scenario: String, manual: String)
        case missingVariable(String)
        public var description: String {
            switch self {
            case .manualMismatch(let s, let m): "scenario is for manual '\(s)', not '\(m)'"
            case .missingVariable(let v): "the scenario gives no value for the manual's variable '\(v)'"
            }
        }
    }

    /// - Parameters:
    ///   - incident: the new incident id (the shell makes ids; the core never invents them).
    ///   - now: wall time the drill starts.
    public init(scenario: Scenario, manual: Manual, incident: String, operator op: String, now: Date,
                speed: DrillClock.Speed = .x1) throws {
        guard scenario.manual == manual.id else {
            throw Problem.manualMismatch(scenario: scenario.manual, manual: manual.id)
        }
        for variable in manual.variables where variable.required && scenario.variables[variable.id] == nil {
            throw Problem.missingVariable(variable.id)
        }
        self.scenario = scenario
        self.manual = manual
        self.incident = incident
        self.opened = .opened(.init(incident: incident, at: now, operator: op),
                              .init(manual: manual.id, mode: .drill, level: scenario.startLevel, variables: manual.journalVariables(scenario.variables),
                                    scenario: scenario.id))
        self.clock = DrillClock(startedAt: now, speed: speed)
        self.schedule = InjectSchedule(scenario: scenario)
    }

    /// The journal lines for playing `inject` at wall time `now`: the inject itself and, when it
    /// orders one, the level change. The level is changed by the drill (operator `drill`) rather
    /// than left to the trainee, because later injects and the checklist assume it.
    public func injectEvents(_ inject: Inject, at now: Date) -> [IncidentEvent] {
        let stamp = IncidentEvent.Stamp(incident: incident, at: now, operator: Self.drillOperator)
        var events: [IncidentEvent] = [.inject(stamp, .init(inject: inject.id, level: inject.level, text: inject.text.ko))]
        if let level = inject.level {
            events.append(.level(stamp, .init(level: level, reason: "inject \(inject.id)")))
        }
        return events
    }

    /// The operator name the drill's own journal lines carry, so the report never counts them as a trainee's.
    public static let drillOperator = "drill"
}
