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
    /// A non-urgent class inside the channel's quiet hours, with no typed override reason.
    case quietHours(channel: String, hours: String)
    /// An override of quiet hours was asked for with an empty or blank reason.
    case quietHoursReasonEmpty
    /// Text in a language that none of the chosen channels posts: nobody would see it.
    case languageNotCarried(language: Language, channels: [String])
    /// A control character, escape or bidirectional control in the typed text, at a character
    /// position counted from 1.
    case controlCharacter(language: Language, position: Int, scalar: UInt32)
    /// The same in the value of an incident variable the text uses.
    case controlCharacterInVariable(name: String, scalar: UInt32)

    public var description: String {
        switch self {
        case .noChannel: "no channel chosen"
        case .unknownChannel(let c): "unknown channel '\(c)' (not in channels.yaml)"
        case .noText: "the message has no text"
        case .overLimit(let c, let l, let count, let limit, let rule):
            "\(l.rawValue) text is \(count - limit) over the \(c) limit (\(count)/\(limit) \(rule.unitName))"
        case .unfilledPlaceholder(let n, let l): "{\(n)} in the \(l.rawValue) text is not filled (no incident variable '\(n)')"
        case .missingLanguage(let c, let l): "\(c) posts in \(l.rawValue) but the \(l.rawValue) text is empty"
        case .quietHours(let c, let hours): "\(c) carries no non-urgent texts \(hours) (quiet hours): send it later, or type a reason to override"
        case .quietHoursReasonEmpty:
            "the reason to send in quiet hours is empty: say why this non-urgent text cannot wait (it is kept in the outbox record and the incident journal)"
        case .languageNotCarried(let l, let channels):
            "the \(l.rawValue) text would be posted nowhere: none of the chosen channels (\(channels.joined(separator: ", "))) posts in \(l.rawValue); remove it or choose a channel that does"
        case .controlCharacter(let l, let position, let scalar):
            "the \(l.rawValue) text has \(ComposeRefusal.name(scalar)) at character \(position): control characters, escape sequences and bidirectional controls are not allowed"
        case .controlCharacterInVariable(let n, let scalar):
            "the incident variable '\(n)' has \(ComposeRefusal.name(scalar)): control characters, escape sequences and bidirectional controls are not allowed"
        }
    }

    static func name(_ value: UInt32) -> String {
        Unicode.Scalar(value).map(YAMLDocument.name(of:)) ?? String(format: "U+%04X", value)
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
    /// Placeholders filled, without any prefix: what the outbox record stores as `text`.
    public var filled: Localized
    /// Exactly what is posted per language (drill and correction prefixes included): the preview.
    public var posted: Localized
    /// The posts the message makes (`Posts.resolve`): what the record stores and the sender posts.
    public var posts: [OutboxPost]
    public var refusals: [ComposeRefusal]
    /// Not refusals: shown before queueing and acknowledged deliberately (see `Compose.gates`).
    public var warnings: [RepeatWarning]
    /// A LIVE message on a channel whose profile wants a second operator for this class.
    public var needsApproval: Bool
    /// Quiet hours held on these channels and the draft's typed reason overrides them; what
    /// `record` stores and the incident journal keeps. nil when no quiet hours held.
    public var quietHoursOverride: QuietHoursOverride? = nil

    public var canQueue: Bool { refusals.isEmpty }
    /// True when the only thing between the draft and the outbox is quiet hours (or a blank
    /// reason for them): a typed reason is then what the operator is asked for.
    public var onlyQuietHoursStandInTheWay: Bool {
        !refusals.isEmpty && refusals.allSatisfy {
            switch $0 { case .quietHours, .quietHoursReasonEmpty: true; default: false }
        }
    }

    /// One meter per post: its length in its channel's rule against its limit.
    public var meters: [LengthMeter] {
        posts.map { LengthMeter(channel: $0.channel, language: $0.language, rule: $0.counting, count: $0.length, limit: $0.limit) }
    }
}

/// What stands between a checked draft and the outbox, in order: each must be passed by a
/// deliberate act of the operator (a typed "y" or `--allow-repeat`; the typed word).
public enum ComposeGate: Sendable, Hashable {
    /// The same disaster type to the same district within 24 hours.
    case acknowledgeRepeat(RepeatWarning)
    /// LIVE goes to the public: the operator types `word` (the district, else LIVE).
    case confirmLive(word: String)
}

public enum Compose {
    /// Checks a draft against the channel profiles. `history` is the outbox's messages with
    /// their state (for the 24-hour repeat warning); pass [] when it does not matter.
    public static func check(_ draft: ComposeDraft, channels profiles: ChannelProfiles, now: Date,
                             timeZone: TimeZone = Placeholders.Context.seoul,
                             history: [MessageStatus] = []) -> ComposeCheck {
        let context = Placeholders.Context(now: now, timeZone: timeZone, level: draft.level, variables: draft.variables)
        var filled = Localized(ko: "", en: "")
        var refusals: [ComposeRefusal] = []
        var usedVariables: [String] = []
        for language in Language.allCases where !draft.text[language].trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            let typed = draft.text[language]
            refusals += controlCharacters(in: typed).map { .controlCharacter(language: language, position: $0.position, scalar: $0.scalar) }
            let result = Placeholders.fill(typed, language: language, context: context)
            filled[language] = result.text.precomposedStringWithCanonicalMapping
            refusals += result.unfilled.map { .unfilledPlaceholder(name: $0, language: language) }
            for name in Placeholders.names(in: typed) where !usedVariables.contains(name) { usedVariables.append(name) }
        }
        for name in usedVariables {
            guard let value = draft.variables[name], let bad = controlCharacters(in: value).first else { continue }
            refusals.append(.controlCharacterInVariable(name: name, scalar: bad.scalar))
        }
        let languages = Language.allCases.filter { !filled[$0].isEmpty }
        let isCorrection = draft.corrects != nil
        var posted = Localized(ko: "", en: "")
        for language in languages {
            posted[language] = Posts.postedText(filled[language], language: language, mode: draft.mode, isCorrection: isCorrection)
        }
        let chosen = unique(draft.channels)
        // The limits in force now, on today's date in the city (a scheduled 157 starts at its midnight).
        let posts = Posts.resolve(channels: chosen, text: filled, mode: draft.mode, kind: draft.kind,
                                  isCorrection: isCorrection, profiles: profiles, at: now, timeZone: timeZone)

        if languages.isEmpty { refusals.insert(.noText, at: 0) }
        if chosen.isEmpty { refusals.insert(.noChannel, at: 0) }

        var needsApproval = false
        var known: [String] = []
        for id in chosen {
            guard let profile = profiles[id] else {
                refusals.append(.unknownChannel(id))
                continue
            }
            known.append(id)
            if draft.mode == .live && profile.needsApproval(draft.kind) { needsApproval = true }
            for language in profile.languages where filled[language].isEmpty {
                refusals.append(.missingLanguage(channel: id, language: language))
            }
        }
        // Quiet hours (urgent classes are exempt in the profile): refused unless a reason is
        // typed; a blank reason is refused as such, never read as "no override asked for".
        let reason = draft.quietHoursOverride.map(QuietHoursOverride.kept)
        if reason?.isEmpty == true { refusals.append(.quietHoursReasonEmpty) }
        let minute = QuietHours.minuteOfDay(now, timeZone)
        var overridden: [String] = []
        for id in known {
            guard let quiet = profiles[id]?.quietHours, quiet.holds(draft.kind, minuteOfDay: minute) else { continue }
            if reason == nil { refusals.append(.quietHours(channel: id, hours: quiet.description)) } else { overridden.append(id) }
        }
        let quietOverride = reason.flatMap { r in r.isEmpty || overridden.isEmpty ? nil : QuietHoursOverride(reason: r, channels: overridden) }
        for post in posts where post.isOver {
            refusals.append(.overLimit(channel: post.channel, language: post.language, count: post.length, limit: post.limit,
                                       rule: post.counting))
        }
        if !known.isEmpty {
            for language in languages where !posts.contains(where: { $0.language == language }) {
                refusals.append(.languageNotCarried(language: language, channels: known))
            }
        }
        // A cancel notice or all-clear of earlier alerts repeats the disaster type on purpose
        // (a correction shows the warning and still goes with one key, see ComposeScreen).
        let endsEarlierAlerts = draft.corrects == nil && !draft.references.isEmpty
        let warnings = endsEarlierAlerts ? [] : RepeatWarning.find(mode: draft.mode, manual: draft.manual, district: draft.district,
                                                                         now: now, history: history, excluding: draft.corrects)
        return ComposeCheck(filled: filled, posted: posted, posts: posts, refusals: refusals,
                            warnings: warnings, needsApproval: needsApproval, quietHoursOverride: quietOverride)
    }

    /// Every control character, escape and bidirectional control in a text (the manual lint's
    /// own rule, `YAMLDocument.isForbidden`), with its character position counted from 1.
    public static func controlCharacters(in text: String) -> [(position: Int, scalar: UInt32)] {
        var found: [(Int, UInt32)] = []
        var position = 0
        for character in text {
            position += 1
            for scalar in character.unicodeScalars where YAMLDocument.isForbidden(scalar, multiline: false) {
                found.append((position, scalar.value))
            }
        }
        return found
    }

    /// The gates a checked draft must pass, in order. A correction follows earlier messages to
    /// the same place by its nature: the repeat warning stays visible, but it adds no gate
    /// between a wrong alert and its correction.
    public static func gates(_ draft: ComposeDraft, check: ComposeCheck) -> [ComposeGate] {
        var gates: [ComposeGate] = []
        if let warning = check.warnings.first, draft.corrects == nil { gates.append(.acknowledgeRepeat(warning)) }
        if draft.mode == .live { gates.append(.confirmLive(word: liveWord(draft))) }
        return gates
    }

    /// What a LIVE queue must be confirmed with: the district the message is about, or LIVE
    /// when it names none. Typing the place makes the officer read where the alert goes (the
    /// Seoul 2023 lesson), and it is a different word from the LIVE typed to open the incident,
    /// so neither becomes a reflex.
    public static func liveWord(_ draft: ComposeDraft) -> String { draft.district ?? "LIVE" }

    /// Whether a typed confirmation is the expected word (NFC, case and surrounding spaces aside).
    public static func confirms(_ typed: String, word: String) -> Bool {
        NFC.normalize(typed.trimmingCharacters(in: .whitespaces)).lowercased() == NFC.normalize(word).lowercased()
    }

    /// The outbox record for a draft that passed its check: `.correct` for a correction,
    /// `.message` otherwise, carrying the check's posts. Returns nil when the check refused it,
    /// so a refused draft cannot be queued by mistake.
    public static func record(_ draft: ComposeDraft, check: ComposeCheck, id: String, operator: String,
                              created: Date) -> OutboxRecord? {
        guard check.canQueue else { return nil }
        let message = OutboxMessage(id: id, incident: draft.incident, step: draft.step, manual: draft.manual,
                                    district: draft.district, mode: draft.mode, kind: draft.kind,
                                    channels: unique(draft.channels), text: check.filled, operator: `operator`,
                                    created: created, needsApproval: check.needsApproval, corrects: draft.corrects,
                                    cap: CAPProfile.resolve(draft, created: created), posts: check.posts,
                                    quietHoursOverride: check.quietHoursOverride)
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
    /// message being corrected (a correction repeats it on purpose). A message cancelled before
    /// any of its posts was delivered reached nobody and does not count; one delivered anywhere does.
    public static func find(mode: Mode, manual: String?, district: String?, now: Date, history: [MessageStatus],
                            excluding: String? = nil) -> [RepeatWarning] {
        guard let manual, let district else { return [] }
        let key = district.precomposedStringWithCanonicalMapping
        return history.filter { s in
            let m = s.message
            return m.mode == mode && m.manual == manual && m.id != excluding
                && m.district?.precomposedStringWithCanonicalMapping == key
                && m.created <= now && now.timeIntervalSince(m.created) < window
                && s.countsAsSent
        }
        .map { RepeatWarning(previous: $0.message.id, manual: manual, district: district, sent: $0.message.created) }
    }
}
