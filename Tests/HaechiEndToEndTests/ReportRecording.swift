import Foundation
import HaechiCore
import HaechiStore

/// Records the report fixtures: a live heavy-rain incident and a drill of `heavy-rain-gangnam`,
/// written through the real `StateDirectory` / `RecordLog` APIs so the files have the exact
/// framing, checksums and coding of the app. Re-record with
/// `HAECHI_RECORD_FIXTURES=1 swift test --filter ReportFixtureTests`. When the checklist TUI can
/// drive incidents, these should be replaced by journals recorded from the app itself.
enum ReportRecording {
    static let directory = Binaries.repositoryRoot + "/Tests/HaechiCoreTests/Fixtures/report-state"
    static let liveID = "20261129-heavy-rain-01"
    static let drillID = "20261129-drill-gangnam-01"
    /// 2026-11-29 18:00:00 KST.
    static let t0 = Date(timeIntervalSince1970: 1_795_942_800)
    static func at(_ minutes: Double) -> Date { t0.addingTimeInterval((minutes * 60).rounded()) }

    static func record(into dir: String = directory) throws {
        try? FileManager.default.removeItem(atPath: dir)
        let state = StateDirectory(path: dir)
        try state.prepare()
        let (journal, outbox, ledger) = live()
        try state.journal(incident: liveID).append(journal)
        try state.outbox.append(outbox)
        try state.delivery.append(ledger)
        try state.journal(incident: drillID).append(try drill())
    }

    // MARK: Live incident

    static func live() -> ([IncidentEvent], [OutboxRecord], [DeliveryRecord]) {
        let id = liveID
        func step(_ m: Double, _ s: String, _ status: StepStatus, _ op: String = "kim.duty", _ text: String? = nil) -> IncidentEvent {
            .step(.init(incident: id, at: at(m), operator: op), .init(step: s, status: status, reason: text))
        }
        func message(_ m: Double, _ msg: String, _ step: String?, _ op: String = "kim.duty") -> IncidentEvent {
            .message(.init(incident: id, at: at(m), operator: op), .init(message: msg, step: step))
        }
        let journal: [IncidentEvent] = [
            .opened(.init(incident: id, at: at(0), operator: "kim.duty"),
                    .init(manual: "heavy-rain", mode: .live, level: .caution, variables: ["district": "관악구", "location": "잠수교"])),
            step(0.5, "HR-01", .done),
            step(4, "HR-02", .inProgress),
            .note(.init(incident: id, at: at(6), operator: "kim.duty"),
                  .init(step: "HR-02", text: "도림천 수위 상승 중 <script>alert('x')</script> & 잠수교 5.1 m")),
            step(8, "HR-02", .done),
            step(12, "HR-04", .done),
            step(14, "HR-05", .inProgress),
            message(16, "m-hr05", "HR-05"),
            step(17, "HR-05", .done),
            step(20, "HR-06", .skipped, "kim.duty", "잠수교는 홍수통제소가 이미 통제함"),
            .level(.init(incident: id, at: at(22), operator: "lee.ctrl"), .init(level: .alert, reason: "호우경보, 도림천 범람 우려")),
            step(25, "HR-09", .done, "lee.ctrl"),
            message(30, "m-hr07", "HR-07", "lee.ctrl"),
            message(31, "m-dup", "HR-07", "lee.ctrl"),
            step(33, "HR-07", .done, "lee.ctrl"),
            step(34, "HR-03", .done, "lee.ctrl"),
            step(40, "HR-08", .done),
            message(40, "m-hr07c", "HR-07", "lee.ctrl"),
            step(41, "HR-11", .skipped, "lee.ctrl", "산사태 취약지역 없음 (관악구 확인)"),
            .note(.init(incident: id, at: at(55), operator: "lee.ctrl"), .init(step: nil, text: "신림동 반지하 2가구 대피 완료")),
            step(90, "HR-10", .done, "lee.ctrl"),
            .closed(.init(incident: id, at: at(95), operator: "kim.duty"), summary: "강우 소강, 비상근무 1단계로 하향"),
        ]
        func msg(_ mid: String, _ m: Double, _ step: String?, _ kind: MessageClass, _ channels: [String], _ ko: String, _ en: String,
                 op: String = "kim.duty", approval: Bool = false, corrects: String? = nil) -> OutboxMessage {
            OutboxMessage(id: mid, incident: id, step: step, manual: "heavy-rain", district: "관악구", mode: .live, kind: kind,
                          channels: channels, text: Localized(ko: ko, en: en), operator: op, created: at(m),
                          needsApproval: approval, corrects: corrects)
        }
        let outbox: [OutboxRecord] = [
            .message(msg("m-hr05", 16, "HR-05", .safety, ["x", "mastodon", "facebook"],
                         "[서울시] 관악구 호우경보. 하천변ㆍ지하차도 접근 금지, 반지하 주택은 침수에 대비하세요.",
                         "[Seoul] Heavy-rain warning in Gwanak. Keep away from streams and underpasses.")),
            .message(msg("m-hr07", 30, "HR-07", .emergency, ["x", "cbs", "kakao"],
                         "[서울시] 도림천 범람 우려. 신림동 저지대 주민은 신림초등학교로 즉시 대피하세요.",
                         "[Seoul] Dorim stream may overflow. Sillim-dong lowland residents: go to Sillim Elementary now.",
                         op: "lee.ctrl", approval: true)),
            .message(msg("m-dup", 31, "HR-07", .emergency, ["x"], "[서울시] 도림천 범람 우려 (중복)", "", op: "lee.ctrl", approval: true)),
            .approve(message: "m-hr07", operator: "park.chief", at: at(32)),
            .cancel(message: "m-dup", operator: "lee.ctrl", at: at(31.5), reason: "m-hr07과 중복"),
            .correct(msg("m-hr07c", 40, "HR-07", .emergency, ["x"],
                         "[정정] 대피 장소는 신림초등학교가 아니라 신림중학교입니다.",
                         "[Correction] The shelter is Sillim Middle School, not Sillim Elementary.",
                         op: "lee.ctrl", corrects: "m-hr07")),
        ]
        func d(_ kind: DeliveryRecord.Kind, _ mid: String, _ ch: String, _ lang: Language, _ m: Double,
               remote: String? = nil, reason: String? = nil, attempt: Int? = nil) -> DeliveryRecord {
            DeliveryRecord(kind: kind, message: mid, channel: ch, language: lang, at: at(m), attempt: attempt,
                           remoteID: remote, reason: reason)
        }
        let ledger: [DeliveryRecord] = [
            d(.attempt, "m-hr05", "x", .ko, 16.2, attempt: 1), d(.delivered, "m-hr05", "x", .ko, 16.3, remote: "1862000000000000001"),
            d(.attempt, "m-hr05", "x", .en, 16.3, attempt: 1), d(.delivered, "m-hr05", "x", .en, 16.4, remote: "1862000000000000002"),
            d(.attempt, "m-hr05", "mastodon", .ko, 16.3, attempt: 1), d(.retry, "m-hr05", "mastodon", .ko, 16.4, reason: "HTTP 503"),
            d(.attempt, "m-hr05", "mastodon", .ko, 17.4, attempt: 2), d(.delivered, "m-hr05", "mastodon", .ko, 17.5, remote: "113000001"),
            d(.attempt, "m-hr05", "mastodon", .en, 17.5, attempt: 1), d(.delivered, "m-hr05", "mastodon", .en, 17.6, remote: "113000002"),
            d(.attempt, "m-hr05", "facebook", .ko, 16.3, attempt: 1), d(.dead, "m-hr05", "facebook", .ko, 16.5, reason: "HTTP 190: page token expired"),
            d(.attempt, "m-hr05", "facebook", .en, 16.5, attempt: 1), d(.dead, "m-hr05", "facebook", .en, 16.6, reason: "HTTP 190: page token expired"),
            d(.cancelled, "m-dup", "x", .ko, 31.6),
            d(.attempt, "m-hr07", "x", .ko, 32.2, attempt: 1), d(.delivered, "m-hr07", "x", .ko, 32.4, remote: "1862000000000000003"),
            d(.attempt, "m-hr07", "x", .en, 32.4, attempt: 1), d(.delivered, "m-hr07", "x", .en, 32.5, remote: "1862000000000000004"),
            d(.attempt, "m-hr07", "cbs", .ko, 32.2, attempt: 1), d(.delivered, "m-hr07", "cbs", .ko, 32.6, remote: "cbs-file-0001"),
            d(.attempt, "m-hr07", "kakao", .ko, 32.2, attempt: 1), d(.unknown, "m-hr07", "kakao", .ko, 33.2, reason: "timeout after the request was sent"),
            d(.attempt, "m-hr07c", "x", .ko, 40.3, attempt: 1), d(.delivered, "m-hr07c", "x", .ko, 40.5, remote: "1862000000000000005"),
            d(.attempt, "m-hr07c", "x", .en, 40.5, attempt: 1), d(.delivered, "m-hr07c", "x", .en, 40.6, remote: "1862000000000000006"),
        ]
        return (journal, outbox, ledger)
    }

    // MARK: Drill

    /// The drill as the TUI will run it: `DrillSetup` opens it and journals the injects as they come due.
    static func drill() throws -> [IncidentEvent] {
        let library = ManualLibrary.load(directory: Binaries.bundledManuals)
        guard let manual = library.manual(id: "heavy-rain") else { throw RecordingError("heavy-rain manual missing") }
        let (loaded, diagnostics) = ScenarioLoader(library: library)
            .load(file: Binaries.bundledManuals + "/scenarios/heavy-rain-gangnam.yaml")
        guard let scenario = loaded else { throw RecordingError("scenario: \(diagnostics)") }
        let setup = try DrillSetup(scenario: scenario, manual: manual, incident: drillID, operator: "trainer.choi", now: at(0))
        var journal = [setup.opened]
        // Trainee actions at scenario minutes; injects are played in between as the clock passes them.
        let actions: [(Double, String, StepStatus, String?)] = [
            (1, "HR-01", .done, nil), (2.5, "HR-02", .done, nil),
            (6, "HR-05", .done, nil),          // radar (T+2) answered in 4 min
            (12, "HR-06", .done, nil),         // jamsu-gauge (T+3) answered in 9 min
            (20, "HR-08", .done, nil),         // underpass (T+8) 12 min: outside its 10-min window
            (24, "HR-07", .done, nil), (30, "HR-10", .done, nil), // semi-basement (T+15) in 15 min
            (33, "HR-04", .skipped, "훈련 범위 밖"),
            // pump-outage (T+25): HR-09 never done
        ]
        var next = 0
        for minute in stride(from: 0.0, through: 45, by: 0.5) {
            let now = at(minute)
            for inject in setup.schedule.due(elapsed: setup.clock.elapsed(at: now), journal: journal) {
                journal += setup.injectEvents(inject, at: now)
            }
            while next < actions.count, actions[next].0 <= minute {
                let (m, step, status, text) = actions[next]
                journal.append(.step(.init(incident: drillID, at: at(m), operator: "trainee.han"),
                                     .init(step: step, status: status, reason: text)))
                next += 1
            }
        }
        journal.append(.closed(.init(incident: drillID, at: at(45), operator: "trainer.choi"), summary: "훈련 종료"))
        return journal
    }

    struct RecordingError: Error, CustomStringConvertible {
        var description: String
        init(_ d: String) { description = d }
    }
}
