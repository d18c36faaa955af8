import Foundation
import Testing
@testable import HaechiCore
#if canImport(FoundationXML)
import FoundationXML
#endif

/// CAP 1.2 output, parsed back with XMLParser: every required element, the right status and
/// message type, one info per language, references for updates and cancels, escaping.
@Suite struct CAPTests {
    /// The elements as a flat list of (path, text), e.g. ("alert/info/area/areaDesc", "마포구").
    final class Collector: NSObject, XMLParserDelegate {
        var stack: [String] = []
        var text = ""
        var elements: [(path: String, text: String)] = []
        var namespace: String?
        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String] = [:]) {
            if stack.isEmpty { namespace = attributes["xmlns"] ?? namespaceURI }
            stack.append(name); text = ""
        }
        func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }
        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            elements.append((stack.joined(separator: "/"), text.trimmingCharacters(in: .whitespacesAndNewlines)))
            stack.removeLast(); text = ""
        }
        func values(_ path: String) -> [String] { elements.filter { $0.path == path }.map(\.text) }
    }

    func parse(_ xml: String) throws -> Collector {
        let parser = XMLParser(data: Data(xml.utf8))
        let collector = Collector()
        parser.delegate = collector
        #expect(parser.parse(), "not well-formed: \(parser.parserError.map { "\($0)" } ?? "")\n\(xml)")
        return collector
    }

    static let created = Date(timeIntervalSince1970: 1_795_935_900)   // 2026-11-29 16:05 KST
    let message = OutboxMessage(
        id: "m-20261129070500-0000abcd", incident: "drill-7", manual: "typhoon", district: "마포구", mode: .drill, kind: .emergency,
        channels: ["cap"], text: Localized(ko: "마포구 <하천> & \"지하차도\" 접근 금지\u{07}", en: "Keep away from rivers & underpasses"),
        operator: "kim", created: created,
        cap: CAPInfo(category: "Met", event: .init(ko: "태풍경보", en: "Typhoon warning"), urgency: "Immediate", severity: "Severe", certainty: "Likely"))

    @Test func everyRequiredElementIsThere() throws {
        let c = try parse(CAPAlert.render(message, type: .alert, sender: "haechi@example.org"))
        #expect(c.namespace == "urn:oasis:names:tc:emergency:cap:1.2")
        for required in ["identifier", "sender", "sent", "status", "msgType", "scope"] {
            #expect(c.values("alert/\(required)").count == 1, "alert/\(required)")
        }
        for required in ["language", "category", "event", "urgency", "severity", "certainty", "headline", "description"] {
            #expect(c.values("alert/info/\(required)").count == 2, "info/\(required) in both languages")
        }
        #expect(c.values("alert/info/area/areaDesc") == ["마포구", "마포구"])
        #expect(c.values("alert/identifier") == [message.id])
        #expect(c.values("alert/sent") == ["2026-11-29T16:05:00+09:00"])
        #expect(c.values("alert/scope") == ["Public"])
        #expect(c.values("alert/msgType") == ["Alert"])
        #expect(c.values("alert/info/language") == ["ko-KR", "en-US"])
        #expect(c.values("alert/info/event") == ["태풍경보", "Typhoon warning"])
        #expect(c.values("alert/references").isEmpty)
    }

    @Test func drillsAreExercisesWithTheDrillIDInNoteAndLiveIsActual() throws {
        let drill = try parse(CAPAlert.render(message, type: .alert, sender: "s"))
        #expect(drill.values("alert/status") == ["Exercise"])
        #expect(drill.values("alert/note").first?.contains("drill-7") == true)
        #expect(drill.values("alert/info/description").first?.hasPrefix("[훈련] ") == true)
        var live = message; live.mode = .live; live.incident = "inc-1"
        let actual = try parse(CAPAlert.render(live, type: .alert, sender: "s"))
        #expect(actual.values("alert/status") == ["Actual"])
        #expect(actual.values("alert/note").first?.contains("inc-1") == true)
        #expect(actual.values("alert/info/description").first?.hasPrefix("[") == false)
    }

    @Test func textIsEscapedAndControlCharactersCannotBreakTheDocument() throws {
        let c = try parse(CAPAlert.render(message, type: .alert, sender: "a&b<c>"))
        #expect(c.values("alert/sender") == ["a&b<c>"])
        #expect(c.values("alert/info/description").first == "[훈련] 마포구 <하천> & \"지하차도\" 접근 금지\u{FFFD}")
    }

    @Test func updatesAndCancelsReferenceTheOriginal() throws {
        var correction = message
        correction.id = "m-20261129071000-00000001"; correction.corrects = message.id
        let update = try parse(CAPAlert.render(correction, type: .update, sender: "s",
                                               references: [.init(identifier: message.id, sent: message.created)]))
        #expect(update.values("alert/msgType") == ["Update"])
        #expect(update.values("alert/references") == ["s,\(message.id),2026-11-29T16:05:00+09:00"])

        let cancel = try parse(CAPAlert.render(message, type: .cancel, sender: "s",
                                               references: [.init(identifier: message.id, sent: message.created)],
                                               sent: Self.created.addingTimeInterval(600)))
        #expect(cancel.values("alert/msgType") == ["Cancel"])
        #expect(cancel.values("alert/identifier") == [message.id + "-cancel"])
        #expect(cancel.values("alert/sent") == ["2026-11-29T16:15:00+09:00"])
        #expect(cancel.values("alert/references").count == 1)
    }

    @Test func aMessageWithoutCAPFieldsStillGetsValidValues() throws {
        var plain = message; plain.cap = nil; plain.district = nil; plain.text.en = ""
        let c = try parse(CAPAlert.render(plain, type: .alert, sender: "s"))
        #expect(c.values("alert/info/language") == ["ko-KR"])
        #expect(CAPInfo.categories.contains(c.values("alert/info/category")[0]))
        #expect(CAPInfo.urgencies.contains(c.values("alert/info/urgency")[0]))
        #expect(CAPInfo.severities.contains(c.values("alert/info/severity")[0]))
        #expect(CAPInfo.certainties.contains(c.values("alert/info/certainty")[0]))
        #expect(c.values("alert/info/area/areaDesc") == ["서울특별시"])
    }
}
