import Foundation

/// How a channel counts the length of a post.
public enum CountingRule: String, Codable, CaseIterable, Sendable {
    /// X / twitter-text v3: most code points weigh 2, Latin and some punctuation 1, URLs 23.
    case xWeighted = "x-weighted"
    /// Unicode scalars after NFC, URLs counted as 23 (Mastodon).
    case characters
    /// Extended grapheme clusters (Bluesky).
    case graphemes
}

/// A logical channel (x, mastodon, cbs, …) as the manual owners describe it. Nothing secret:
/// endpoints and credentials live in the sender's own config.
public struct ChannelProfile: Codable, Sendable, Hashable, Identifiable {
    public var id: String
    public var name: Localized
    public var counting: CountingRule
    public var limit: Int
    /// Stricter limits for some message classes (CBS evacuation texts stay at 90).
    public var classLimits: [MessageClass: Int]
    /// Languages posted on this channel; each must be non-empty to queue.
    public var languages: [Language]
    /// Message classes that need a second operator's approval before a LIVE message is sent.
    public var approval: [MessageClass]
    /// True when the channel accepts an idempotency key (re-posting after a crash is safe).
    public var idempotent: Bool
    /// Later limits, each in force from its date (sorted by date); `limit`/`classLimits` hold before the first.
    public var schedule: [LimitPeriod]
    /// Hours in which the channel carries no non-urgent texts, in Seoul time.
    public var quietHours: QuietHours?

    public init(id: String, name: Localized, counting: CountingRule, limit: Int, classLimits: [MessageClass: Int] = [:],
                languages: [Language], approval: [MessageClass] = [], idempotent: Bool = false,
                schedule: [LimitPeriod] = [], quietHours: QuietHours? = nil) {
        self.id = id; self.name = name; self.counting = counting; self.limit = limit; self.classLimits = classLimits
        self.languages = languages; self.approval = approval; self.idempotent = idempotent
        self.schedule = schedule.sorted { $0.from < $1.from }; self.quietHours = quietHours
    }

    /// The limit before any scheduled period starts. Not the limit in force: a caller with a
    /// date asks `limit(for:on:)`. Only lint of a manual whose revision date is unreadable (an
    /// error already) falls back to it.
    public func baseLimit(for messageClass: MessageClass) -> Int { classLimits[messageClass] ?? limit }
    /// The limit in force on a date (YYYY-MM-DD): the latest scheduled period that has started,
    /// else the base limit. The one answer for lint (at a manual's revision date) and compose (today).
    public func limit(for messageClass: MessageClass, on date: String) -> Int {
        guard let period = schedule.last(where: { $0.from <= date }) else { return baseLimit(for: messageClass) }
        return period.classLimits[messageClass] ?? period.limit
    }
    /// The limit in force at an instant: on its calendar day in the city's zone (`CityTime`), so
    /// a period starting "2027-01-01" starts at midnight in Seoul whatever zone the server runs in.
    public func limit(for messageClass: MessageClass, at instant: Date, timeZone: TimeZone) -> Int {
        limit(for: messageClass, on: CivilTime(instant, timeZone).calendarDay)
    }
    public func needsApproval(_ messageClass: MessageClass) -> Bool { approval.contains(messageClass) }
    public func length(of text: String) -> Int { TextLength.count(text, rule: counting) }
}

public struct ChannelProfiles: Sendable, Hashable {
    public var channels: [ChannelProfile]
    public init(_ channels: [ChannelProfile]) { self.channels = channels }
    public subscript(id: String) -> ChannelProfile? { channels.first { $0.id == id } }
    public var ids: [String] { channels.map(\.id) }
}
