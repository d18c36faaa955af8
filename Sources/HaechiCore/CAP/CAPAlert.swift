import Foundation

/// The one CAP 1.2 renderer: `haechi outbox cap` and the sender's `cap` endpoint both call it,
/// so a document looks the same whoever writes it. One `<alert>` per message, one `<info>` per
/// language; the CAP fields come from the message's stored CAP block (`CAPProfile.resolve`).
///
/// Drills are `Exercise` (aggregators publish only `Actual`), with the drill id in `<note>`.
/// Corrections and all-clears are `Update`s and cancel notices `Cancel`s, each with
/// `<references>` to what they replace, so a feed reader can retire the earlier alerts.
public enum CAPAlert {
    public static let namespace = "urn:oasis:names:tc:emergency:cap:1.2"

    public typealias MessageType = CAPMessageType
    public typealias Reference = CAPReference

    /// Who issues the alerts: `<sender>` (an id, usually an address) and `<senderName>`.
    public struct Sender: Sendable, Hashable {
        public var id: String
        public var name: Localized
        public init(id: String, name: Localized = Sender.seoulName) { self.id = id; self.name = name }
        public static let seoulName = Localized(ko: "서울특별시", en: "Seoul Metropolitan Government")
    }

    /// An alert's place in the lifecycle: its type and what it references.
    public struct Lifecycle: Sendable, Hashable {
        public var type: MessageType
        public var references: [Reference]
        public init(type: MessageType, references: [Reference]) { self.type = type; self.references = references }
    }

    /// The type and references of `message`: what its CAP block says; for a correction queued
    /// before the block carried them, an Update of what it corrects (sent `correctsSent`).
    public static func lifecycle(of message: OutboxMessage, isCorrection: Bool, correctsSent: Date? = nil) -> Lifecycle {
        let refs = message.cap?.references ?? []
        if let t = message.cap?.msgType { return Lifecycle(type: t, references: refs) }
        if isCorrection, let original = message.corrects {
            return Lifecycle(type: .update, references: refs.isEmpty ? [Reference(identifier: original, sent: correctsSent ?? message.created)] : refs)
        }
        return Lifecycle(type: refs.isEmpty ? .alert : .update, references: refs)
    }

    /// The CAP block used for a message that has none (queued before every message got one).
    public static func info(of message: OutboxMessage) -> CAPInfo {
        message.cap ?? CAPProfile.resolve(mapping: nil, kind: message.kind, level: nil, created: message.created,
                                          district: message.district, headline: nil, instruction: nil)
    }

    /// The alert for `message`. `texts` are the posted texts per language when the caller has
    /// them (the sender's posts); otherwise `postText`. `cancelOf` renders instead the Cancel
    /// of a message stopped before delivery (`haechi outbox cap --cancel`): identifier with a
    /// `-cancel` suffix, sent when it was cancelled, referencing the message itself.
    public static func render(_ message: OutboxMessage, isCorrection: Bool = false, correctsSent: Date? = nil,
                              sender: Sender, texts: Localized? = nil, cancelledAt: Date? = nil,
                              timeZone: TimeZone = Placeholders.Context.seoul) -> String {
        let info = info(of: message)
        var life = lifecycle(of: message, isCorrection: isCorrection, correctsSent: correctsSent)
        var identifier = message.id
        var sent = message.created
        if let cancelledAt {
            life = Lifecycle(type: .cancel, references: [Reference(identifier: message.id, sent: message.created)])
            identifier = message.id + "-cancel"
            sent = cancelledAt
        }
        var x = XMLText()
        x.line(0, #"<?xml version="1.0" encoding="UTF-8"?>"#)
        x.line(0, "<alert xmlns=\"\(namespace)\">")
        x.element(1, "identifier", identifier)
        x.element(1, "sender", sender.id)
        x.element(1, "sent", timestamp(sent, timeZone))
        x.element(1, "status", message.mode == .drill ? "Exercise" : "Actual")
        x.element(1, "msgType", life.type.rawValue)
        x.element(1, "scope", "Public")
        var note: [String] = []
        if message.mode == .drill { note.append("DRILL / 훈련 - not a real alert") }
        if let incident = message.incident { note.append((message.mode == .drill ? "exercise " : "incident ") + incident) }
        if cancelledAt != nil { note.append("cancelled before delivery") }
        if !note.isEmpty { x.element(1, "note", note.joined(separator: "; ")) }
        if !life.references.isEmpty {
            // CAP 1.2 §3.2.1: "sender,identifier,sent" per earlier alert, separated by spaces.
            x.element(1, "references", life.references.map { "\(sender.id),\($0.identifier),\(timestamp($0.sent, timeZone))" }.joined(separator: " "))
        }
        if let incident = message.incident { x.element(1, "incidents", incident) }
        for language in message.languages {
            let description = texts.map { $0[language] }.flatMap { $0.isEmpty ? nil : $0 } ?? message.postText(language)
            x.line(1, "<info>")
            x.element(2, "language", language == .ko ? "ko-KR" : "en-US")
            x.element(2, "category", info.category)
            x.element(2, "event", info.event[language].isEmpty ? info.event.ko : info.event[language])
            for r in info.responseTypes ?? [] { x.element(2, "responseType", r) }
            x.element(2, "urgency", info.urgency)
            x.element(2, "severity", info.severity)
            x.element(2, "certainty", info.certainty)
            if let expires = info.expires, cancelledAt == nil { x.element(2, "expires", timestamp(expires, timeZone)) }
            x.element(2, "senderName", sender.name[language].isEmpty ? sender.name.ko : sender.name[language])
            var head = info.headline.map { $0[language] }.flatMap { $0.isEmpty ? nil : $0 }
                .map { message.mode == .drill ? OutboxMessage.drillPrefix[language] + $0 : $0 } ?? headline(description)
            if cancelledAt != nil { head = (language == .ko ? "[취소] " : "[CANCELLED] ") + head }
            x.element(2, "headline", headline(head))
            x.element(2, "description", description)
            if let i = info.instruction?[language], !i.isEmpty { x.element(2, "instruction", i) }
            if let web = info.web { x.element(2, "web", web) }
            let area = info.area ?? SeoulCAPArea.area(message.district)
            x.line(2, "<area>")
            x.element(3, "areaDesc", area.description[language].isEmpty ? area.description.ko : area.description[language])
            for g in area.geocodes {
                x.line(3, "<geocode>")
                x.element(4, "valueName", g.name)
                x.element(4, "value", g.value)
                x.line(3, "</geocode>")
            }
            x.line(2, "</area>")
            x.line(1, "</info>")
        }
        x.line(0, "</alert>")
        return x.text
    }

    /// A headline from text: its first line, cut to CAP's 160 characters.
    public static func headline(_ text: String) -> String {
        let firstLine = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? text
        let limit = CAPProfile.headlineLimit
        return firstLine.count <= limit ? firstLine : String(firstLine.prefix(limit - 1)) + "…"
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
