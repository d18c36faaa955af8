import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import HaechiCore

/// Reads back what the feed needs from a CAP document in the folder. The folder is the truth:
/// after a restart the feed is rebuilt from the documents themselves, not from a side file
/// that could disagree with them. Rendering is HaechiCore's `CAPAlert` (one renderer).
public enum CAPDocument {
    /// The entry of one document, or nil when it is not a CAP 1.2 alert we can read.
    public static func entry(xml: Data, file: String) -> CAPFeedEntry? {
        let parser = XMLParser(data: xml)
        let reader = Reader()
        parser.delegate = reader
        guard parser.parse(), reader.namespace == CAPAlert.namespace,
              let identifier = reader.values["identifier"]?.first,
              let sent = reader.values["sent"]?.first.flatMap(date),
              let type = reader.values["msgType"]?.first.flatMap(CAPMessageType.init(rawValue:)) else { return nil }
        // "sender,identifier,sent" separated by spaces.
        let references = (reader.values["references"]?.first ?? "").split(separator: " ").compactMap { ref -> String? in
            let parts = ref.split(separator: ",", omittingEmptySubsequences: false)
            return parts.count == 3 ? String(parts[1]) : nil
        }
        let expires = (reader.values["info/expires"] ?? []).compactMap(date).max()
        return CAPFeedEntry(identifier: identifier, sent: sent, type: type, references: references, expires: expires,
                            headline: reader.values["info/headline"]?.first ?? identifier, file: file)
    }

    /// CAP's dateTime: `2026-11-29T16:05:00+09:00`.
    static func date(_ text: String) -> Date? {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.date(from: text)
    }

    /// Collects the text of the alert's own elements and of its `<info>` children, by path
    /// below `<alert>` ("identifier", "info/expires").
    final class Reader: NSObject, XMLParserDelegate {
        var path: [String] = []
        var text = ""
        var values: [String: [String]] = [:]
        var namespace: String?

        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String] = [:]) {
            if path.isEmpty { namespace = attributes["xmlns"] ?? namespaceURI }
            path.append(name)
            text = ""
        }
        func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }
        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            if path.count >= 2 {
                values[path.dropFirst().joined(separator: "/"), default: []].append(text.trimmingCharacters(in: .whitespacesAndNewlines))
            }
            path.removeLast()
            text = ""
        }
    }
}
