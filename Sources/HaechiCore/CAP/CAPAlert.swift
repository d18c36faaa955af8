import Foundation

/// Renders an outbox message as an OASIS CAP 1.2 alert.
///
/// Drills are `Exercise` (aggregators publish only `Actual`), with the drill id in `<note>`.
/// A correction is an `Update` and a cancellation a `Cancel`, each with `<references>` to the
/// original, so a feed reader can retire the first alert. One `<info>` per language.
public enum CAPAlert {
    public static let namespace = "urn:oasis:names:tc:emergency:cap:1.2"

    public enum MessageType: String, Sendable { case alert = "Alert", update = "Update", cancel = "Cancel" }

    /// The original a correction or cancellation points at.
    public struct Reference: Sendable, Hashable {
        public var identifier: String
        public var sent: Date
        public init(identifier: String, sent: Date) { self.identifier = identifier; self.sent = sent }
    }

    /// CAP fields for a message whose template had no `cap:` block: CAP's own "Unknown" where we
    /// cannot know, and urgency/severity that follow the emergency-text class.
    public static func defaultInfo(for message: OutboxMessage) -> CAPInfo {
        let (urgency, severity): (String, String) = switch message.kind {
        case .critical: ("Immediate", "Extreme")
        case .emergency: ("Immediate", "Severe")
        case .safety: ("Expected", "Moderate")
        case .info: ("Unknown", "Minor")
        }
        let event = Localized(ko: message.manual.map { "\($0) \(message.kind.korean)" } ?? "\(message.kind.korean) 알림",
                              en: message.manual.map { "\($0) \(message.kind.rawValue)" } ?? "\(message.kind.rawValue) notice")
        return CAPInfo(category: "Other", event: event, urgency: urgency, severity: severity, certainty: "Unknown")
    }

    /// The alert for `message`. For `.cancel`, `sent` is when it was cancelled and the identifier
    /// gets a `-cancel` suffix (a CAP identifier names one alert, and the cancel is another).
    public static func render(_ message: OutboxMessage, type: MessageType, sender: String, references: [Reference] = [],
                              sent: Date? = nil, timeZone: TimeZone = Placeholders.Context.seoul) -> String {
        let info = message.cap ?? defaultInfo(for: message)
        let identifier = type == .cancel ? message.id + "-cancel" : message.id
        var x = XMLText()
        x.line(0, #"<?xml version="1.0" encoding="UTF-8"?>"#)
        x.line(0, "<alert xmlns=\"\(namespace)\">")
        x.element(1, "identifier", identifier)
        x.element(1, "sender", sender)
        x.element(1, "sent", timestamp(sent ?? message.created, timeZone))
        x.element(1, "status", message.mode == .drill ? "Exercise" : "Actual")
        x.element(1, "msgType", type.rawValue)
        x.element(1, "scope", "Public")
        var note: [String] = []
        if message.mode == .drill { note.append("DRILL / 훈련 - not a real alert") }
        if let incident = message.incident { note.append((message.mode == .drill ? "exercise " : "incident ") + incident) }
        if type == .cancel { note.append("cancelled") }
        if !note.isEmpty { x.element(1, "note", note.joined(separator: "; ")) }
        if !references.isEmpty {
            // CAP: "sender,identifier,sent" per original, separated by spaces.
            x.element(1, "references", references.map { "\(sender),\($0.identifier),\(timestamp($0.sent, timeZone))" }.joined(separator: " "))
        }
        if let incident = message.incident { x.element(1, "incidents", incident) }
        for language in message.languages {
            x.line(1, "<info>")
            x.element(2, "language", language == .ko ? "ko-KR" : "en-US")
            x.element(2, "category", info.category)
            x.element(2, "event", info.event[language].isEmpty ? info.event.ko : info.event[language])
            x.element(2, "urgency", info.urgency)
            x.element(2, "severity", info.severity)
            x.element(2, "certainty", info.certainty)
            x.element(2, "senderName", language == .ko ? "서울특별시" : "Seoul Metropolitan Government")
            let prefix = type == .cancel ? (language == .ko ? "[취소] " : "[CANCELLED] ") : ""
            x.element(2, "headline", prefix + headline(message.postText(language)))
            x.element(2, "description", message.postText(language))
            x.line(2, "<area>")
            x.element(3, "areaDesc", message.district ?? (language == .ko ? "서울특별시" : "Seoul"))
            x.line(2, "</area>")
            x.line(1, "</info>")
        }
        x.line(0, "</alert>")
        return x.text
    }

    /// CAP headlines should be short (under 160 characters): the first sentence, cut at 100.
    static func headline(_ text: String) -> String {
        let firstLine = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? text
        return firstLine.count <= 100 ? firstLine : String(firstLine.prefix(99)) + "…"
    }

    /// CAP times: `2026-11-29T16:10:00+09:00` (no fractional seconds, never `Z`).
    public static func timestamp(_ date: Date, _ zone: TimeZone) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        let offset = zone.secondsFromGMT(for: date)
        let sign = offset < 0 ? "-" : "+"
        let o = abs(offset) / 60
        return "\(c.year!)-\(two(c.month!))-\(two(c.day!))T\(two(c.hour!)):\(two(c.minute!)):\(two(c.second!))\(sign)\(two(o / 60)):\(two(o % 60))"
    }

    /// Escapes text for XML element content. Characters XML 1.0 cannot carry at all (most C0
    /// controls) become U+FFFD rather than producing a document no parser accepts.
    public static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for scalar in s.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            default:
                if scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF {
                    out += "\u{FFFD}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    struct XMLText {
        var text = ""
        mutating func line(_ depth: Int, _ s: String) { text += String(repeating: "  ", count: depth) + s + "\n" }
        mutating func element(_ depth: Int, _ name: String, _ value: String) {
            line(depth, "<\(name)>\(CAPAlert.escape(value))</\(name)>")
        }
    }
}
