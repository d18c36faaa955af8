import CAPSchemaCheck
import Foundation
import Testing
@testable import HaechiCore
#if canImport(FoundationXML)
import FoundationXML
#endif

/// CAP 1.2 output, parsed back with XMLParser and validated against the OASIS XSD: every
/// required element, the right status and message type, one info per language, references for
/// updates and cancels, escaping, and the fields resolved from the bundled manuals.
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

    /// Parses a document and checks it against the CAP 1.2 XSD.
    func parse(_ xml: String) throws -> Collector {
        let problems = try CAPSchema.problems(xml)
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
        let parser = XMLParser(data: Data(xml.utf8))
        let collector = Collector()
        parser.delegate = collector
        #expect(parser.parse(), "not well-formed: \(parser.parserError.map { "\($0)" } ?? "")\n\(xml)")
        return collector
    }

    static let created = Date(timeIntervalSince1970: 1_795_935_900)   // 2026-11-29 16:05 KST
    static let sender = CAPAlert.Sender(id: "haechi@example.org")
    var message: OutboxMessage {
        var m = OutboxMessage(
            id: "m-20261129070500-0000abcd", incident: "drill-7", manual: "typhoon", district: "마포구", mode: .drill, kind: .emergency,
            channels: ["cap"], text: Localized(ko: "마포구 <하천> & \"지하차도\" 접근 금지\u{07}", en: "Keep away from rivers & underpasses"),
            operator: "kim", created: Self.created)
        m.cap = CAPProfile.resolve(mapping: CAPMapping(category: "Met", event: .init(ko: "태풍경보", en: "Typhoon warning"), responseTypes: ["Prepare"]),
                                   kind: .emergency, level: .alert, created: Self.created, district: "마포구",
                                   headline: Localized(ko: "태풍경보 · 마포구", en: "Typhoon warning · Mapo"), instruction: nil)
        return m
    }

    @Test func everyRequiredElementIsThere() throws {
        let c = try parse(CAPAlert.render(message, sender: Self.sender))
        #expect(c.namespace == "urn:oasis:names:tc:emergency:cap:1.2")
        for required in ["identifier", "sender", "sent", "status", "msgType", "scope"] {
            #expect(c.values("alert/\(required)").count == 1, "alert/\(required)")
        }
        for required in ["language", "category", "event", "urgency", "severity", "certainty", "headline", "description", "expires"] {
            #expect(c.values("alert/info/\(required)").count == 2, "info/\(required) in both languages")
        }
        #expect(c.values("alert/info/area/areaDesc") == ["서울특별시 마포구", "Mapo-gu, Seoul"])
        #expect(c.values("alert/info/area/geocode/value") == ["1144000000", "KR-11", "1144000000", "KR-11"])
        #expect(c.values("alert/identifier") == [message.id])
        #expect(c.values("alert/sent") == ["2026-11-29T16:05:00+09:00"])
        #expect(c.values("alert/info/expires") == ["2026-11-29T22:05:00+09:00", "2026-11-29T22:05:00+09:00"])
        #expect(c.values("alert/msgType") == ["Alert"])
        #expect(c.values("alert/info/language") == ["ko-KR", "en-US"])
        #expect(c.values("alert/info/event") == ["태풍경보", "Typhoon warning"])
        #expect(c.values("alert/info/responseType") == ["Prepare", "Prepare"])
        #expect(c.values("alert/info/headline") == ["[훈련] 태풍경보 · 마포구", "[DRILL] Typhoon warning · Mapo"])
        #expect(c.values("alert/info/senderName") == ["서울특별시", "Seoul Metropolitan Government"])
        #expect(c.values("alert/references").isEmpty)
    }

    @Test func drillsAreExercisesWithTheDrillIDInNoteAndLiveIsActual() throws {
        let drill = try parse(CAPAlert.render(message, sender: Self.sender))
        #expect(drill.values("alert/status") == ["Exercise"])
        #expect(drill.values("alert/note").first?.contains("drill-7") == true)
        #expect(drill.values("alert/info/description").first?.hasPrefix("[훈련] ") == true)
        var live = message; live.mode = .live; live.incident = "inc-1"
        let actual = try parse(CAPAlert.render(live, sender: CAPAlert.Sender(id: "s", name: Localized(ko: "마포구청", en: "Mapo-gu Office"))))
        #expect(actual.values("alert/status") == ["Actual"])
        #expect(actual.values("alert/note").first?.contains("inc-1") == true)
        #expect(actual.values("alert/info/description").first?.hasPrefix("[") == false)
        #expect(actual.values("alert/info/senderName") == ["마포구청", "Mapo-gu Office"])
    }

    @Test func textIsEscapedAndControlCharactersCannotBreakTheDocument() throws {
        let c = try parse(CAPAlert.render(message, sender: CAPAlert.Sender(id: "a&b<c>")))
        #expect(c.values("alert/sender") == ["a&b<c>"])
        #expect(c.values("alert/info/description").first == "[훈련] 마포구 <하천> & \"지하차도\" 접근 금지\u{FFFD}")
    }

    @Test func updatesAndCancelsReferenceTheOriginal() throws {
        // A correction composed now carries its Update and references in its CAP block.
        let draft = ComposeDraft(correcting: message)
        #expect(draft.capType == .update)
        var correction = message
        correction.id = "m-20261129071000-00000001"; correction.corrects = message.id
        correction.created = Self.created.addingTimeInterval(300)
        correction.cap = CAPProfile.resolve(draft, created: correction.created)
        let update = try parse(CAPAlert.render(correction, isCorrection: true, sender: CAPAlert.Sender(id: "s")))
        #expect(update.values("alert/msgType") == ["Update"])
        #expect(update.values("alert/references") == ["s,\(message.id),2026-11-29T16:05:00+09:00"])
        #expect(update.values("alert/info/headline").first == "[훈련] [정정] 태풍경보 · 마포구")

        // A correction record of an older outbox, without the block: Update of what it corrects.
        var old = correction; old.cap = nil
        let oldUpdate = try parse(CAPAlert.render(old, isCorrection: true, correctsSent: Self.created, sender: CAPAlert.Sender(id: "s")))
        #expect(oldUpdate.values("alert/msgType") == ["Update"])
        #expect(oldUpdate.values("alert/references") == ["s,\(message.id),2026-11-29T16:05:00+09:00"])

        let cancel = try parse(CAPAlert.render(message, sender: CAPAlert.Sender(id: "s"), cancelledAt: Self.created.addingTimeInterval(600)))
        #expect(cancel.values("alert/msgType") == ["Cancel"])
        #expect(cancel.values("alert/identifier") == [message.id + "-cancel"])
        #expect(cancel.values("alert/sent") == ["2026-11-29T16:15:00+09:00"])
        #expect(cancel.values("alert/references") == ["s,\(message.id),2026-11-29T16:05:00+09:00"])
    }

    @Test func aMessageWithoutCAPFieldsStillGetsValidValues() throws {
        var plain = message; plain.cap = nil; plain.district = nil; plain.text.en = ""
        let c = try parse(CAPAlert.render(plain, sender: Self.sender))
        #expect(c.values("alert/info/language") == ["ko-KR"])
        #expect(c.values("alert/info/category") == ["Safety"])
        #expect(c.values("alert/info/urgency") == ["Immediate"])
        #expect(c.values("alert/info/area/areaDesc") == ["서울특별시"])
        #expect(c.values("alert/info/area/geocode/value") == ["1100000000", "KR-11"])
    }

    @Test func urgencySeverityAndCertaintyFollowClassAndLevel() {
        #expect(CAPProfile.assessment(kind: .critical, level: .interest) == ("Immediate", "Extreme", "Observed"))
        #expect(CAPProfile.assessment(kind: .emergency, level: .caution) == ("Immediate", "Severe", "Likely"))
        #expect(CAPProfile.assessment(kind: .emergency, level: .serious) == ("Immediate", "Extreme", "Observed"))
        #expect(CAPProfile.assessment(kind: .safety, level: .caution) == ("Expected", "Moderate", "Likely"))
        #expect(CAPProfile.assessment(kind: .safety, level: .alert) == ("Expected", "Severe", "Observed"))
        #expect(CAPProfile.assessment(kind: .info, level: .interest) == ("Expected", "Minor", "Possible"))
        #expect(CAPProfile.assessment(kind: .info, level: .serious) == ("Expected", "Moderate", "Likely"))
    }

    @Test func districtsBecomeAdministrativeCodesAndOnlyWholeNamesMatch() {
        #expect(SeoulCAPArea.area("마포구, 서대문구").geocodes.map(\.value) == ["11410" + "00000", "11440" + "00000", "KR-11"])
        #expect(SeoulCAPArea.area("중랑구").geocodes.map(\.value) == ["1126000000", "KR-11"])
        #expect(SeoulCAPArea.area("서울특별시 중구").geocodes.first?.value == "1114000000")
        #expect(SeoulCAPArea.area("Gangnam-gu").description.ko == "서울특별시 강남구")
        #expect(SeoulCAPArea.area("여의도 일대").geocodes.first?.value == "1100000000")
        #expect(SeoulCAPArea.area("여의도 일대").description.ko == "여의도 일대")
        #expect(SeoulCAPArea.districts.count == 25)
    }

    /// Queues each CAP template of several bundled manuals as the TUI would, renders it, and
    /// checks the resolved fields and the schema.
    @Test(arguments: [
        ("heavy-snow", "HS-07", "Met", "대설경보", "Prepare", "Expected/Severe/Observed", "[훈련] [서울시] 대설경보 · 은평구", 12.0),
        ("heavy-rain", "HR-07", "Met", "도시침수 대피", "Evacuate", "Immediate/Severe/Likely", "[훈련] [서울시] 도시침수 대피 · 은평구", 6.0),
        ("chemical-release", "CR-06", "CBRNE", "화학물질 유출 실내대피", "Shelter", "Immediate/Severe/Observed", nil, 6.0),
        ("earthquake", "EQ-05", "Geo", "지진", "Evacuate", "Immediate/Extreme/Observed", "[훈련] [서울시] 지진", 3.0),
        ("typhoon", "TY-14", "Met", "태풍 특보 해제", "AllClear", "Past/Minor/Observed", nil, 1.0),
    ])
    func bundledManualsGiveAccurateAlerts(manualID: String, stepID: String, category: String, event: String, response: String,
                                          assessment: String, headline: String?, expiresHours: Double) throws {
        let library = ManualLibrary.load(directory: repositoryManuals)
        let manual = try #require(library.manual(id: manualID))
        let step = try #require(manual.step(id: stepID))
        let template = try #require(step.message)
        var variables: [String: String] = ["district": "은평구"]
        for v in manual.variables where variables[v.id] == nil { variables[v.id] = v.example ?? "가" }
        let draft = ComposeDraft(template: template, manual: manual, step: step, mode: .drill, incident: "drill-1",
                                 variables: variables, level: .alert)
        let check = Compose.check(draft, channels: library.channels, now: Self.created)
        let record = try #require(Compose.record(draft, check: check, id: "m-1", operator: "kim", created: Self.created))
        let m = try #require({ if case .message(let m) = record { m } else { nil } }() as OutboxMessage?, "not a message record")
        let c = try parse(CAPAlert.render(m, sender: Self.sender))
        #expect(c.values("alert/info/category").first == category)
        #expect(c.values("alert/info/event").first == event)
        #expect(c.values("alert/info/responseType").first == response)
        let a = ["urgency", "severity", "certainty"].map { c.values("alert/info/\($0)").first ?? "" }.joined(separator: "/")
        #expect(a == assessment)
        if let headline { #expect(c.values("alert/info/headline").first == headline) }
        #expect(c.values("alert/info/headline").allSatisfy { $0.count <= 160 && !$0.contains("{") })
        #expect(c.values("alert/info/expires").first == CAPAlert.timestamp(Self.created.addingTimeInterval(expiresHours * 3600), Placeholders.Context.seoul))
        #expect(c.values("alert/info/web").first == "https://safecity.seoul.go.kr")
        #expect(c.values("alert/info/area/geocode/value").first == "1138000000")
        #expect(c.values("alert/info/description").first == m.postText(.ko))
        #expect(c.values("alert/info/headline").first != c.values("alert/info/description").first)
    }

    @Test func everyBundledManualHasAMappingAndEveryCAPTemplateAHeadline() throws {
        let library = ManualLibrary.load(directory: repositoryManuals)
        #expect(library.manuals.count >= 16)
        var documents: [String] = []
        for manual in library.manuals {
            let mapping = try #require(manual.cap, "\(manual.id) has no cap: block")
            #expect(mapping.category != nil && mapping.event != nil)
            #expect(manual.publicUpdates?.isEmpty == false, "\(manual.id) has no public_updates")
            for step in manual.allSteps {
                guard let t = step.message, t.channels.contains("cap") else { continue }
                #expect(t.headline != nil, "\(manual.id) \(step.id) has no headline")
                let m = OutboxMessage(id: "m-\(step.id)", incident: "i", manual: manual.id, district: "종로구", mode: .live,
                                      kind: t.messageClass, channels: ["cap"], text: t.text, operator: "k", created: Self.created,
                                      cap: CAPProfile.resolve(mapping: manual.cap?.refined(by: t.cap), kind: t.messageClass, level: step.fromLevel,
                                                              created: Self.created, district: "종로구", headline: t.headline, instruction: t.instruction))
                documents.append(CAPAlert.render(m, sender: Self.sender))
            }
        }
        #expect(documents.count >= 32)
        #expect(try CAPSchema.problems(documents) == [])
    }

    @Test func theSchemaCheckRejectsAnInvalidDocument() throws {
        // The validator must be able to fail: urgency before category breaks the XSD's sequence.
        let bad = CAPAlert.render(message, sender: Self.sender).replacingOccurrences(of: "<category>Met</category>", with: "<category>Weather</category>")
        #expect(try CAPSchema.problems([bad]).isEmpty == false)
    }
}

/// The feed's notion of "in force": superseded, cancelled and expired alerts drop out.
@Suite struct CAPFeedTests {
    static let t0 = Date(timeIntervalSince1970: 1_795_935_900)
    func entry(_ id: String, _ type: CAPMessageType, refs: [String] = [], at minutes: Double, expiresIn: Double? = 60) -> CAPFeedEntry {
        let sent = Self.t0.addingTimeInterval(minutes * 60)
        return CAPFeedEntry(identifier: id, sent: sent, type: type, references: refs, expires: expiresIn.map { sent.addingTimeInterval($0 * 60) },
                            headline: id, file: id + ".xml")
    }

    @Test func updatesSupersedeCancelsRemoveAndExpiryDrops() {
        let a = entry("a", .alert, at: 0), b = entry("b", .alert, at: 1, expiresIn: 10)
        let u = entry("u", .update, refs: ["a"], at: 2)
        let x = entry("x", .cancel, refs: ["u"], at: 3)
        let now = Self.t0.addingTimeInterval(5 * 60)
        #expect(CAPFeed.active([a, b], now: now).map(\.identifier) == ["b", "a"])
        #expect(CAPFeed.active([a, b, u], now: now).map(\.identifier) == ["u", "b"])
        #expect(CAPFeed.active([a, b, u, x], now: now).map(\.identifier) == ["b"])
        #expect(CAPFeed.nextExpiry([a, b, u, x], now: now) == Self.t0.addingTimeInterval(11 * 60))
        #expect(CAPFeed.active([a, b, u, x], now: Self.t0.addingTimeInterval(12 * 60)).isEmpty)
        let clear = entry("c", .update, refs: ["a", "b"], at: 4)
        #expect(CAPFeed.active([a, b, clear], now: now).map(\.identifier) == ["c"])
    }

    @Test func theAtomFeedListsEachActiveAlertWithItsLink() throws {
        let xml = CAPFeed.atom([entry("m-1", .alert, at: 0)], feedID: "urn:x", title: "Seoul & co", author: "Seoul", updated: Self.t0,
                               base: "https://alerts.example/cap/")
        #expect(xml.contains("<link rel=\"alternate\" type=\"application/cap+xml\" href=\"https://alerts.example/cap/m-1.xml\"/>"))
        #expect(xml.contains("<title>Seoul &amp; co</title>"))
        #expect(xml.contains("<id>urn:haechi:cap:m-1</id>"))
        #expect(XMLParser(data: Data(xml.utf8)).parse())
    }
}

/// The manual format's CAP fields: read when right, each mistake reported at its place.
@Suite struct CAPManualFormatTests {
    /// The fixture manual with a manual-level block after `revised:` (line 5) and template lines
    /// after the last text line (31); both shift nothing above them.
    func load(manual: [String] = [], template: [String]) -> (Manual?, [String]) {
        var lines = fixtureManual.components(separatedBy: "\n")
        lines.append(contentsOf: template)
        lines.insert(contentsOf: manual, at: 5)
        let (m, d) = ManualLoader.load(data: Data(lines.joined(separator: "\n").utf8), file: "flood.yaml", channels: fixtureLibrary())
        return (m, d.map(\.description))
    }

    @Test func mappingHeadlineInstructionAndCadenceAreRead() throws {
        let (manual, errors) = load(manual: ["cap: {category: Met, event: {ko: 침수, en: Flooding}, response: Monitor, web: https://safecity.seoul.go.kr}",
                                             "public_updates: {경계: 30, red: 15}",
                                             "all_clear: {ko: \"{district} 침수 상황 해제\", en: \"All clear in {district}\"}"],
                                    template: ["          cap: {event: {ko: 침수 대피, en: Flood evacuation}, response: [Evacuate, Avoid], expires: 90m}",
                                               "          headline: {ko: \"{district} 침수 대피\", en: \"Flood evacuation: {district}\"}",
                                               "          instruction: {ko: 높은 곳으로 대피하십시오., en: Move to higher ground.}"])
        #expect(errors == [])
        let m = try #require(manual)
        #expect(m.cap == CAPMapping(category: "Met", event: Localized(ko: "침수", en: "Flooding"), responseTypes: ["Monitor"], web: "https://safecity.seoul.go.kr"))
        #expect(m.publicUpdates == [.alert: 30, .serious: 15])
        #expect(m.allClear?.en == "All clear in {district}")
        let t = try #require(m.step(id: "F-02")?.message)
        #expect(t.cap == CAPMapping(event: Localized(ko: "침수 대피", en: "Flood evacuation"), responseTypes: ["Evacuate", "Avoid"], expires: 5400))
        #expect(t.headline?.ko == "{district} 침수 대피")
        #expect(t.instruction?.en == "Move to higher ground.")
        let refined = try #require(m.cap?.refined(by: t.cap))
        #expect(refined.category == "Met" && refined.web == "https://safecity.seoul.go.kr" && refined.event?.ko == "침수 대피")
    }

    @Test func mistakesAreReportedAtTheirPlace() {
        let long = String(repeating: "가", count: 150)
        let (_, headline) = load(template: ["          headline: {ko: \"\(long) {district}\", en: ok}"])
        #expect(headline.count == 1)
        #expect(headline.first?.hasPrefix("flood.yaml:32:26: error: headline.ko is 164 characters, over CAP's 160 by 4") == true, "\(headline)")

        let (_, response) = load(template: ["          cap: {response: [Run]}"])
        #expect(response.first?.hasPrefix("flood.yaml:32:28: error:") == true, "\(response)")
        #expect(response.first?.contains("cap.response") == true)

        let (_, expires) = load(template: ["          cap: {expires: 10s, web: ftp://x}"])
        #expect(expires.count == 2)
        #expect(expires.first?.contains("flood.yaml:32:26: error: cap.expires must be a duration from 1m to 168h") == true, "\(expires)")
        #expect(expires.last?.contains("cap.web must be a full http(s) URL") == true)

        let (_, cadence) = load(manual: ["public_updates: {폭풍: 30, 경계: 0}"], template: [])
        #expect(cadence.count == 2, "\(cadence)")
        #expect(cadence.contains { $0.hasPrefix("flood.yaml:6:18: error: unknown key '폭풍'") })
        #expect(cadence.contains { $0.hasPrefix("flood.yaml:6:30: error:") && $0.contains("public_updates.경계") }, "\(cadence)")

        let (_, noEvent) = load(manual: ["cap: {category: Met}"], template: [])
        #expect(noEvent.first?.hasPrefix("flood.yaml:6:6: error:") == true, "\(noEvent)")
        #expect(noEvent.first?.contains("event") == true)
    }
}

/// The public-update cadence: when the next update is due, overdue, and what the report scores.
@Suite struct PublicUpdatesTests {
    static let t0 = Date(timeIntervalSince1970: 1_795_935_900)
    func at(_ minutes: Double) -> Date { Self.t0.addingTimeInterval(minutes * 60) }
    let cadence: [AlertLevel: Int] = [.caution: 60, .alert: 30, .serious: 15]

    @Test func dueCountsFromTheLastMessageAtTheLevelsInterval() throws {
        let walk = PublicUpdates.walk(cadence: cadence, opened: at(0), level: .alert, events: [.message(at: at(10))], end: at(28))
        #expect(walk.deadlines.map(\.isOnTime) == [true])
        #expect(walk.next?.due == at(40))
        #expect(!walk.isOverdue)
        #expect(PublicUpdates.line(walk, language: .en) == "next public update due in 12 min")
        #expect(PublicUpdates.line(walk, language: .ko) == "다음 시민 안내 12분 후")
    }

    @Test func aHigherLevelBringsTheDeadlineForwardAndLateUpdatesAreScored() throws {
        let events: [PublicUpdates.Event] = [.message(at: at(5)), .level(.serious, at: at(20)), .message(at: at(50)), .message(at: at(60))]
        let walk = PublicUpdates.walk(cadence: cadence, opened: at(0), level: .caution, events: events, end: at(90))
        // 60 min at 주의 from 5 → 65; 심각 at 20 brings it to 35; the message at 50 is 15 min late.
        #expect(walk.deadlines.map(\.due) == [at(60), at(35), at(65)])
        #expect(walk.deadlines.map(\.isOnTime) == [true, false, true])
        #expect(walk.next?.due == at(75))
        #expect(walk.isOverdue)
        #expect(walk.scored.count == 4)
        #expect(walk.onTime == 2)
        #expect(walk.longestLateness == 15 * 60)
        #expect(PublicUpdates.line(walk, language: .en) == "public update OVERDUE by 15 min (Red: every 15 min)")
    }

    @Test func noCadenceAtALevelMeansNoLine() {
        let walk = PublicUpdates.walk(cadence: [.serious: 15], opened: at(0), level: .alert, events: [], end: at(100))
        #expect(walk.next == nil)
        #expect(PublicUpdates.line(walk, language: .en) == nil)
        #expect(PublicUpdates.walk(cadence: nil, opened: at(0), level: .serious, events: [], end: at(5)).next == nil)
    }
}
