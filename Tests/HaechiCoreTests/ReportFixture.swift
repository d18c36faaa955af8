import Foundation
@testable import HaechiCore

/// A small manual and recorded incidents built in code, so each figure the tests assert can be
/// checked by hand against the lines below. (The JSONL fixtures read through the real store live
/// in the end-to-end tests, which may import HaechiStore.)
enum ReportFixture {
    static let t0 = Date(timeIntervalSince1970: 1_795_000_000) // 2026-11-19, an arbitrary fixed moment

    static func step(_ id: String, _ target: Int, _ level: AlertLevel, message: MessageTemplate? = nil) -> Step {
        Step(id: id, title: Localized(ko: "단계 \(id)", en: "Step \(id)"), instructions: Localized(ko: "지시", en: "Do it"),
             role: Localized(ko: "당직", en: "Duty"), targetMinutes: target, fromLevel: level, message: message)
    }

    static let manual = Manual(
        id: "test-rain", title: Localized(ko: "시험 호우", en: "Test heavy rain"), category: .natural,
        department: Localized(ko: "재난안전대책본부", en: "Disaster HQ"), revised: "2026-11-01",
        variables: [IncidentVariable(id: "district", label: Localized(ko: "자치구", en: "District"), maxLength: 10)],
        phases: [
            Phase(id: "first", title: Localized(ko: "초동", en: "First"), steps: [
                step("situation", 5, .interest),
                step("alert-staff", 10, .interest),
                step("sns", 15, .caution, message: MessageTemplate(messageClass: .safety, channels: ["x", "mastodon"],
                                                                  text: Localized(ko: "{district} 호우", en: "Rain in {district}"))),
                step("press", 20, .interest),
                step("report", 25, .caution),
            ]),
            Phase(id: "escalate", title: Localized(ko: "확대", en: "Escalate"), steps: [
                step("evacuate", 10, .alert),
                step("shelter", 30, .serious),
            ]),
        ])

    static func at(_ minutes: Double) -> Date { t0.addingTimeInterval(minutes * 60) }

    /// The kinds of line the fixtures write (`opened` has its own builder below).
    enum Line { case step, note, level, message, inject, closed }

    static func event(_ kind: Line, _ minutes: Double, _ op: String = "kim", step: String? = nil,
                      status: StepStatus? = nil, text: String? = nil, level: AlertLevel? = nil, message: String? = nil,
                      inject: String? = nil, incident: String = "INC-1", clockAt: (Double) -> Date = at) -> IncidentEvent {
        let s = IncidentEvent.Stamp(incident: incident, at: clockAt(minutes), operator: op)
        switch kind {
        case .step: return .step(s, .init(step: step!, status: status!, reason: text))
        case .note: return .note(s, .init(step: step ?? "", text: text ?? ""))
        case .level: return .level(s, .init(level: level!, reason: text))
        case .message: return .message(s, .init(message: message!, step: step, text: text))
        case .inject: return .inject(s, .init(inject: inject!, level: level, text: text))
        case .closed: return .closed(s, summary: text)
        }
    }

    static func opened(_ incident: String, _ at: Date, _ op: String, mode: Mode, scenario: String? = nil) -> IncidentEvent {
        .opened(.init(incident: incident, at: at, operator: op),
                .init(manual: "test-rain", mode: mode, level: .caution, variables: ["district": "강남구"], scenario: scenario))
    }

    /// A live incident: two steps on time, two late, one skipped, one never done, one never applicable.
    static var liveJournal: [IncidentEvent] {
        [
            opened("INC-1", at(0), "kim", mode: .live),
            event(.step, 4, step: "situation", status: .done),
            event(.step, 6, step: "sns", status: .inProgress),
            event(.note, 8, step: "situation", text: "Gauge at Daechi-cheon rising <fast>"),
            event(.step, 12, step: "alert-staff", status: .done),
            event(.message, 13, step: "sns", message: "m1"),
            event(.step, 14, step: "sns", status: .done),
            event(.step, 18, step: "press", status: .skipped, text: "no press on site"),
            event(.level, 20, "lee", level: .alert),
            event(.message, 21, "lee", step: "evacuate", message: "m2"),
            event(.step, 35, "lee", step: "evacuate", status: .done),
            event(.closed, 40, text: "all clear"),
        ]
    }

    static func message(_ id: String, _ minutes: Double, _ op: String, step: String?, kind: MessageClass = .safety,
                        channels: [String], approval: Bool = false, corrects: String? = nil, mode: Mode = .live) -> OutboxMessage {
        OutboxMessage(id: id, incident: "INC-1", step: step, manual: "test-rain", district: "강남구", mode: mode, kind: kind,
                      channels: channels, text: Localized(ko: "\(id) 본문", en: "\(id) body"), operator: op, created: at(minutes),
                      needsApproval: approval, corrects: corrects)
    }

    static var liveOutbox: [OutboxRecord] {
        [
            .message(message("m1", 13, "kim", step: "sns", channels: ["x", "mastodon", "kakao", "cbs"])),
            // Another incident's message in the same outbox: must not be counted.
            .message(OutboxMessage(id: "other", incident: "INC-9", mode: .live, kind: .info, channels: ["x"],
                                   text: Localized(ko: "다른", en: "other"), operator: "choi", created: at(1))),
            .message(message("m2", 21, "lee", step: "evacuate", kind: .emergency, channels: ["x", "mastodon"], approval: true)),
            .approve(message: "m2", operator: "park", at: at(22)),
            .message(message("m3", 25, "kim", step: nil, channels: ["x"])),
            .cancel(message: "m3", operator: "kim", at: at(25.5), reason: "duplicate"),
            .correct(message("m4", 28, "kim", step: "evacuate", channels: ["x"], corrects: "m2")),
        ]
    }

    static func ledger(_ kind: DeliveryRecord.Kind, _ message: String, _ channel: String,
                       _ minutes: Double, lang language: Language = .ko, remote: String? = nil, reason: String? = nil) -> DeliveryRecord {
        DeliveryRecord(kind: kind, message: message, channel: channel, language: language, at: at(minutes),
                       attempt: kind == .attempt ? 1 : nil, remoteID: remote, reason: reason)
    }

    static var liveLedger: [DeliveryRecord] {
        [
            ledger(.attempt, "other", "x", 1.1),
            ledger(.delivered, "other", "x", 1.2, remote: "1"), // earlier than m1 but not this incident's
            ledger(.attempt, "m1", "x", 13.1),
            ledger(.delivered, "m1", "x", 13 + 20.0 / 60, remote: "1700"),
            ledger(.attempt, "m1", "x", 13.2, lang: .en),
            ledger(.delivered, "m1", "x", 13.4, lang: .en, remote: "1701"),
            ledger(.attempt, "m1", "mastodon", 13.2),
            ledger(.retry, "m1", "mastodon", 13.3, reason: "HTTP 503"),
            ledger(.attempt, "m1", "mastodon", 13.8),
            ledger(.delivered, "m1", "mastodon", 14, remote: "abc"),
            ledger(.attempt, "m1", "kakao", 13.2),
            ledger(.dead, "m1", "kakao", 13.5, reason: "template not approved"),
            ledger(.attempt, "m1", "cbs", 13.2),
            ledger(.unknown, "m1", "cbs", 13.6, reason: "timeout after send"),
            ledger(.attempt, "m2", "x", 22.2),
            ledger(.delivered, "m2", "x", 22.5, remote: "1800"),
            ledger(.cancelled, "m3", "x", 25.6),
            ledger(.attempt, "m4", "x", 28.1),
            ledger(.delivered, "m4", "x", 28 + 20.0 / 60, remote: "1900"),
        ]
    }

    /// The fixture's channels: X posts both languages, the others Korean only.
    static let channels = ChannelProfiles([
        ChannelProfile(id: "x", name: .init(ko: "X", en: "X"), counting: .xWeighted, limit: 280, languages: [.ko, .en]),
        ChannelProfile(id: "mastodon", name: .init(ko: "마스토돈", en: "Mastodon"), counting: .characters, limit: 500, languages: [.ko]),
        ChannelProfile(id: "kakao", name: .init(ko: "카카오", en: "Kakao"), counting: .characters, limit: 200, languages: [.ko]),
        ChannelProfile(id: "cbs", name: .init(ko: "재난문자", en: "CBS"), counting: .characters, limit: 157, languages: [.ko]),
    ])

    static var liveInput: ReportInput {
        ReportInput(journal: liveJournal, outbox: liveOutbox, ledger: liveLedger, manual: manual, channels: channels)
    }

    // MARK: Drill

    static let scenario = Scenario(
        id: "test-drill", title: Localized(ko: "시험 훈련", en: "Test drill"), manual: "test-rain", startLevel: .caution,
        variables: ["district": "강남구"],
        injects: [
            Inject(id: "gauge", at: 3 * 60, text: Localized(ko: "수위 5.5 m", en: "Gauge 5.5 m"), level: .alert,
                   expect: Expectation(steps: ["evacuate"], within: 10 * 60)),
            Inject(id: "photo", at: 8 * 60, text: Localized(ko: "침수 사진", en: "Flood photo"),
                   expect: Expectation(steps: ["sns"], within: 5 * 60)),
            Inject(id: "quiet", at: 12 * 60, text: Localized(ko: "소강", en: "Lull")),
            Inject(id: "late", at: 30 * 60, text: Localized(ko: "보고", en: "Report"),
                   expect: Expectation(steps: ["report"], within: 5 * 60)),
        ])

    /// The drill's journal with scenario minutes mapped to wall time by `clockAt`.
    static func drillJournal(clockAt: @escaping (Double) -> Date = at) -> [IncidentEvent] {
        func e(_ kind: Line, _ m: Double, _ op: String = "trainee", step: String? = nil, status: StepStatus? = nil,
               level: AlertLevel? = nil, inject: String? = nil, text: String? = nil) -> IncidentEvent {
            event(kind, m, op, step: step, status: status, text: text, level: level, inject: inject, incident: "DRILL-1", clockAt: clockAt)
        }
        return [
            opened("DRILL-1", clockAt(0), "trainer", mode: .drill, scenario: "test-drill"),
            e(.inject, 3, "drill", level: .alert, inject: "gauge", text: "수위 5.5 m"),
            e(.level, 3, "drill", level: .alert),
            e(.step, 5, step: "situation", status: .done),
            e(.inject, 8, "drill", inject: "photo", text: "침수 사진"),
            e(.step, 9, step: "evacuate", status: .done),
            e(.inject, 12, "drill", inject: "quiet", text: "소강"),
            e(.step, 15, step: "sns", status: .done),
            e(.closed, 20, "trainer"),
        ]
    }
}
