import Foundation

/// A non-urgent message sent inside a channel's quiet hours on purpose (CBS carries no 안전안내
/// texts 23:00–07:00): the reason the operator typed and the channels whose quiet hours it
/// overrode. Made by `Compose.check` only when quiet hours held and a reason was given; stored
/// in the outbox record and journaled in the incident (`IncidentEvent.quietHoursOverride`), so
/// the after-action report shows who sent what at night, and why.
public struct QuietHoursOverride: Codable, Sendable, Hashable {
    /// Trimmed, never empty (an empty reason is refused: `ComposeRefusal.quietHoursReasonEmpty`).
    public var reason: String
    /// The chosen channels whose quiet hours held at the time, in the order chosen.
    public var channels: [String]
    public init(reason: String, channels: [String]) { self.reason = reason; self.channels = channels }

    /// A typed reason as it is kept: trimmed of white space and line breaks. Empty means it
    /// says nothing, which compose refuses and the journal's readers (its Codable form and
    /// HaechiStore's direct reader) do not accept: the one rule for all three.
    public static func kept(_ typed: String) -> String { Trimming.whitespaceAndNewlines(typed) }
}

extension IncidentEvent {
    /// The journal line that keeps a quiet-hours override in its incident: nil for a message
    /// without one or without an incident. The TUI and `haechi outbox add` both write this.
    public static func quietHours(of message: OutboxMessage, at: Date, operator: String) -> IncidentEvent? {
        guard let incident = message.incident, let o = message.quietHoursOverride else { return nil }
        return .quietHoursOverride(Stamp(incident: incident, at: at, operator: `operator`),
                                   QuietHoursOverridden(message: message.id, step: message.step, reason: o.reason, channels: o.channels))
    }
}
