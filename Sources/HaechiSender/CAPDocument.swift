import Foundation
import HaechiCore

/// A minimal, valid CAP 1.2 alert for one message in one language (OASIS CAP v1.2, §3).
/// Drills are `Exercise` with the exercise named in `<note>`, so aggregators never publish them;
/// a correction is an `Update` that references the alert it corrects.
public enum CAPDocument {
    public static func identifier(messageID: String, language: Language) -> String { "haechi-\(messageID)-\(language.rawValue)" }

    public static func render(_ post: Post, sender: String) -> String {
        let m = post.message
        let lang = post.language
        let cap = m.cap
        var xml = #"<?xml version="1.0" encoding="UTF-8"?>"# + "\n"
        xml += #"<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">"# + "\n"
        func element(_ name: String, _ value: String, indent: Int = 1) {
            xml += String(repeating: "  ", count: indent) + "<\(name)>\(escape(value))</\(name)>\n"
        }
        element("identifier", identifier(messageID: m.id, language: lang))
        element("sender", sender)
        element("sent", timestamp(m.created))
        element("status", m.mode == .drill ? "Exercise" : "Actual")
        element("msgType", post.isCorrection ? "Update" : "Alert")
        element("scope", "Public")
        if m.mode == .drill {
            element("note", "Drill (훈련)" + (m.incident.map { ": exercise \($0)" } ?? ""))
        }
        if post.isCorrection, let original = m.corrects {
            let sent = post.correctsSent.map(timestamp) ?? timestamp(m.created)
            element("references", "\(sender),\(identifier(messageID: original, language: lang)),\(sent)")
        }
        if let incident = m.incident { element("incidents", incident) }
        xml += "  <info>\n"
        element("language", lang == .ko ? "ko-KR" : "en-US", indent: 2)
        element("category", cap?.category ?? "Other", indent: 2)
        element("event", cap.map { $0.event[lang] }.flatMap { $0.isEmpty ? nil : $0 } ?? (lang == .ko ? "재난 안내" : "Emergency notice"), indent: 2)
        element("urgency", cap?.urgency ?? "Unknown", indent: 2)
        element("severity", cap?.severity ?? "Unknown", indent: 2)
        element("certainty", cap?.certainty ?? "Unknown", indent: 2)
        element("senderName", lang == .ko ? "서울특별시" : "Seoul Metropolitan Government", indent: 2)
        element("description", post.text, indent: 2)
        xml += "    <area>\n"
        element("areaDesc", m.district ?? (lang == .ko ? "서울특별시" : "Seoul"), indent: 3)
        xml += "    </area>\n"
        xml += "  </info>\n"
        xml += "</alert>\n"
        return xml
    }

    /// CAP times have no fractional seconds and an explicit offset ("-00:00" style, not "Z").
    static func timestamp(_ date: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(secondsFromGMT: 9 * 3600)
        f.dateFormat = "yyyy-MM-dd'T'HH:mm:ssxxx"
        return f.string(from: date)
    }

    /// One XML escaping rule for every CAP document Haechi writes: the core's.
    static func escape(_ s: String) -> String { CAPAlert.escape(s) }
}
