import Foundation

extension DrillClock {
    /// The clock of a drill as its journal records it: started at the `opened` line, at 1×, then
    /// every `clock` line (speed, pause) in file order. Nil for a journal with no `opened` line or
    /// one that is not a scenario drill, whose times are plain wall time.
    ///
    /// The TUI journals the clock this way, so the same function gives the checklist's elapsed
    /// time after a restart and the report's scenario times.
    public init?(journal: [IncidentEvent]) {
        guard let opened = journal.first(where: { $0.kind == .opened }), opened.mode == .drill, opened.scenario != nil
        else { return nil }
        let changes = journal.lazy.filter { $0.kind == .clock && $0.incident == opened.incident }.map(Self.change(of:))
        self.init(startedAt: opened.at, replaying: Array(changes))
    }

    /// One journaled change; a line missing a field keeps the clock's speed (1×) or running state,
    /// which is what a trainer who pressed nothing would have seen.
    static func change(of event: IncidentEvent) -> (at: Date, speed: Speed, paused: Bool) {
        (event.at, event.speed.flatMap(Speed.init(rawValue:)) ?? .x1, event.paused ?? false)
    }

    /// Applies one journaled `clock` line to a running clock (the TUI, as lines arrive).
    public mutating func apply(_ event: IncidentEvent) {
        guard event.kind == .clock else { return }
        let change = Self.change(of: event)
        if change.speed != speed { setSpeed(change.speed, at: change.at) }
        if change.paused != isPaused { togglePause(at: change.at) }
    }

    /// The `clock` line that records this clock's current state at `at`.
    public func event(incident: String, at: Date, operator op: String) -> IncidentEvent {
        IncidentEvent(kind: .clock, incident: incident, at: at, operator: op, speed: speed.rawValue, paused: isPaused)
    }
}
