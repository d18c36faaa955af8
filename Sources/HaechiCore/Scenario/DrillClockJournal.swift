import Foundation

extension DrillClock {
    /// The clock of a drill as its journal records it: started at the `opened` line, at 1×, then
    /// every `clock` line (speed, pause) in file order. Nil for a journal with no `opened` line or
    /// one that is not a scenario drill, whose times are plain wall time.
    ///
    /// The TUI journals the clock this way, and `Incident.replay` folds the same lines, so the
    /// checklist's elapsed time after a restart and the report's scenario times are one clock.
    public init?(journal: [IncidentEvent]) {
        guard let incident = Incident.replay(journal), let clock = incident.clock else { return nil }
        self = clock
    }

    /// Applies one journaled `clock` line to a running clock (the TUI, as lines arrive).
    public mutating func apply(at date: Date, _ set: IncidentEvent.ClockSet) {
        if set.speed != speed { setSpeed(set.speed, at: date) }
        if set.paused != isPaused { togglePause(at: date) }
    }

    /// The `clock` line that records this clock's current state at `at`.
    public func event(incident: String, at: Date, operator op: String) -> IncidentEvent {
        .clock(.init(incident: incident, at: at, operator: op), .init(speed: speed, paused: isPaused))
    }
}
