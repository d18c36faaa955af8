import Foundation
import HaechiCore
import Testing
@testable import HaechiUI

/// Text snapshots of a scenario drill's checklist (inject panel) and of the report screen, at
/// 80×24 and 120×40, in Korean. Same files and re-recording as `SnapshotTests`.
@Suite struct DrillSnapshotTests {
    /// Six minutes into the drill at 10×: two injects played (the level is 경계), the first step
    /// done, the clock paused by the trainer.
    static func workedDrill(width: Int, height: Int, language: Language = .ko) -> Harness {
        var h = Harness.drill(speed: .x10, width: width, height: height, language: language)
        h.wait(seconds: 7)
        h.clock.advance(seconds: 2)
        h.key(.char("d"))             // 상황 접수 및 전파 at T+1:30
        h.wait(seconds: 24)           // T+5:30: the aftershock raised it to 경계
        h.key(.char(" "))             // paused
        h.state.flash = nil
        return h
    }

    @Test(arguments: SnapshotTests.sizes)
    func injectPanel(size: (Int, Int)) throws {
        let h = Self.workedDrill(width: size.0, height: size.1)
        #expect(h.state.incident?.level == .alert)
        try SnapshotTests.check("drill-injects", h.state)
    }

    @Test func injectPanelInEnglish() throws {
        let h = Self.workedDrill(width: 80, height: 24, language: .en)
        #expect(h.screenText.contains("M5.1 aftershock, raise to Orange"))
        try SnapshotTests.check("drill-injects-en", h.state)
    }

    @Test(arguments: SnapshotTests.sizes)
    func reportScreen(size: (Int, Int)) throws {
        var h = Self.workedDrill(width: size.0, height: size.1)
        h.key(.char("c")); h.type("여진 후 종료"); h.key(.enter)
        h.key(.char("R"))
        h.state.flash = nil
        try SnapshotTests.check("drill-report", h.state)
    }

    /// Judgement expectations on the report screen: one line each under its inject, in the
    /// report's words, from the same `DrillJudgement` as `haechi report`.
    @Test func reportScreenListsJudgementExpectations() throws {
        var h = Self.workedDrill(width: 120, height: 40)
        var scenario = Fixture.quakeScenario
        scenario.injects[0].expect?.noMessage = MessageMatch(channels: ["x"])
        scenario.injects[1].expect?.stage = .stage1
        h.state.scenarios = [scenario]
        h.key(.char("c")); h.type("여진 후 종료"); h.key(.enter)
        h.key(.char("R"))
        let screen = h.screenText
        #expect(screen.contains("· 메시지 보내지 않기 (x): 충족 "))
        #expect(screen.contains("· 비상근무 1단계: 미충족"))
        // The aftershock's step was never done and its stage never decided: missed, not answered.
        #expect(screen.contains("[미대응: hq]"))
    }
}
