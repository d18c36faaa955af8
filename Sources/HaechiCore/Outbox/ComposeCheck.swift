import Foundation

/// How long a text is on one channel, in that channel's own counting rule, against the limit
/// for the message class. Counted on exactly what will be posted (drill prefix included).
public struct LengthMeter: Sendable, Hashable {
    public var channel: String
    public var language: Language
    public var rule: CountingRule
    public var count: Int
    public var limit: Int
    public var remaining: Int { limit - count }
    public var isOver: Bool { count > limit }
}

/// Why a draft may not be queued. Each says, in plain words, what to change.
public enum ComposeRefusal: Sendable, Hashable, CustomStringConvertible {
    case noChannel
    case unknownChannel(String)
    case noText
    case overLimit(channel: String, language: Language, count: Int, limit: Int, rule: CountingRule)
    case unfilledPlaceholder(name: String, language: Language)
    case missingLanguage(channel: String, language: Language)

    public var description: String {
        switch self {
        case .noChannel: "no channel chosen"
        case .unknownChannel(let c): "unknown channel '\(c)' (not in channels.yaml)"
        case .noText: "the message has no text"
        case .overLimit(let c, let l, let count, let limit, let rule):
            "\(l.rawValue) text is \(count - limit) over the \(c) limit (\(count)/\(limit) \(rule.unitName))"
        case .unfilledPlaceholder(let n, let l): "{\(n)} in the \(l.rawValue) text is not filled (no incident variable '\(n)')"
        case .missingLanguage(let c, let l): "\(c) posts in \(l.rawValue) but the \(l.rawValue) text is empty"
        }
    }
}

extension CountingRule {
    var unitName: String {
        switch self {
        case .xWeighted: "weighted characters"
        case .characters: "characters"
        case .graphemes: "graphemes"
        }
    }
}

/// Everything the compose screen shows under a draft, and the verdict.
public struct ComposeCheck: Sendable, Hashable {
    /// Placeholders filled, without the drill prefix: what the outbox record stores.
    public var filled: Localized
    /// Exactly what will be posted per language (with the drill prefix in drills): the preview.
    public var posted: Localized
    /// One meter per channel and language the channel posts.
    public var meters: [LengthMeter]
    public var refusals: [ComposeRefusal]
    /// Not refusals: shown before queueing and acknowledged deliberately.
    public var warnings: [RepeatWarning]
    /// A LIVE message on a channel whose profile wants a second operator for this class.
    public var needsApproval: Bool

    public var canQueue: Bool { refusals.isEmpty }
}

public enum Compose {
    /// Checks a draft against the channel profiles. `history` is every message already in the
    /// outbox (for the 24-hour repeat warning); pass [] when it does not matter.
    public static func check(_ draft: ComposeDraft, channels profiles: ChannelProfiles, now: Date,
                             timeZone: TimeZone = Placeholders.Context.seoul,
                             history: [OutboxMessage] = []) -> ComposeCheck {
        let context = Placeholders.Context(now: now, timeZone: timeZone, level: draft.level, variables: draft.variables)
        var filled = Localized(ko: "", en: "")
        var refusals: [ComposeRefusal] = []
        for language in Language.allCases where !draft.text[language].trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            let result = Placeholders.fill(draft.text[language], language: language, context: context)
            filled[language] = result.text.precomposedStringWithCanonicalMapping
            refusals += result.unfilled.map { .unfilledPlaceholder(name: $0, language: language) }
        }
        let probe = OutboxMessage(id: "", mode: draft.mode, kind: draft.kind, channels: [], text: filled, operator: "", created: now)
        var posted = Localized(ko: "", en: "")
        for language in probe.languages { posted[language] = probe.postText(language) }

        if probe.languages.isEmpty { refusals.insert(.noText, at: 0) }
        if draft.channels.isEmpty { refusals.insert(.noChannel, at: 0) }

        var meters: [LengthMeter] = []
        var needsApproval = false
        for id in unique(draft.channels) {
            guard let profile = profiles[id] else {
                refusals.append(.unknownChannel(id))
                continue
            }
            if draft.mode == .live && profile.needsApproval(draft.kind) { needsApproval = true }
            for language in profile.languages {
                guard !filled[language].isEmpty else {
                    refusals.append(.missingLanguage(channel: id, language: language))
                    continue
                }
                let meter = LengthMeter(channel: id, language: language, rule: profile.counting,
                                        count: profile.length(of: posted[language]), limit: profile.limit(for: draft.kind))
                meters.append(meter)
                if meter.isOver {
                    refusals.append(.overLimit(channel: id, language: language, count: meter.count, limit: meter.limit, rule: meter.rule))
                }
            }
        }
        // A cancel notice or all-clear of earlier alerts repeats the disaster type on purpose
        // (a correction shows the warning and still goes with one key, see ComposeScreen).
        let endsEarlierAlerts = draft.corrects == nil && !draft.references.isEmpty
        let warnings = endsEarlierAlerts ? [] : RepeatWarning.find(mode: draft.mode, manual: draft.manual, district: draft.district,
                                                                         now: now, history: history, excluding: draft.corrects)
        return ComposeCheck(filled: filled, posted: posted, meters: meters, refusals: refusals,
                            warnings: warnings, needsApproval: needsApproval)
    }

    /// The outbox record for a draft that passed its check: `.correct` for a correction,
    /// `.message` otherwise. Returns nil when the check refused it, so a refused draft cannot be
    /// queued by mistake.
    public static func record(_ draft: ComposeDraft, check: ComposeCheck, id: String, operator: String,
                              created: Date) -> OutboxRecord? {
        guard check.canQueue else { return nil }
        let message = OutboxMessage(id: id, incident: draft.incident, step: draft.step, manual: draft.manual,
                                    district: draft.district, mode: draft.mode, kind: draft.kind,
                                    channels: unique(draft.channels), text: check.filled, operator: `operator`,
                                    created: created, needsApproval: check.needsApproval, corrects: draft.corrects,
                                    cap: CAPProfile.resolve(draft, created: created))
        return draft.corrects == nil ? .message(message) : .correct(message)
    }

    static func unique(_ ids: [String]) -> [String] {
        var seen = Set<String>()
        return ids.filter { seen.insert($0).inserted }
    }
}

/// "The same disaster type to the same district within 24 hours": the ministry's pre-send check.
/// Shown as a warning, never a refusal: a second warning for a worsening typhoon is legitimate,
/// but the operator must see that one already went out.
public struct RepeatWarning: Sendable, Hashable, CustomStringConvertible {
    public static let window: TimeInterval = 24 * 3600
    public var previous: String
    public var manual: String
    public var district: String
    public var sent: Date

    public var description: String {
        "message \(previous) for the same disaster type (\(manual)) to \(district) was queued at \(RecordCoding.formatTimestamp(sent)), less than 24 hours ago"
    }

    /// Earlier messages of the same mode, manual and district created in the 24 hours before
    /// `now`. Drills never warn about live messages or the reverse. `excluding` leaves out the
    /// message being corrected (a correction repeats it on purpose).
    public static func find(mode: Mode, manual: String?, district: String?, now: Date, history: [OutboxMessage],
                            excluding: String? = nil) -> [RepeatWarning] {
        guard let manual, let district else { return [] }
        let key = district.precomposedStringWithCanonicalMapping
        return history.filter { m in
            m.mode == mode && m.manual == manual && m.id != excluding
                && m.district?.precomposedStringWithCanonicalMapping == key
                && m.created <= now && now.timeIntervalSince(m.created) < window
        }
        .map { RepeatWarning(previous: $0.id, manual: manual, district: district, sent: $0.created) }
    }
}
