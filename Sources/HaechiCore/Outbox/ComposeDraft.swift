import Foundation

/// A message being written, before it is queued: what the compose screen edits and what
/// `haechi outbox add` builds from its arguments. Texts keep their `{placeholders}`; they are
/// filled (and the drill prefix added) only when the draft is checked or queued, so the operator
/// can still see which incident variable a phrase came from.
public struct ComposeDraft: Sendable, Hashable {
    /// Where the text came from: a step's template, or typed from scratch.
    public enum Source: Sendable, Hashable {
        case template(manual: String, step: String)
        case freeForm
        /// A correction of an earlier message (its id), prefilled from it.
        case correction(of: String)
    }

    public var source: Source
    public var mode: Mode
    public var kind: MessageClass
    public var channels: [String]
    /// One text per language, placeholders unfilled. An empty text is not posted.
    public var text: Localized
    /// The incident (or drill) the message belongs to.
    public var incident: String?
    /// The disaster type (manual id), for the 24-hour repeat warning and the CAP event.
    public var manual: String?
    public var step: String?
    /// Incident variables (`district`, `shelter`, …) that fill placeholders.
    public var variables: [String: String]
    public var level: AlertLevel?
    /// The CAP mapping (the manual's, refined by the template's); resolved into the message's
    /// CAP block when it is queued (`CAPProfile.resolve`). Nil: the free-form mapping.
    public var cap: CAPMapping?
    /// CAP headline and instruction, placeholders unfilled like `text`.
    public var headline: Localized?
    public var instruction: Localized?
    /// What the message does to earlier alerts: a correction updates, a cancel notice cancels,
    /// an all-clear updates the incident's active alerts.
    public var capType: CAPMessageType = .alert
    public var references: [CAPReference] = []
    /// A typed reason to send a non-urgent text inside a channel's quiet hours. nil: none given;
    /// an empty or blank one is refused (`ComposeRefusal.quietHoursReasonEmpty`), never taken as none.
    public var quietHoursOverride: String?

    public init(source: Source = .freeForm, mode: Mode, kind: MessageClass, channels: [String], text: Localized,
                incident: String? = nil, manual: String? = nil, step: String? = nil, variables: [String: String] = [:],
                level: AlertLevel? = nil, cap: CAPMapping? = nil) {
        self.source = source; self.mode = mode; self.kind = kind; self.channels = channels; self.text = text
        self.incident = incident; self.manual = manual; self.step = step; self.variables = variables
        self.level = level; self.cap = cap
    }

    /// A draft prefilled from a step's message template.
    public init(template: MessageTemplate, manual: Manual, step: Step, mode: Mode, incident: String?,
                variables: [String: String], level: AlertLevel?) {
        self.init(source: .template(manual: manual.id, step: step.id), mode: mode, kind: template.messageClass,
                  channels: template.channels, text: template.text, incident: incident, manual: manual.id,
                  step: step.id, variables: variables, level: level,
                  cap: manual.cap.map { $0.refined(by: template.cap) } ?? template.cap)
        headline = template.headline
        instruction = template.instruction
    }

    /// A correction of `original`, prefilled in every language the original had: the correction
    /// prefix followed by the original text, for the operator to edit. Same mode, class,
    /// channels and incident, so it reaches everyone who saw the original.
    public init(correcting original: OutboxMessage) {
        var text = Localized(ko: "", en: "")
        for language in original.languages {
            text[language] = OutboxMessage.correctionPrefix[language] + original.text[language]
        }
        self.init(source: .correction(of: original.id), mode: original.mode, kind: original.kind,
                  channels: original.channels, text: text, incident: original.incident, manual: original.manual,
                  step: original.step, variables: original.district.map { ["district": $0] } ?? [:],
                  cap: original.cap.map(CAPMapping.init))
        if let h = original.cap?.headline {
            var prefixed = Localized(ko: "", en: "")
            for language in Language.allCases where !h[language].isEmpty {
                prefixed[language] = OutboxMessage.correctionPrefix[language] + h[language]
            }
            headline = prefixed
        }
        instruction = original.cap?.instruction
        capType = .update
        references = [CAPReference(identifier: original.id, sent: original.created)]
    }

    /// The district the message is about (the `district` incident variable), for the repeat warning.
    public var district: String? {
        guard let d = variables["district"]?.trimmingCharacters(in: .whitespacesAndNewlines), !d.isEmpty else { return nil }
        return d
    }

    public var corrects: String? {
        if case .correction(let id) = source { return id }
        return nil
    }
}
