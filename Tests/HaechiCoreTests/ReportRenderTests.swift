import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import HaechiCore

@Suite struct ReportRenderTests {
    static func hostileReport() throws -> IncidentReport {
        var journal = ReportFixture.liveJournal
        journal.append(ReportFixture.event(.note, 9, "<b>evil</b>", text: "</td><script>alert(1)</script> | # \u{1B}[31mred\u{1B}[0m"))
        var input = ReportFixture.liveInput
        input.journal = journal
        return try IncidentReport.build(input)
    }

    @Test func htmlEscapesEveryTextAndFetchesNothing() throws {
        let html = ReportHTML.render(try Self.hostileReport(), style: ReportStyle(language: .en))
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(!html.contains("<script"))
        #expect(!html.contains("<b>evil"))
        #expect(html.contains("&lt;/td&gt;&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(!html.contains("\u{1B}"))
        #expect(!html.contains("http://") || !html.contains("src="))
        #expect(html.components(separatedBy: "<svg").count == 2)
        #expect(html.contains("@media print"))
        // English titles were asked for.
        #expect(html.contains("Step alert-staff"))
    }

    @Test func svgMarksEveryStepDeadlineLevelAndMessage() throws {
        let r = try IncidentReport.build(ReportFixture.liveInput)
        let svg = ReportSVG.render(r, style: ReportStyle())
        let shown = r.steps.filter { $0.outcome != .notApplicable }
        #expect(svg.components(separatedBy: "<rect").count - 1 == shown.count)
        #expect(svg.components(separatedBy: "class=\"target\"").count - 1 == shown.filter { $0.deadline != nil }.count)
        #expect(svg.components(separatedBy: "class=\"lvl\"").count - 1 == 2)
        #expect(svg.components(separatedBy: "fill=\"#3b73c8\"").count - 1 == r.messages.count)
        #expect(svg.contains("bar late"))
        #expect(svg.contains("bar open"))   // "report", never done
        // The SVG must be well-formed XML, or browsers show nothing at all.
        let doc = try XMLDocument(xmlString: svg)
        #expect(doc.rootElement()?.name == "svg")
    }

    @Test func markdownKeepsTablesIntact() throws {
        let md = ReportMarkdown.render(try Self.hostileReport(), style: ReportStyle(language: .en))
        let row = try #require(md.split(separator: "\n").first { $0.hasPrefix("|") && $0.contains("alert(1)") })
        // The operator's pipe is escaped, so the row still has exactly the table's 6 separators.
        #expect(row.replacingOccurrences(of: "\\|", with: "").filter { $0 == "|" }.count == 6)
        #expect(!md.contains("<script>"))
        #expect(!md.contains("\u{1B}"))
        #expect(md.contains("- Steps on time: **2 of 6** (33%); late 2, skipped 1, never done 1"))
        #expect(md.contains("- Time to the first delivered message: **13 min 20 s**"))
        #expect(md.contains("- Messages: 4; posts delivered 5, dead 1, unknown 1, cancelled 2, waiting 3"))
        #expect(md.contains("| `evacuate` | Step evacuate | 경계 | +30:00 | +35:00 | late by 5 min | lee |"))
    }

    /// Issue 9: "dead:" and "delivered as" appeared in the Korean report, and variables were
    /// shown by id (`snow_cm`). Every label, outcome, delivery and timeline line is Korean now.
    @Test func theKoreanReportIsKoreanThroughoutAndShowsVariableLabels() throws {
        let r = try IncidentReport.build(ReportFixture.liveInput)
        let md = ReportMarkdown.render(r, style: ReportStyle(language: .ko))
        let html = ReportHTML.render(r, style: ReportStyle(language: .ko))
        let english = ["dead", "delivered", "Steps", "Opened", "Closed", "never done", "late by", "on time", "queued", "approved by",
                       "cancelled", "outcome unknown", "retried", "Summary", "Timeline", "Messages", "Variable", "level →", "step "]
        // CSS (`class="dead"`, `.dead { … }`) is not text anyone reads; the sender's reasons
        // ("template not approved") are data, shown as the sender wrote them.
        let visible = html.replacingOccurrences(of: #"class="[^"]*""#, with: "", options: .regularExpression)
            .replacingOccurrences(of: #"<style>[\s\S]*?</style>"#, with: "", options: .regularExpression)
        for text in [md, visible] {
            for word in english { #expect(!text.contains(word), "'\(word)' in the Korean report") }
        }
        #expect(md.contains("| 자치구 | 강남구 |"))
        #expect(html.contains("<tr><th>자치구</th><td>강남구</td></tr>"))
        #expect(md.contains("kakao (ko): 실패: template not approved"))
        #expect(md.contains("x (ko): 전달됨 (게시 번호 1700)"))
        #expect(md.contains("| `evacuate` | 단계 evacuate | 경계 | +30:00 | +35:00 | 지연 5분 | lee |"))
        #expect(md.contains("m1 kakao (ko) 실패: template not approved"))
        // English labels the variable in English; the values stay as typed.
        let en = ReportMarkdown.render(r, style: ReportStyle(language: .en))
        #expect(en.contains("| District | 강남구 |") && !en.contains("district"))
        // What did not add up is said in Korean too.
        var odd = ReportFixture.liveInput
        odd.journal.append(ReportFixture.event(.note, 5, text: "wrong file", incident: "INC-2"))
        let oddMD = ReportMarkdown.render(try IncidentReport.build(odd), style: ReportStyle(language: .ko))
        #expect(oddMD.contains("## 기록에서 발견된 문제") && oddMD.contains("- 다른 사건의 기록 1줄을 제외했습니다"))
        #expect(!oddMD.contains("another incident"))
        // Without the manual there is no label: the id is shown rather than nothing.
        let bare = try IncidentReport.build(ReportInput(journal: ReportFixture.liveJournal))
        #expect(ReportMarkdown.render(bare, style: ReportStyle(language: .ko)).contains("| district | 강남구 |"))
    }

    @Test func jsonRoundTrips() throws {
        let r = try IncidentReport.build(ReportInput(journal: ReportFixture.drillJournal(), manual: ReportFixture.manual,
                                                     scenario: ReportFixture.scenario))
        let text = try ReportJSON.render(r)
        #expect(text.contains("\"posts\" : {"))
        #expect(try ReportJSON.decode(text) == r)
    }

    @Test func timesAreWrittenInTheChosenZone() {
        let seoul = ReportStyle()
        #expect(seoul.dateTime(ReportFixture.t0) == "2026-11-18 20:06:40 +0900")
        var utc = seoul
        utc.timeZone = TimeZone(identifier: "UTC")!
        #expect(utc.clock(ReportFixture.t0) == "11:06:40")
        #expect(ReportText.offset(3725) == "+1:02:05")
        #expect(ReportText.offset(65) == "+01:05")
        #expect(ReportText.duration(125) == "2 min 5 s")
        #expect(ReportText.duration(125, .ko) == "2분 5초")
        #expect(ReportText.duration(3720, .ko) == "1시간 2분")
    }

    @Test func manualPageListsEveryStepAndEscapes() {
        var manual = ReportFixture.manual
        manual.phases[0].steps[0].instructions = Localized(ko: "<img src=x onerror=alert(1)>", en: "x")
        let html = ManualHTML.render(manual, language: .ko)
        for step in manual.allSteps { #expect(html.contains("id=\"step-\(step.id)\"")) }
        #expect(!html.contains("<img"))
        #expect(html.contains("{district} 호우"))
        #expect(html.contains("Rain in {district}"))   // both languages of a template
    }
}
