import Foundation
import HaechiCore
import Testing
@testable import HaechiUI

/// Roles handed to named operators, "my steps", added steps and pins: journaled, replayed,
/// seen by another seat, and in the report.
@Suite struct RolesReducerTests {
    @Test func aRoleIsAssignedHandedOverAndSeenByTheOtherSeat() throws {
        var kim = Harness()
        kim.openDrill(level: .serious)
        let id = try #require(kim.state.incident?.id)
        kim.key(.char("a"))
        guard case .assignRole(let role) = kim.state.prompt?.purpose else { Issue.record("no role prompt"); return }
        #expect(role == "상황관리반")
        kim.type("kim"); kim.key(.enter)
        #expect(kim.state.incident?.holder(of: "상황관리반")?.assignee == "kim")
        #expect(kim.screenText.contains("@kim"))

        // lee's seat follows the same journal and takes the role over.
        var lee = Harness()
        lee.state.operatorName = "lee"
        lee.journals = kim.journals
        lee.perform(.follow(incident: id))
        lee.key(.char("a")); lee.type("lee"); lee.key(.enter)
        let handover = try #require(lee.journals[id]?.last)
        #expect(handover.roleAssigned?.assignee == "lee" && handover.operator == "lee")
        // kim's seat reads lee's line: the holder, the history, and who did it.
        kim.appendFromElsewhere(handover)
        kim.poll()
        let holder = try #require(kim.state.incident?.holder(of: "상황관리반"))
        #expect(holder.assignee == "lee" && holder.previous == "kim" && holder.by == "lee")
        #expect(kim.screenText.contains("@lee"))
        #expect(kim.state.flash?.text.ko == "lee: ‘상황관리반’ 담당 → lee")
        // The replayed journal says the same.
        #expect(Incident.replay(kim.journals[id] ?? [])?.holder(of: "상황관리반")?.assignee == "lee")
    }

    @Test func myStepsShowsOnlyTheRolesIHold() throws {
        var h = Harness()
        h.openDrill(level: .serious)
        h.key(.down); h.key(.down)                       // scene: 현장대응반
        h.key(.char("a")); h.type("kim"); h.key(.enter)
        h.key(.char("F"))
        let rows = try #require(h.checklist.flatMap { s in h.state.incident.flatMap { i in h.state.manual(id: i.manualID).map { s.rows(i, $0, app: h.state) } } })
        #expect(rows.compactMap(\.step?.id) == ["scene"])
        #expect(h.checklist?.selected == "scene")
        h.key(.char("F"))
        #expect(h.screenText.contains("임시 대피소 개방"))
    }

    @Test func anAddedStepIsJournaledListedTickedAndReported() throws {
        var h = Harness()
        h.openDrill()
        h.key(.char("N")); h.type("교통 우회 안내판 설치"); h.key(.enter)
        let id = try #require(h.state.incident?.id)
        let added = try #require(h.journals[id]?.last)
        #expect(added.stepAdded?.title == "교통 우회 안내판 설치")
        #expect(h.screenText.contains("추가된 단계"))
        #expect(h.screenText.contains("교통 우회 안내판 설치"))
        // Select it (the palette finds it by title) and tick it like any step.
        h.key(.char(":")); h.type("교통 우회"); h.key(.enter)
        #expect(h.checklist?.selected == added.step)
        h.key(.char("d"))
        #expect(h.state.incident?.status(of: added.step ?? "") == .done)
        // Pin the tick (no later step to move on to: the selection stays), then the report.
        #expect(h.checklist?.selected == added.step)
        h.key(.char("P"))
        #expect(h.journals[id]?.last?.pinSet?.pinned == true)
        let report = try IncidentReport.build(ReportInput(journal: h.journals[id] ?? [], manual: Fixture.earthquake, scenario: nil, clock: nil))
        #expect(report.timeline.contains { $0.text == "step added \(added.step ?? ""): 교통 우회 안내판 설치" })
        let pinned = report.timeline.filter { $0.pinned == true }
        #expect(pinned.map(\.text) == ["step \(added.step ?? "") → done"])
        // The Korean report (the default) marks it too.
        let markdown = ReportMarkdown.render(report)
        #expect(markdown.contains("**[고정]** "), "\(markdown)")
        #expect(markdown.components(separatedBy: "**[고정]**").count == 2)
    }

    @Test func aReadOnlySeatCannotAssignAddOrPin() throws {
        var h = Harness()
        h.openDrill()
        h.state.readOnly = true
        let id = try #require(h.state.incident?.id)
        let before = h.journals[id]?.count
        for key in ["a", "A", "P"] { h.key(.char(Character(key))) }
        #expect(h.journals[id]?.count == before)
        #expect(h.state.prompt == nil)
    }
}
