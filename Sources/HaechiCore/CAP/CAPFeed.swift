import Foundation

/// What a feed needs to know of one CAP alert: read back from a written document by the
/// sender, or made from an outbox message by the TUI (the incident's active alerts).
public struct CAPFeedEntry: Sendable, Hashable {
    public var identifier: String
    public var sent: Date
    public var type: CAPMessageType
    /// Identifiers of the alerts this one updates or cancels.
    public var references: [String]
    /// The latest `<expires>` of its `<info>`s; nil: in force until updated or cancelled.
    public var expires: Date?
    public var headline: String
    /// The document's file name in the feed's folder (the entry's link).
    public var file: String

    public init(identifier: String, sent: Date, type: CAPMessageType, references: [String], expires: Date?,
                headline: String, file: String) {
        self.identifier = identifier; self.sent = sent; self.type = type; self.references = references
        self.expires = expires; self.headline = headline; self.file = file
    }

    /// The entry of a message's alert, as `CAPAlert.render` writes it.
    public init(message: OutboxMessage, isCorrection: Bool, correctsSent: Date? = nil) {
        let info = CAPAlert.info(of: message)
        let life = CAPAlert.lifecycle(of: message, isCorrection: isCorrection, correctsSent: correctsSent)
        let language = message.languages.first ?? .ko
        self.init(identifier: message.id, sent: message.created, type: life.type, references: life.references.map(\.identifier),
                  expires: info.expires, headline: info.headline?[language] ?? CAPAlert.headline(message.postText(language)),
                  file: message.id + ".xml")
    }
}

/// Which alerts are in force, and the Atom index of them that aggregators poll.
public enum CAPFeed {
    /// Alerts in force at `now`: not a Cancel, not expired, and not named in the references of
    /// a later Update or Cancel (superseded by a correction or an all-clear, or cancelled).
    /// Newest first.
    public static func active(_ entries: [CAPFeedEntry], now: Date) -> [CAPFeedEntry] {
        var replaced = Set<String>()
        for e in entries where e.type != .alert { replaced.formUnion(e.references) }
        return entries
            .filter { $0.type != .cancel && !replaced.contains($0.identifier) && ($0.expires.map { $0 > now } ?? true) }
            .sorted { ($0.sent, $0.identifier) > ($1.sent, $1.identifier) }
    }

    /// When the active set next changes by itself (the earliest expiry still ahead), so the
    /// feed can be rewritten the moment an alert drops out.
    public static func nextExpiry(_ entries: [CAPFeedEntry], now: Date) -> Date? {
        active(entries, now: now).compactMap(\.expires).min()
    }

    /// An Atom 1.0 feed (RFC 4287) of `active`, each entry linking its CAP document.
    /// `base` is the public URL of the folder, when it is served; links are relative otherwise.
    public static func atom(_ active: [CAPFeedEntry], feedID: String, title: String, author: String, updated: Date,
                            base: String?, timeZone: TimeZone = Placeholders.Context.seoul) -> String {
        func href(_ file: String) -> String {
            guard let base, !base.isEmpty else { return file }
            return base.hasSuffix("/") ? base + file : base + "/" + file
        }
        var x = CAPAlert.XMLText()
        x.line(0, #"<?xml version="1.0" encoding="UTF-8"?>"#)
        x.line(0, #"<feed xmlns="http://www.w3.org/2005/Atom">"#)
        x.element(1, "id", feedID)
        x.element(1, "title", title)
        x.element(1, "updated", CAPAlert.timestamp(updated, timeZone))
        x.line(1, "<author>")
        x.element(2, "name", author)
        x.line(1, "</author>")
        x.line(1, "<link rel=\"self\" href=\"\(CAPAlert.escape(href(feedFileName)))\"/>")
        for e in active {
            x.line(1, "<entry>")
            x.element(2, "id", "urn:haechi:cap:" + (e.identifier.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? e.identifier))
            x.element(2, "title", e.headline)
            x.element(2, "updated", CAPAlert.timestamp(e.sent, timeZone))
            x.line(2, "<link rel=\"alternate\" type=\"application/cap+xml\" href=\"\(CAPAlert.escape(href(e.file)))\"/>")
            if let expires = e.expires { x.element(2, "summary", "\(e.type.rawValue) · expires \(CAPAlert.timestamp(expires, timeZone))") }
            x.line(1, "</entry>")
        }
        x.line(0, "</feed>")
        return x.text
    }

    /// The index's name in the CAP folder.
    public static let feedFileName = "index.atom"
}
