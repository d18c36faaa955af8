import Foundation

/// One post a message makes: a channel, a language, and the text exactly as it goes out (drill
/// and correction prefixes included), with its length under that channel's own rule and the
/// limit it was checked against. Resolved once, when the message is queued, and stored in the
/// outbox record, so the sender posts what the operator saw and nothing else.
public struct OutboxPost: Codable, Sendable, Hashable {
    public var channel: String
    public var language: Language
    /// The text as posted.
    public var text: String
    /// `text`'s length under `counting`.
    public var length: Int
    public var limit: Int
    public var counting: CountingRule

    public init(channel: String, language: Language, text: String, length: Int, limit: Int, counting: CountingRule) {
        self.channel = channel; self.language = language; self.text = text
        self.length = length; self.limit = limit; self.counting = counting
    }

    public var target: DeliveryTarget { DeliveryTarget(channel: channel, language: language) }
    public var isOver: Bool { length > limit }
}

/// Which posts a message makes: the one rule, used when a draft is checked, when it is queued,
/// and when an old record (written before records carried their posts) is read.
///
/// The rule: for each chosen channel, in the order chosen and without repeats, one post per
/// language that the channel's profile carries and the message has text in. A channel without a
/// profile carries no language (nothing is posted where no profile says how). The text is
/// `postedText`: the drill prefix for drills, then the correction prefix for corrections (unless
/// the author already wrote it), then the text with placeholders filled. Each post's limit is
/// the one in force when the message is composed (`ChannelProfile.limit(for:at:timeZone:)`: a
/// scheduled limit starts on its day in the city's zone), the same rule lint applies on a
/// manual's revision date.
public enum Posts {
    public static func resolve(channels: [String], text: Localized, mode: Mode, kind: MessageClass, isCorrection: Bool,
                               profiles: ChannelProfiles, at composed: Date, timeZone: TimeZone) -> [OutboxPost] {
        var posts: [OutboxPost] = []
        var seen = Set<String>()
        for id in channels where seen.insert(id).inserted {
            guard let profile = profiles[id] else { continue }
            for language in profile.languages where !text[language].isEmpty {
                let posted = postedText(text[language], language: language, mode: mode, isCorrection: isCorrection)
                posts.append(OutboxPost(channel: id, language: language, text: posted, length: profile.length(of: posted),
                                        limit: profile.limit(for: kind, at: composed, timeZone: timeZone), counting: profile.counting))
            }
        }
        return posts
    }

    /// Exactly what is posted in a language: drills always carry the visible drill prefix, and a
    /// correction says so in front (the author may have typed the prefix already).
    public static func postedText(_ body: String, language: Language, mode: Mode, isCorrection: Bool) -> String {
        var text = body
        let correction = OutboxMessage.correctionPrefix[language]
        if isCorrection && !text.hasPrefix(correction) { text = correction + text }
        return mode == .drill ? OutboxMessage.drillPrefix[language] + text : text
    }

    /// The posts of a message as queued: the stored list, or for a record written before
    /// records carried one, the rule above applied to it with today's channel profiles (the same
    /// profiles the compose preview used when it was written, unless they changed since), with
    /// the limits in force when it was created. `profiles` nil means none could be read: an old
    /// record then makes no posts.
    public static func of(_ message: OutboxMessage, profiles: ChannelProfiles?, timeZone: TimeZone = CityTime.default) -> [OutboxPost] {
        if let stored = message.posts { return stored }
        return resolve(channels: message.channels, text: message.text, mode: message.mode, kind: message.kind,
                       isCorrection: message.corrects != nil, profiles: profiles ?? ChannelProfiles([]),
                       at: message.created, timeZone: timeZone)
    }
}
