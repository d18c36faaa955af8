import Foundation
import HaechiCore
import HaechiStore
import Testing
import HaechiTestSupport

/// Judgement expectations scored in the after-action report (issue 11): each kind met, missed and
/// (for "no message") violated, on drills whose journal, outbox and ledger were written by the
/// real store and read back from disk, then through `haechi report` as a binary.
@Suite(.ownThread, .serialized) struct DrillJudgementReportTests {
    static let t0 = Date(timeIntervalSince1970: 1_795_000_000)
    static func at(_ minutes: Double) -> Date { t0.addingTimeInterval(minutes * 60) }

    /// Every kind, on the bundled civil-defence manual.
    static let scenarioYAML = """
    id: judge-all
    title: {ko: 판단 채점, en: Judgement scoring}
    manual: civil-defence
    start_level: 관심
    variables:
      area: 서울 전역
    injects:
      - id: order
        at: 1
        text: {ko: 위급재난문자 발송 지시, en: Send the critical text}
        expect:
          message: {class: critical, channels: [cbs]}
          level: 경계
          within: 5
      - id: kma
        at: 2
        text: {ko: 정부가 이미 카카오로 알림, en: The government already used Kakao}
        expect: {no_message: {channels: [kakao]}, within: 5}
      - id: false-alarm
        at: 10
        text: {ko: 오발령, en: False alert}
        expect:
          steps: [CD-05]
          correction: {class: critical}
          stage: 1단계
          within: 10
    """

    struct Drill {
        let state: StateDirectory
        let dir: String
        let id = "DRILL-J"
        init(_ label: String) throws {
            dir = Binaries.temporaryDirectory(label)
            state = StateDirectory(path: dir)
            try state.prepare()
        }
        func stamp(_ m: Double, _ op: String = "kim") -> IncidentEvent.Stamp { .init(incident: id, at: DrillJudgementReportTests.at(m), operator: op) }
        func opened(_ scenario: String) -> IncidentEvent {
            .opened(stamp(0, "kim"), .init(manual: "civil-defence", mode: .drill, level: .interest, variables: ["area": "서울 전역"], scenario: scenario))
        }
        func inject(_ m: Double, _ inject: String, level: AlertLevel? = nil) -> [IncidentEvent] {
            var lines: [IncidentEvent] = [.inject(stamp(m, DrillSetup.drillOperator), .init(inject: inject, level: level))]
            if let level { lines.append(.level(stamp(m, DrillSetup.drillOperator), .init(level: level, reason: "inject \(inject)"))) }
            return lines
        }
        func message(_ id: String, _ m: Double, kind: MessageClass, channels: [String], corrects: String? = nil) -> OutboxMessage {
            OutboxMessage(id: id, incident: self.id, manual: "civil-defence", mode: .drill, kind: kind, channels: channels,
                          text: Localized(ko: "[서울특별시] 시험 \(id)", en: ""), operator: "kim", created: DrillJudgementReportTests.at(m),
                          corrects: corrects)
        }
        func write(journal: [IncidentEvent], outbox: [OutboxRecord], ledger: [DeliveryRecord] = []) throws {
            try state.journal(incident: id).append(journal)
            if !outbox.isEmpty { try state.outbox.append(outbox) }
            if !ledger.isEmpty { try state.delivery.append(ledger) }
        }
        /// Read back from disk and built as `haechi report` builds it.
        func report(_ scenario: Scenario) throws -> IncidentReport {
            let library = ManualLibrary.load(directory: Binaries.bundledManuals)
            let (journal, badJournal) = try state.journal(incident: id).readAll()
            let outbox = FileManager.default.fileExists(atPath: state.outboxPath) ? try state.outbox.readAll() : ([], [])
            let ledger = FileManager.default.fileExists(atPath: state.deliveryPath) ? try state.delivery.readAll() : ([], [])
            #expect(badJournal.isEmpty && outbox.1.isEmpty && ledger.1.isEmpty)
            return try IncidentReport.build(ReportInput(journal: journal, outbox: outbox.0, ledger: ledger.0,
                                                        manual: library.manual(id: "civil-defence"), scenario: scenario,
                                                        channels: library.channels))
        }
    }

    func scenario() throws -> Scenario {
        let library = ManualLibrary.load(directory: Binaries.bundledManuals)
        let (s, d) = ScenarioLoader(library: library).parse(yaml: Self.scenarioYAML, file: "judge-all.yaml")
        #expect(d.filter { $0.severity == .error }.isEmpty, "\(d)")
        return try #require(s)
    }

    func results(_ report: IncidentReport, _ inject: String) throws -> [IncidentReport.ExpectationResult.Kind: IncidentReport.ExpectationResult] {
        let score = try #require(report.drill?.injects.first { $0.id == inject })
        return Dictionary(uniqueKeysWithValues: (score.results ?? []).map { ($0.kind, $0) })
    }

    @Test func everyKindMet() throws {
        let d = try Drill("judge-met")
        defer { try? FileManager.default.removeItem(atPath: d.dir) }
        let text = d.message("m-1", 3, kind: .critical, channels: ["cbs", "x"])
        // A Kakao post queued and cancelled before the sender took it reached nobody: no breach.
        let kakao = d.message("m-k", 4, kind: .info, channels: ["kakao"])
        let fix = d.message("m-2", 12, kind: .critical, channels: ["cbs", "x"], corrects: "m-1")
        try d.write(journal: [d.opened("judge-all")] + d.inject(1, "order")
                        + [.level(d.stamp(2), .init(level: .alert))] + d.inject(2, "kma")
                        + [.message(d.stamp(3), .init(message: "m-1", step: "CD-04"))]
                        + d.inject(10, "false-alarm")
                        + [.stage(d.stamp(11), .init(stage: .stage1)),
                           .message(d.stamp(12), .init(message: "m-2", step: "CD-05")),
                           .step(d.stamp(13), .init(step: "CD-05", status: .done)),
                           .closed(d.stamp(25), summary: nil)],
                    outbox: [.message(text), .message(kakao), .cancel(message: "m-k", operator: "kim", at: Self.at(4.5), reason: "카카오는 정부가 보냄"),
                             .correct(fix)],
                    ledger: [DeliveryRecord(kind: .delivered, message: "m-1", channel: "x", language: .ko, at: Self.at(3.2), remoteID: "1")])
        let report = try d.report(try scenario())
        let drill = try #require(report.drill)
        #expect(drill.answered == 3 && drill.expected == 3 && drill.percent == 100)
        #expect(drill.count(.met) == 6 && drill.count(.missed) == 0 && drill.count(.violated) == 0)

        let order = try results(report, "order")
        #expect(order[.message]?.verdict == .met)
        #expect(order[.message]?.after == 120)
        #expect(order[.message]?.message == "m-1")
        #expect(order[.level]?.verdict == .met && order[.level]?.after == 60)
        let kma = try results(report, "kma")
        // Met when its window ran out (T+2 + 5 min) with nothing on Kakao that reached anyone.
        #expect(kma[.noMessage]?.verdict == .met && kma[.noMessage]?.after == 300)
        let alarm = try results(report, "false-alarm")
        #expect(alarm[.correction]?.verdict == .met && alarm[.correction]?.after == 120 && alarm[.correction]?.message == "m-2")
        #expect(alarm[.stage]?.verdict == .met && alarm[.stage]?.after == 60)
        #expect(alarm[.steps]?.verdict == .met && alarm[.steps]?.after == 180)

        // Every format says it, in both languages, through the one set of words (ReportText).
        let md = ReportMarkdown.render(report, style: ReportStyle(language: .en))
        #expect(md.contains("### Expected actions scored"))
        #expect(md.contains("- Expected actions: met 6, missed 0, violated 0"))
        #expect(md.contains("| `order` | a critical message on cbs | 5 min | met after 2 min (m-1) |"))
        #expect(md.contains("| `kma` | no message on kakao | 5 min | met after 5 min |"))
        #expect(md.contains("| `false-alarm` | a correction or cancel of a critical message | 10 min | met after 2 min (m-2) |"))
        #expect(md.contains("| `false-alarm` | duty stage Stage 1 | 10 min | met after 1 min |"))
        let mdKo = ReportMarkdown.render(report, style: ReportStyle(language: .ko))
        #expect(mdKo.contains("### 기대 행동 채점"))
        #expect(mdKo.contains("| `order` | 경보 단계 경계 | 5분 | 충족 1분 |"))
        #expect(mdKo.contains("| `false-alarm` | 위급 메시지 정정·취소 | 10분 | 충족 2분 (m-2) |"))
        let html = ReportHTML.render(report, style: ReportStyle(language: .en))
        #expect(html.contains("<h3>Expected actions scored</h3>"))
        #expect(html.contains("<td>a critical message on cbs</td><td class=\"num\">5 min</td><td class=\"on-time\">met after 2 min (m-1)</td>"))
        let decoded = try ReportJSON.decode(try ReportJSON.render(report))
        #expect(decoded == report)
    }

    @Test func everyKindMissedAndTheDuplicateViolated() throws {
        let d = try Drill("judge-missed")
        defer { try? FileManager.default.removeItem(atPath: d.dir) }
        // The wrong class, the wrong level, a Kakao post that went out, a cancel after the window,
        // the wrong stage, and the correction step never done.
        let text = d.message("m-1", 3, kind: .emergency, channels: ["cbs"])
        let kakao = d.message("m-k", 4, kind: .info, channels: ["kakao", "x"])
        try d.write(journal: [d.opened("judge-all")] + d.inject(1, "order")
                        + [.level(d.stamp(2), .init(level: .serious))] + d.inject(2, "kma")
                        + [.message(d.stamp(3), .init(message: "m-1")), .message(d.stamp(4), .init(message: "m-k"))]
                        + d.inject(10, "false-alarm")
                        + [.stage(d.stamp(11), .init(stage: .stage2)), .closed(d.stamp(30), summary: nil)],
                    outbox: [.message(text), .message(kakao), .cancel(message: "m-1", operator: "kim", at: Self.at(25), reason: "늦은 취소")],
                    ledger: [DeliveryRecord(kind: .delivered, message: "m-k", channel: "kakao", language: .ko, at: Self.at(4.2), remoteID: "k1")])
        let report = try d.report(try scenario())
        let drill = try #require(report.drill)
        #expect(drill.answered == 0 && drill.percent == 0)
        #expect(drill.count(.met) == 0 && drill.count(.missed) == 5 && drill.count(.violated) == 1)
        let order = try results(report, "order")
        #expect(order[.message]?.verdict == .missed && order[.message]?.after == nil)
        #expect(order[.level]?.verdict == .missed)
        let kma = try results(report, "kma")
        #expect(kma[.noMessage]?.verdict == .violated && kma[.noMessage]?.after == 120 && kma[.noMessage]?.message == "m-k")
        let alarm = try results(report, "false-alarm")
        #expect(alarm[.correction]?.verdict == .missed)
        #expect(alarm[.stage]?.verdict == .missed)
        #expect(alarm[.steps]?.verdict == .missed)

        let md = ReportMarkdown.render(report, style: ReportStyle(language: .en))
        #expect(md.contains("| `kma` | no message on kakao | 5 min | VIOLATED after 2 min (m-k) |"))
        #expect(md.contains("no (no message on kakao – VIOLATED after 2 min (m-k))"))
        #expect(md.contains("no (missing CD-05; a correction or cancel of a critical message – missed; duty stage Stage 1 – missed)"))
        #expect(ReportMarkdown.render(report, style: ReportStyle(language: .ko)).contains("| `kma` | 메시지 보내지 않기 (kakao) | 5분 | 위반 2분 (m-k) |"))
    }

    /// A cancel record of an earlier message answers a correction; an open drill whose window is
    /// still running is pending, not missed; an inject never played says so.
    @Test func aCancelCountsAndOpenWindowsArePending() throws {
        let d = try Drill("judge-cancel")
        defer { try? FileManager.default.removeItem(atPath: d.dir) }
        let text = d.message("m-1", 3, kind: .critical, channels: ["cbs"])
        try d.write(journal: [d.opened("judge-all")] + d.inject(1, "order") + d.inject(2, "kma")
                        + [.message(d.stamp(3), .init(message: "m-1"))] + d.inject(10, "false-alarm")
                        + [.note(d.stamp(12), .init(step: nil, text: "취소함"))],
                    outbox: [.message(text), .cancel(message: "m-1", operator: "kim", at: Self.at(11.5), reason: "오발령")])
        let report = try d.report(try scenario())
        let alarm = try results(report, "false-alarm")
        #expect(alarm[.correction]?.verdict == .met && alarm[.correction]?.after == 90 && alarm[.correction]?.message == "m-1")
        // The record ends at T+12, inside the false alarm's ten minutes: its other two wait.
        #expect(alarm[.stage]?.verdict == .pending && alarm[.steps]?.verdict == .pending)
        // The message was cancelled before anyone got it: it does not count as the order's text.
        let order = try results(report, "order")
        #expect(order[.message]?.verdict == .missed)

        // The same journal through the one function without the report around it.
        let (journal, _) = try d.state.journal(incident: d.id).readAll()
        let (outbox, _) = try d.state.outbox.readAll()
        let direct = try #require(DrillJudgement.score(try scenario(), journal: journal, outbox: outbox))
        #expect(direct == report.drill)

        var unplayed = try scenario()
        unplayed.injects.append(Inject(id: "later", at: 40 * 60, text: Localized(ko: "나중", en: "Later"),
                                       expect: Expectation(within: 300, level: .serious)))
        let later = try results(try d.report(unplayed), "later")
        #expect(later[.level]?.verdict == .notPlayed)
    }

    /// `haechi report --format json` on the bundled false-alert scenario: the text ordered at
    /// T+9 and its correction at T+31 + 4 min, scored met.
    @Test func reportCommandScoresTheBundledFalseAlertScenario() throws {
        let d = try Drill("judge-binary")
        defer { try? FileManager.default.removeItem(atPath: d.dir) }
        let text = d.message("m-1", 10, kind: .critical, channels: ["cbs", "kakao", "x"])
        let fix = d.message("m-2", 35, kind: .critical, channels: ["cbs", "kakao", "x"], corrects: "m-1")
        try d.write(journal: [d.opened("civil-defence-false-alert")] + d.inject(0, "notice") + d.inject(9, "wrong-text", level: .alert)
                        + [.message(d.stamp(10), .init(message: "m-1", step: "CD-04"))] + d.inject(31, "ministry")
                        + [.message(d.stamp(35), .init(message: "m-2", step: "CD-05")), .closed(d.stamp(36), summary: nil)],
                    outbox: [.message(text), .correct(fix)],
                    ledger: [DeliveryRecord(kind: .delivered, message: "m-1", channel: "x", language: .ko, at: Self.at(10.5), remoteID: "1")])
        let r = try Binaries.run("haechi", ["report", d.id, "--format", "json", "--manuals", Binaries.bundledManuals, "--state", d.dir])
        #expect(r.status == 0, "\(r.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let injects = try #require((json["drill"] as? [String: Any])?["injects"] as? [[String: Any]])
        func result(_ inject: String, _ kind: String) -> [String: Any]? {
            (injects.first { $0["id"] as? String == inject }?["results"] as? [[String: Any]])?.first { $0["kind"] as? String == kind }
        }
        #expect(result("wrong-text", "message")?["verdict"] as? String == "met")
        #expect(result("wrong-text", "message")?["after"] as? Double == 60)
        #expect(result("ministry", "correction")?["verdict"] as? String == "met")
        #expect(result("ministry", "correction")?["message"] as? String == "m-2")
        #expect(result("ministry", "correction")?["after"] as? Double == 240)
        #expect(result("ministry", "steps")?["verdict"] as? String == "missed")   // CD-05 never ticked
        #expect(result("all-clear", "steps")?["verdict"] as? String == "not-played")
    }

    /// The shipped scenarios load clean against the shipped manuals, each says its time
    /// compression in its brief, and the five judgement scenarios of issue 11 expect what they test.
    @Test func bundledScenariosSayTheirCompressionAndExpectJudgement() throws {
        let library = ManualLibrary.load(directory: Binaries.bundledManuals)
        let set = ScenarioLoader(library: library).load(directory: Binaries.bundledManuals + "/scenarios")
        #expect(set.diagnostics.map(\.description) == [])
        #expect(set.scenarios.count >= 8)
        for s in set.scenarios {
            let brief = try #require(s.brief, "\(s.id) has no brief")
            #expect(brief.ko.contains("압축") || brief.ko.contains("실제 시간"), "\(s.id): \(brief.ko)")
            #expect(brief.en.contains("ompress") || brief.en.contains("real time"), "\(s.id): \(brief.en)")
        }
        func expectations(_ id: String) throws -> [HaechiCore.Expectation] { try #require(set.scenario(id: id)).injects.compactMap(\.expect) }
        #expect(try expectations("civil-defence-false-alert").contains { $0.correction?.kind == .critical })
        #expect(try expectations("heavy-rain-kma-text-sent").contains { $0.noMessage?.channels == ["cbs"] })
        #expect(try expectations("typhoon-wrong-area").contains { $0.correction != nil })
        let outage = try expectations("sns-outage-kakao")
        #expect(outage.contains { $0.message?.channels.contains("x") == true && $0.noMessage?.channels == ["kakao"] })
        #expect(try expectations("mass-gathering-warnings").contains { $0.stage == .stage1 })
        #expect(try expectations("crowd-crush-hongdae").contains { $0.stage == .stage1 })
    }
}
