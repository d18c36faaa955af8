import Foundation

/// LIVE goes to the public; DRILL only ever to drill endpoints. The two never mix.
public enum Mode: String, Codable, CaseIterable, Sendable {
    case live, drill
}

/// An official message as queued in the outbox. Texts are final (placeholders filled), and
/// `posts` states exactly what goes out where (see `Posts`).
public struct OutboxMessage: Codable, Sendable, Hashable, Identifiable {
    public var id: String
    public var incident: String?
    public var step: String?
    /// The manual (disaster type) the message belongs to, used for the 24-hour repeat warning.
    public var manual: String?
    public var district: String?
    public var mode: Mode
    public var kind: MessageClass
    public var channels: [String]
    /// One text per language; an empty text means the language is not posted.
    public var text: Localized
    public var `operator`: String
    public var created: Date
    /// True when a live message waits for a second operator's `approve` record.
    public var needsApproval: Bool
    /// For a correction: the id of the message it corrects.
    public var corrects: String?
    public var cap: CAPInfo?
    /// The exact posts (channel × language × text as posted), resolved when it was queued. Nil
    /// only in records written before records carried them; read those with `Posts.of`.
    public var posts: [OutboxPost]?
    /// Set when a non-urgent message went out inside a channel's quiet hours: the typed reason.
    public var quietHoursOverride: QuietHoursOverride?

    public init(id: String, incident: String? = nil, step: String? = nil, manual: String? = nil, district: String? = nil,
                mode: Mode, kind: MessageClass, channels: [String], text: Localized, operator: String, created: Date,
                needsApproval: Bool = false, corrects: String? = nil, cap: CAPInfo? = nil, posts: [OutboxPost]? = nil,
                quietHoursOverride: QuietHoursOverride? = nil) {
        self.id = id; self.incident = incident; self.step = step; self.manual = manual; self.district = district
        self.mode = mode; self.kind = kind; self.channels = channels; self.text = text; self.operator = `operator`
        self.created = created; self.needsApproval = needsApproval; self.corrects = corrects; self.cap = cap
        self.posts = posts; self.quietHoursOverride = quietHoursOverride
    }

    public static let drillPrefix = Localized(ko: "[훈련] ", en: "[DRILL] ")
    public static let correctionPrefix = Localized(ko: "[정정] ", en: "[CORRECTION] ")

    /// The text posted in a language (the rule is `Posts.postedText`).
    public func postText(_ language: Language) -> String {
        Posts.postedText(text[language], language: language, mode: mode, isCorrection: corrects != nil)
    }

    /// Languages with non-empty text.
    public var languages: [Language] { Language.allCases.filter { !text[$0].isEmpty } }
}

/// One line of `outbox.jsonl`.
public enum OutboxRecord: Sendable, Hashable {
    case message(OutboxMessage)
    /// A correction: a new message that references an earlier one (`corrects`).
    case correct(OutboxMessage)
    case cancel(message: String, operator: String, at: Date, reason: String)
    case approve(message: String, operator: String, at: Date)

    public var messageID: String {
        switch self {
        case .message(let m), .correct(let m): m.id
        case .cancel(let id, _, _, _), .approve(let id, _, _): id
        }
    }
}

extension OutboxRecord: Codable {
    enum Kind: String, Codable { case message, correct, cancel, approve }
    /// The record kind is stored under `record`, not `kind`: a message's own `kind` (its class)
    /// shares the same flat JSON object and would otherwise overwrite it.
    enum Keys: String, CodingKey { case kind = "record", message, `operator`, at, reason }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        switch try c.decode(Kind.self, forKey: .kind) {
        case .message: self = .message(try OutboxMessage(from: decoder))
        case .correct: self = .correct(try OutboxMessage(from: decoder))
        case .cancel:
            self = .cancel(message: try c.decode(String.self, forKey: .message), operator: try c.decode(String.self, forKey: .operator),
                           at: try c.decode(Date.self, forKey: .at), reason: try c.decodeIfPresent(String.self, forKey: .reason) ?? "")
        case .approve:
            self = .approve(message: try c.decode(String.self, forKey: .message), operator: try c.decode(String.self, forKey: .operator),
                            at: try c.decode(Date.self, forKey: .at))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        switch self {
        case .message(let m):
            try c.encode(Kind.message, forKey: .kind); try m.encode(to: encoder)
        case .correct(let m):
            try c.encode(Kind.correct, forKey: .kind); try m.encode(to: encoder)
        case .cancel(let id, let op, let at, let reason):
            try c.encode(Kind.cancel, forKey: .kind); try c.encode(id, forKey: .message)
            try c.encode(op, forKey: .operator); try c.encode(at, forKey: .at); try c.encode(reason, forKey: .reason)
        case .approve(let id, let op, let at):
            try c.encode(Kind.approve, forKey: .kind); try c.encode(id, forKey: .message)
            try c.encode(op, forKey: .operator); try c.encode(at, forKey: .at)
        }
    }
}
