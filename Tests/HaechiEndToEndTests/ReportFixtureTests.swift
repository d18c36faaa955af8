import Foundation
import Testing
import HaechiCore
import HaechiStore
import HaechiTestSupport

/// The report on recorded JSONL files read back through the real store, and `haechi report`
/// run as a binary on them.
@Suite(.ownThread, .serialized) struct ReportFixtureTests {
    init() throws {
        let journal = ReportRecording.directory + "/incidents/\(ReportRecording.liveID).jsonl"
        if ProcessInfo.processInfo.environment["HAECHI_RECORD_FIXTURES"] == "1" || !FileManager.default.fileExists(atPath: journal) {
            try ReportRecording.record()
        }
    }

    var state: StateDirectory { StateDirectory(path: ReportRecording.directory) }

    func build(_ id: String) throws -> IncidentReport {
        let library = ManualLibrary.load(directory: Binaries.bundledManuals)
        let (journal, badJournal) = try state.journal(incident: id).readAll()
        let (outbox, badOutbox) = try state.outbox.readAll()
        let (ledger, badLedger) = try state.delivery.readAll()
        #expect(badJournal.isEmpty && badOutbox.isEmpty && badLedger.isEmpty)
        let opened = try #require(Incident.replay(journal))
        let scenario = opened.scenarioID.flatMap {
            ScenarioLoader(library: library).load(file: Binaries.bundledManuals + "/scenarios/\($0).yaml").scenario
        }
        return try IncidentReport.build(ReportInput(journal: journal, outbox: outbox, ledger: ledger,
                                                    manual: library.manual(id: opened.manualID), scenario: scenario,
                                                    channels: library.channels))
    }

    @Test func liveIncidentFigures() throws {
        let r = try build(ReportRecording.liveID)
        #expect(r.problems == [])
        #expect(r.manual.title?.en == "Heavy rain and urban flooding")
        #expect(r.operators == ["kim.duty", "lee.ctrl", "park.chief"])
        #expect(r.levels.map(\.level) == [.caution, .alert])
        #expect(r.duration == 5700)
        let s = r.summary
        #expect(s.stepsApplicable == 12)
        #expect(s.stepsOnTime == 6)
        #expect(s.stepsLate == 3)
        #expect(s.stepsSkipped == 2)
        #expect(s.stepsNotDone == 1)
        #expect(s.stepsNotDue == 3)
        #expect(s.firstDelivered == 978)     // m-hr05 on X at 18:16:18
        #expect(s.messages == 4)
        #expect(s.delivered == 9)
        #expect(s.dead == 2)
        #expect(s.unknown == 1)
        #expect(s.posts[.cancelled] == 1)
        let late = Dictionary(uniqueKeysWithValues: r.steps.compactMap { s in s.lateBy.map { (s.id, $0) } })
        #expect(late == ["HR-01": 30, "HR-03": 240, "HR-10": 480])
        #expect(r.steps.first { $0.id == "HR-06" }?.reason == "잠수교는 홍수통제소가 이미 통제함")
        let m7 = try #require(r.messages.first { $0.id == "m-hr07" })
        #expect(m7.approvedBy == "park.chief")
        #expect(m7.correctedBy == ["m-hr07c"])
        #expect(m7.deliveries.first { $0.channel == "kakao" }?.state == .unknown)
        #expect(r.messages.first { $0.id == "m-dup" }?.cancelReason == "m-hr07과 중복")
    }

    @Test func drillScoreAgainstTheShippedScenario() throws {
        let r = try build(ReportRecording.drillID)
        let d = try #require(r.drill)
        #expect(r.mode == .drill)
        #expect(r.scenario?.title?.en == "Gangnam cloudburst (urban flooding)")
        #expect(d.expected == 5)
        #expect(d.answered == 3)
        #expect(d.percent == 60)
        #expect(d.meanResponse == 560)
        #expect(d.injects.filter { !$0.answered && !$0.expected.isEmpty }.map(\.id) == ["underpass-photo", "pump-outage"])
        #expect(r.levels.map(\.level) == [.caution, .alert])
        #expect(r.timeline.filter { $0.kind == .inject }.count == 6)
    }

    @Test func reportCommandWritesAllThreeFormats() throws {
        let out = Binaries.temporaryDirectory("report")
        defer { try? FileManager.default.removeItem(atPath: out) }
        let common = [ReportRecording.liveID, "--state", ReportRecording.directory, "--manuals", Binaries.bundledManuals]

        // Korean by default, and Korean throughout; variables by their labels.
        let md = try Binaries.run("haechi", ["report"] + common)
        #expect(md.status == 0, "\(md.stderr)")
        #expect(md.stdout.contains("# 실제 상황 사후 검토 보고서: 20261129-heavy-rain-01"))
        #expect(md.stdout.contains("- 목표 내 완료 단계: **12개 중 6개** (50%); 지연 3, 건너뜀 2, 미완료 1; 종료 시 기한 전 3"))
        #expect(md.stdout.contains("- 첫 메시지 전달까지: **16분 18초**"))
        #expect(md.stdout.contains("| 시작 | 2026-11-29 18:00:00 +0900 |"))
        #expect(md.stdout.contains("| 대상 자치구 | 관악구 |") && md.stdout.contains("| 통제 도로ㆍ지하차도 | 잠수교 |"))
        for english in ["dead", "delivered", "Steps", "Opened", "never done", "late by", "on time", "queued", "step ", "level →", "Variable", "`district`"] {
            #expect(!md.stdout.contains(english), "'\(english)' in the Korean report")
        }
        #expect(!md.stdout.contains("<script>"))
        let en = try Binaries.run("haechi", ["report"] + common + ["--lang", "en"])
        #expect(en.stdout.contains("# LIVE incident report: 20261129-heavy-rain-01"))
        #expect(en.stdout.contains("- Steps on time: **6 of 12** (50%); late 3, skipped 2, never done 1; 3 not yet due at close"))
        #expect(en.stdout.contains("- Time to the first delivered message: **16 min 18 s**"))
        #expect(en.stdout.contains("| Opened | 2026-11-29 18:00:00 +0900 |"))
        #expect(en.stdout.contains("| Affected district | 관악구 |"))

        let json = try Binaries.run("haechi", ["report"] + common + ["--format", "json"])
        #expect(json.status == 0)
        let decoded = try ReportJSON.decode(json.stdout)
        #expect(decoded.summary.delivered == 9)
        #expect(decoded.summary.posts[.dead] == 2)

        let html = try Binaries.run("haechi", ["report"] + common + ["--format", "html", "--output", out + "/r.html"])
        #expect(html.status == 0, "\(html.stderr)")
        let page = try String(contentsOfFile: out + "/r.html", encoding: .utf8)
        #expect(page.hasPrefix("<!DOCTYPE html>"))
        #expect(page.contains("<svg"))
        #expect(!page.contains("<script"))
        #expect(page.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"))
        // Self-contained: nothing fetched from anywhere.
        #expect(!page.contains("src=\"http") && !page.contains("href=\"http") && !page.contains("@import"))
    }

    /// A torn last line (a crash mid-write) and an incident still open: the report is still made,
    /// and the damaged line is named on standard error.
    @Test func damagedOpenJournalStillReports() throws {
        let dir = Binaries.temporaryDirectory("torn")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/incidents", withIntermediateDirectories: true)
        let source = ReportRecording.directory + "/incidents/\(ReportRecording.drillID).jsonl"
        var lines = try String(contentsOfFile: source, encoding: .utf8).split(separator: "\n").map(String.init)
        lines.removeLast()                                   // the closed line: still open
        let text = lines.joined(separator: "\n") + "\n{\"r\":{\"kind\":\"note\",\"inc"   // torn tail
        try text.write(toFile: dir + "/incidents/\(ReportRecording.drillID).jsonl", atomically: true, encoding: .utf8)
        let r = try Binaries.run("haechi", ["report", ReportRecording.drillID, "--state", dir, "--manuals", Binaries.bundledManuals, "--lang", "en"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("torn write"))
        #expect(r.stdout.contains("| Closed | still open |"))
        #expect(r.stdout.contains("- Drill score: **60%**, 3 of 5 injects answered in their window"))
    }

    @Test func unknownIncidentIsExplained() throws {
        let r = try Binaries.run("haechi", ["report", "nope", "--state", ReportRecording.directory, "--manuals", Binaries.bundledManuals])
        #expect(r.status != 0)
        #expect(r.stderr.contains("no incident 'nope'"))
        #expect(r.stderr.contains(ReportRecording.liveID))
        let traversal = try Binaries.run("haechi", ["report", "../outbox", "--state", ReportRecording.directory])
        #expect(traversal.status != 0)
        #expect(traversal.stderr.contains("is not an incident id"))
    }

    @Test func drillCommandChecksShippedScenarios() throws {
        for id in ["heavy-rain-gangnam", "typhoon-landfall", "earthquake-m5", "crowd-crush-hongdae"] {
            let r = try Binaries.run("haechi", ["drill", id, "--print", "--manuals", Binaries.bundledManuals, "--speed", "10"])
            #expect(r.status == 0, "\(id): \(r.stderr)")
            #expect(r.stderr.isEmpty, "\(id): \(r.stderr)")
            #expect(r.stdout.contains("Scenario is valid"))
            #expect(r.stdout.contains("T+"))
        }
        let dir = Binaries.temporaryDirectory("drill")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let text = try String(contentsOfFile: Binaries.bundledManuals + "/scenarios/heavy-rain-gangnam.yaml", encoding: .utf8)
            .replacingOccurrences(of: "[HR-06]", with: "[HR-6]")
        try text.write(toFile: dir + "/heavy-rain-gangnam.yaml", atomically: true, encoding: .utf8)
        let bad = try Binaries.run("haechi", ["drill", dir + "/heavy-rain-gangnam.yaml", "--manuals", Binaries.bundledManuals])
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("heavy-rain-gangnam.yaml:31:22: error: manual 'heavy-rain' has no step 'HR-6'; did you mean 'HR-06'?"))
    }
}
