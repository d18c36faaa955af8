import Foundation

/// One line of the sender's ledger, `delivery.jsonl`. Only the sender writes it.
public struct DeliveryRecord: Codable, Sendable, Hashable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        /// Written and fsynced before the request goes out.
        case attempt
        case delivered
        /// A retry is scheduled for `next`.
        case retry
        /// Given up, with `reason`.
        case dead
        case cancelled
        /// An attempt whose outcome is unknown on a channel without idempotency: not re-posted blind.
        case unknown
    }
    public var kind: Kind
    public var message: String
    public var channel: String
    public var language: Language
    /// message id + channel + language; the same on every retry.
    public var key: String
    public var at: Date
    public var attempt: Int?
    public var remoteID: String?
    public var next: Date?
    public var reason: String?
    public var endpoint: String?

    public init(kind: Kind, message: String, channel: String, language: Language, at: Date, attempt: Int? = nil,
                remoteID: String? = nil, next: Date? = nil, reason: String? = nil, endpoint: String? = nil) {
        self.kind = kind; self.message = message; self.channel = channel; self.language = language
        self.key = DeliveryRecord.idempotencyKey(message: message, channel: channel, language: language)
        self.at = at; self.attempt = attempt; self.remoteID = remoteID; self.next = next; self.reason = reason
        self.endpoint = endpoint
    }

    public static func idempotencyKey(message: String, channel: String, language: Language) -> String {
        "\(message).\(channel).\(language.rawValue)"
    }
}
