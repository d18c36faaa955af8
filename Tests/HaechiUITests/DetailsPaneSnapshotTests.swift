import Foundation
import HaechiCore
import Testing
@testable import HaechiUI

/// The details pane shows what a real manual carries besides the instructions: contacts from
/// the directory (role, 24 h), the legal basis, shelters and closures, who sends the message to
/// which area, and that the step applies from a national level or from the city's duty stage.
@Suite struct DetailsPaneSnapshotTests {
    static let manual: Manual = {
        let desk = Contact(name: Localized(ko: "재난문자 송출 담당", en: "CBS operator"), phone: "02-0000-0001",
                           id: "seoul-cbs-desk", role: Localized(ko: "시 재난문자 승인ㆍ송출", en: "Approves and sends city CBS texts"), allHours: true)
        let shelter = Place(id: "gwanak-hall", kind: .shelter, name: Localized(ko: "관악구청 대강당", en: "Gwanak-gu Office hall"), district: "11620")
        let closure = Place(id: "jamsu", kind: .closure, name: Localized(ko: "잠수교", en: "Jamsu Bridge"), district: "11650")
        let legal = ["재난안전법 40", "재난안전법 43"].compactMap(LegalReference.parse)
        let step = Step(id: "HR-07", title: Localized(ko: "침수 위험지역 대피 문자", en: "Evacuation text for flood zones"),
                        instructions: Localized(ko: "대피 문자 원문을 작성해 시 재난문자 담당이 승인ㆍ송출하게 한다.",
                                                en: "Draft the evacuation text; the city's CBS operator approves and sends it."),
                        role: Localized(ko: "통제관", en: "HQ controller"), targetMinutes: 20, fromLevel: .alert,
                        contacts: [desk],
                        message: MessageTemplate(messageClass: .emergency, channels: ["cbs", "x"],
                                                 text: Localized(ko: "[서울특별시] 관악구 침수 위험. 대피장소 {shelter}", en: "[Seoul] Flood risk in Gwanak-gu. Shelter: {shelter}"),
                                                 area: ["11620"], authority: .district),
                        fromStage: .stage2, legalBasis: legal, shelters: [shelter], closures: [closure])
        return Manual(id: "flood", title: Localized(ko: "호우", en: "Heavy rain"), category: .natural,
                      department: Localized(ko: "자연재난과", en: "Natural Disaster Division"), revised: "2026-12-01",
                      variables: [IncidentVariable(id: "shelter", label: Localized(ko: "대피장소", en: "Shelter"), maxLength: 10, offers: .shelter)],
                      phases: [Phase(id: "p", title: Localized(ko: "전파", en: "Dissemination"), steps: [step])],
                      owner: Localized(ko: "자연재난과장", en: "Head of division"), reviewed: "2026-11-30")
    }()

    @Test func reviewShowsContactsLegalBasisAreaAndStage() throws {
        for language in Language.allCases {
            var h = Harness(width: 120, height: 40, language: language, manuals: [Self.manual])
            h.key(.char("r")); h.key(.down)
            let text = h.screenText
            let ko = language == .ko
            // Short pieces: the pane wraps long lines at its width.
            for piece in ko
                ? ["적용 경계 또는 시", "2단계", "근거 재난안전법 제40조 (대피명령)", "02-0000-0001 (24시간)", "대피장소: 관악구청 대강당",
                   "통제 구간: 잠수교", "송출 자치구 · 대상 관악구", "책임 자연재난과장 · 검토 2026-11-30"]
                : ["From", "Orange or city Stage 2", "Legal basis Disaster and Safety Act art. 40", "02-0000-0001 (24 h)",
                   "Shelters: Gwanak-gu Office hall", "Closures: Jamsu Bridge", "Sent by District · to Gwanak-gu", "owner Head of division"] {
                #expect(text.contains(piece), "\(piece) missing from\n\(text)")
            }
            try SnapshotTests.check("details-review-\(language.rawValue)", h.state)
        }
    }
}

/// The city's duty stage is its own dimension: `g`/`G` journal a `stage` line, the header shows
/// both the national level and the stage, and a step that applies from a stage appears when the
/// city reaches it, whatever the national level.
@Suite struct DutyStageTests {
    @Test func raisingTheStageJournalsItShowsBothAndBringsInStageSteps() throws {
        var h = Harness(width: 120, height: 40, manuals: [DetailsPaneSnapshotTests.manual])
        h.key(.enter)           // Home → Start on the only manual
        h.key(.down); h.key(.down); h.type("관악구청")   // the required shelter variable
        h.key(.ctrl("o"))       // open a drill at 관심
        #expect(!h.screenText.contains("침수 위험지역 대피 문자"), "the stage-2 step must not show at 관심 without a stage")
        #expect(h.screenText.contains("시 단계 미정"))
        for _ in 0..<3 { h.key(.char("g")) }   // 준비 → 1단계 → 2단계
        let stages = h.journals.values.flatMap { $0 }.compactMap(\.stageSet).map(\.stage)
        #expect(stages == [.standby, .stage1, .stage2])
        let incident = try #require(h.state.incident)
        #expect(incident.stage == .stage2 && incident.level == .interest)
        let text = h.screenText
        #expect(text.contains("관심 Blue · 시 2단계"), "\(text)")
        #expect(text.contains("침수 위험지역 대피 문자"), "\(text)")
        try SnapshotTests.check("checklist-stage", h.state)
        // The journal line round-trips through the on-disk coding.
        let line = try #require(h.journals.values.first?.last)
        let decoded = try RecordCoding.decoder().decode(IncidentEvent.self, from: RecordCoding.encoder().encode(line))
        #expect(decoded == line)
        h.key(.char("G"))
        #expect(h.state.incident?.stage == .stage1)
    }
}
