import Foundation

/// The hard ceiling a platform itself enforces on one post, in that platform's own counting
/// rule. The channel profiles (channels.yaml) may be stricter, never looser: compose refuses by
/// the profile, and the sender refuses by this, so a post over the ceiling is dead with the
/// reason instead of being cut or bounced by the platform.
public struct PlatformLimit: Sendable, Hashable {
    public var platform: String
    public var rule: CountingRule
    public var limit: Int
    /// A second ceiling in UTF-8 bytes where the platform has one (Bluesky's 3000).
    public var maxBytes: Int?

    /// X: 280 weighted characters (twitter-text v3 config; accounts without a subscription).
    public static let x = PlatformLimit(platform: "X", rule: .xWeighted, limit: 280)
    /// Bluesky `app.bsky.feed.post` lexicon: `text` maxGraphemes 300, maxLength 3000 (bytes).
    public static let bluesky = PlatformLimit(platform: "Bluesky", rule: .graphemes, limit: 300, maxBytes: 3000)
    /// Facebook: 63,206 characters in a post's message.
    public static let facebook = PlatformLimit(platform: "Facebook", rule: .characters, limit: 63_206)

    /// Why `text` cannot be posted as it is, or nil when it fits. Counted with the one length
    /// function every view uses (`TextLength.count`).
    public func refusal(_ text: String) -> String? {
        let count = TextLength.count(text, rule: rule)
        if count > limit {
            return "post is \(count) \(rule.unitName); \(platform) allows \(limit) (not cut: shorten it and queue it again)"
        }
        if let maxBytes, text.utf8.count > maxBytes {
            return "post is \(text.utf8.count) bytes; \(platform) allows \(maxBytes) (not cut: shorten it and queue it again)"
        }
        return nil
    }
}
