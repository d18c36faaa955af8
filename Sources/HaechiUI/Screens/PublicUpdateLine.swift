import Foundation
import HaechiCore

/// The checklist's view of `PublicUpdates`: the incident's level changes and its public
/// messages on the incident's own clock (scenario time in a drill with a trainer's clock).
public enum PublicUpdateLine {
    public static func walk(_ incident: Incident, manual: Manual, app: AppState) -> PublicUpdates.Walk? {
        guard let cadence = manual.publicUpdates, !incident.isClosed else { return nil }
        return walk(incident, cadence: cadence, messages: PublicUpdates.publicMessages(app.outbox.messages, incident: incident.id),
                    end: app.now)
    }

    /// Dates are mapped onto the incident's clock (seconds since it opened) so that a drill run
    /// at 10× owes the public an update every 3 wall minutes when the manual says 30.
    public static func walk(_ incident: Incident, cadence: [AlertLevel: Int], messages: [Date], end: Date) -> PublicUpdates.Walk {
        let zero = Date(timeIntervalSince1970: 0)
        func onClock(_ d: Date) -> Date { zero.addingTimeInterval(incident.offset(of: d)) }
        var events: [PublicUpdates.Event] = incident.levelChanges.map { .level($0.to, at: onClock($0.at)) }
        events += messages.map { .message(at: onClock($0)) }
        return PublicUpdates.walk(cadence: cadence, opened: zero, level: incident.levelChanges.first?.from ?? incident.level,
                                  events: events, end: onClock(end))
    }
}
