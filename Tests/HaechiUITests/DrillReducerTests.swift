import Foundation
import HaechiCore
import Testing
@testable import HaechiUI

/// Drills in the checklist, action by action, with a clock moved by hand: opening from a
/// scenario, injects at their scenario time, the trainer's clock keys, resuming without replays,
/// and the report screen.
@Suite struct DrillReducerTests {
    @Test func openingJournalsTheScenarioAndAFastClock() throws {
        let h = Harness.drill(speed: .x10)
        let journal = h.journal
        try #require(journal.count == 2)
        let opening = try #require(journal[0].opening)
        #expect(opening.scenario == "quake-drill" && opening.mode == .drill)
        #expect(opening.level == .interest && opening.variables == ["district": "마포구", "magnitude": "4.8"])
        #expect(journal[0].operator == "kim")
        #expect(journal[1].clockSet == IncidentEvent.ClockSet(speed: .x10, paused: false))
        #expect(h.checklist != nil)
        #expect(h.state.incident?.clock?.speed == .x10)
        #expect(h.state.incident?.scenarioID == "quake-drill")
        #expect(h.effects.contains(.follow(incident: Harness.drillID)))
    }

    @Test func atOneTimesNoClockLineIsWritten() {
        let h = Harness.drill()
        #expect(h.journal.map(\.kind) == ["opened"])
    }

    @Test func unknownScenarioIsRefusedOnScreen() {
        var h = Harness()
        #expect(h.send(.openDrill(scenario: "nope", speed: .x1)).isEmpty)
        #expect(h.state.flash?.text.en == "No drill scenario ‘nope’")
    }

    @Test func injectIsPlayedAtItsTimeWithItsLevelChangeAndOnlyOnce() throws {
        var h = Harness.drill()
        h.wait(seconds: 59)
        #expect(h.state.incident?.injects.isEmpty == true)
        #expect(!h.screenText.contains("기상청 지진속보"))
        h.wait(seconds: 2)
        let played = h.journal.dropFirst()
        #expect(played.map(\.kind) == ["inject", "level"])
        #expect(played.first?.injectShown?.inject == "warning" && played.first?.operator == DrillSetup.drillOperator)
        #expect(played.last?.levelSet?.level == .caution)
        #expect(h.state.incident?.level == .caution)
        // The step that applies from 주의 is now on the checklist; the inject is on screen and announced.
        #expect(h.screenText.contains("현장 피해 확인"))
        #expect(h.screenText.contains("기상청 지진속보: 마포구 규모 4.8"))
        #expect(h.state.flash?.text.ko == "새 훈련 상황: 기상청 지진속보: 마포구 규모 4.8, 주의로 상향 → 주의")
        #expect(h.state.pendingInjects.isEmpty)
        h.wait(seconds: 1)
        h.send(.tick)
        #expect(h.journal.filter { $0.kind == "inject" }.count == 1)
    }

    @Test func injectsDueTogetherArePlayedInScriptOrder() {
        var h = Harness.drill()
        h.wait(seconds: 301)
        #expect(h.journal.compactMap(\.injectShown?.inject) == ["warning", "aftershock"])
        #expect(h.state.incident?.level == .alert)
        #expect(h.state.incident?.levelChanges.map(\.to) == [.caution, .alert])
    }

    @Test func fasterClockPlaysInjectsSoonerAndIsJournaled() throws {
        var h = Harness.drill()
        h.key(.char("+"))
        h.key(.char("+"))
        let clocks = h.journal.filter { $0.kind == "clock" }
        #expect(clocks.compactMap(\.clockSet?.speed) == [.x2, .x5])
        #expect(h.state.incident?.clock?.speed == .x5)
        h.wait(seconds: 11)  // 55 s of scenario time
        #expect(h.state.incident?.injects.isEmpty == true)
        h.wait(seconds: 1)   // 60 s
        #expect(h.state.incident?.injects.map(\.id) == ["warning"])
        // Elapsed and the panel's clock are scenario time.
        #expect(h.screenText.contains("경과 01:00"))
        #expect(h.screenText.contains("T+01:00  >> 5×"))
        h.key(.char("-"))
        #expect(h.state.incident?.clock?.speed == .x2)
    }

    @Test func fastestSpeedSaysSoAndWritesNothing() {
        var h = Harness.drill(speed: .x60)
        let before = h.journal.count
        #expect(h.send(.key(.char("+"))).isEmpty)
        #expect(h.journal.count == before)
        #expect(h.state.flash?.text.en == "Already at 60×")
    }

    @Test func pausedClockPlaysNothingUntilResumed() {
        var h = Harness.drill()
        h.wait(seconds: 30)
        h.key(.char(" "))
        #expect(h.journal.last?.clockSet?.paused == true)
        #expect(h.state.incident?.clock?.isPaused == true)
        h.wait(seconds: 600)
        #expect(h.state.incident?.injects.isEmpty == true)
        #expect(h.screenText.contains("|| 일시정지"))
        #expect(h.screenText.contains("경과 00:30"))
        h.key(.char(" "))
        h.wait(seconds: 29)
        #expect(h.state.incident?.injects.isEmpty == true)
        h.wait(seconds: 2)
        #expect(h.state.incident?.injects.map(\.id) == ["warning"])
    }

    /// Home lists a drill in progress with its scenario time, as its checklist shows it.
    @Test func homeShowsADrillsScenarioTime() throws {
        var h = Harness.drill(speed: .x10)
        h.wait(seconds: 30)  // 300 s of scenario time
        #expect(h.screenText.contains("경과 05:00"))
        h.key(.char("q"))
        #expect(h.homeScreen != nil)
        // The drill's line (wall time would say 00:30).
        let line = try #require(h.screenText.split(separator: "\n").first { $0.contains("DRILL ") && $0.contains("마포구") })
        #expect(line.contains(" 05:00 "), "\(line)")
    }

    @Test func overdueMarksUseScenarioTime() {
        var h = Harness.drill(speed: .x10)
        let receive = Fixture.earthquake.phases[0].steps[0]  // 5-minute target
        h.wait(seconds: 29)
        #expect(h.state.incident?.isOverdue(receive, now: h.state.now) == false)
        h.wait(seconds: 2)   // 310 s of scenario time
        #expect(h.state.incident?.isOverdue(receive, now: h.state.now) == true)
        #expect(h.screenText.contains("지연 +0m"))
    }

    @Test func aResumedDrillKeepsItsClockAndDoesNotReplayInjects() {
        var h = Harness.drill(speed: .x10)
        h.wait(seconds: 7)   // T+70 s: the warning is played
        h.key(.char(" "))    // paused at T+70 s
        let journal = h.journal
        #expect(journal.compactMap(\.injectShown?.inject) == ["warning"])

        // A new TUI (after kill -9) an hour later, opening the same journal.
        var again = Harness()
        again.state.scenarios = [Fixture.quakeScenario]
        again.journals = h.journals
        again.clock.advance(minutes: 60)
        again.send(.tick)
        again.perform(.follow(incident: Harness.drillID))
        #expect(again.journal == journal)
        #expect(again.state.incident?.clock?.isPaused == true)
        #expect(again.state.incident?.elapsed(now: again.state.now) == 70)
        #expect(again.screenText.contains("기상청 지진속보"))
        again.key(.char(" "))
        again.wait(seconds: 24)  // 10× again: T+310 s
        #expect(again.journal.compactMap(\.injectShown?.inject) == ["warning", "aftershock"])
    }

    @Test func aFailedInjectAppendIsRetriedOnTheNextTick() {
        var h = Harness.drill()
        h.failAppends = "No space left on device"
        h.wait(seconds: 61)
        #expect(h.journal.filter { $0.kind == "inject" }.isEmpty)
        #expect(h.state.pendingInjects.isEmpty)
        #expect(h.state.flash?.kind == .error)
        h.failAppends = nil
        h.send(.tick)
        #expect(h.journal.compactMap(\.injectShown?.inject) == ["warning"])
    }

    @Test func aClosedDrillPlaysNoMoreInjectsAndRefusesTheClockKeys() {
        var h = Harness.drill()
        h.key(.char("c")); h.type("훈련 종료"); h.key(.enter)
        #expect(h.state.incident?.isClosed == true)
        h.wait(seconds: 900)
        #expect(h.journal.filter { $0.kind == "inject" }.isEmpty)
        #expect(h.send(.key(.char("+"))).isEmpty)
        #expect(h.state.flash?.text.en == "This drill is closed")
    }

    @Test func clockKeysOutsideAScenarioDrillOnlyExplain() {
        var h = Harness()
        h.openDrill()
        #expect(h.send(.key(.char(" "))).isEmpty)
        #expect(h.state.flash?.text.en == "Only in a scenario drill")
        #expect(DrillPanel.height(h.state) == 0)
    }

    // MARK: Start screen

    @Test func startScreenOffersTheManualsScenariosAndOpensOne() throws {
        var h = Harness()
        h.state.scenarios = [Fixture.quakeScenario]
        h.key(.enter)                 // earthquake → Start, on the mode field
        h.key(.down)                  // the scenario field (drill, and the manual has one)
        #expect(try #require(h.startScreen).field == .scenario)
        #expect(h.screenText.contains("없음 (자유 훈련)"))
        h.key(.right)
        let s1 = try #require(h.startScreen)
        #expect(s1.scenarioID == "quake-drill")
        #expect(s1.values["district"]?.text == "마포구")
        #expect(h.screenText.contains("마포구 규모 4.8 지진 (3개 상황)"))
        h.key(.ctrl("o"))
        let opened = try #require(h.journal.first?.opening)
        #expect(opened.scenario == "quake-drill" && opened.mode == .drill)
        #expect(h.checklist != nil && h.state.incident?.clock != nil)
    }

    @Test func liveModeHasNoScenarioField() throws {
        var h = Harness()
        h.state.scenarios = [Fixture.quakeScenario]
        h.key(.enter)
        h.key(.right)                 // DRILL → LIVE
        let s = try #require(h.startScreen)
        #expect(!s.fields(h.state).contains(.scenario))
        var other = Harness()         // a manual with no scenario: no field either
        other.state.scenarios = [Fixture.quakeScenario]
        other.key(.down); other.key(.enter)
        let f = try #require(other.startScreen)
        #expect(!f.fields(other.state).contains(.scenario))
    }

    // MARK: Report screen

    @Test func reportKeyOpensTheReportAndBackReturnsToTheChecklist() throws {
        var h = Harness.drill()
        h.wait(seconds: 61)
        h.clock.advance(seconds: 30)
        h.key(.char("d"))             // 상황 접수 및 전파 done at T+1:31: answers the warning
        let out = h.send(.key(.char("R")))
        #expect(out == [.loadReport(incident: Harness.drillID)])
        let screen = try #require(h.reportScreen)
        let report = try #require(screen.report)
        #expect(report.drill?.injects.first?.answered == true)
        #expect(h.screenText.contains("사후 검토 보고서"))
        #expect(h.screenText.contains("상황 대응 1/2"))
        #expect(h.state.modeInContext == .drill)
        // Journal lines keep arriving while the report is open.
        h.wait(seconds: 240)
        #expect(h.journal.compactMap(\.injectShown?.inject) == ["warning", "aftershock"])
        h.key(.char("q"))
        #expect(h.checklist != nil)
        #expect(h.state.incident?.level == .alert)
    }

    @Test func reportScrollsAndRebuilds() throws {
        var h = Harness.drill()
        h.key(.char("R"))
        h.key(.end)
        #expect(try #require(h.reportScreen).scroll > 0)
        #expect(h.send(.key(.char("g"))) == [.loadReport(incident: Harness.drillID)])
        h.key(.home)
        #expect(try #require(h.reportScreen).scroll == 0)
    }

    @Test func reportOfAClosedIncidentFromHome() {
        var h = Harness.drill()
        h.key(.char("c")); h.type("끝"); h.key(.enter)
        h.key(.char("q"))
        h.key(.char("R"))             // focus on manuals: explained, nothing opened
        #expect(h.state.flash?.text.en == "Pick an incident first (Tab), then R")
        h.key(.tab)
        #expect(h.send(.key(.char("R"))) == [.loadReport(incident: Harness.drillID)])
        #expect(h.screenText.contains("종료 요약: 끝"))
        h.key(.escape)
        guard case .home = h.state.screen else { Issue.record("not home"); return }
    }

    @Test func reportForAnotherIncidentIsIgnoredAndAFailureIsShown() {
        var h = Harness.drill()
        h.key(.char("R"))
        let before = h.state.screen
        h.send(.reportLoaded(incident: "other", report: nil, problems: ["x"]))
        #expect(h.state.screen == before)
        h.send(.reportLoaded(incident: Harness.drillID, report: nil, problems: ["no incident"]))
        #expect(h.state.flash?.text.en == "Cannot build the report: no incident")
        #expect(h.screenText.contains("보고서를 만들 수 없습니다: no incident"))
    }
}

extension DrillReducerTests {
    @Test func aChosenScenarioFixesLevelAndVariables() throws {
        var h = Harness()
        h.state.scenarios = [Fixture.quakeScenario]
        h.key(.enter)
        h.key(.down)
        h.key(.right)                 // quake-drill chosen
        h.key(.down)                  // straight to the open line: level and district come from the scenario
        let s = try #require(h.startScreen)
        #expect(s.field == .open)
        #expect(h.screenText.contains("마포구"))
        h.key(.up); h.key(.left)      // back to none: the form is editable again
        let free = try #require(h.startScreen)
        #expect(free.scenarioID == nil)
        #expect(free.fields(h.state).contains(.variable("district")))
        #expect(free.values["district"]?.text == "" && free.level == .interest, "the scenario's data went with it")
    }

    /// Issue 9: choosing a scenario and then LIVE carried the scenario's district and magnitude
    /// into a LIVE incident. Leaving the scenario puts back what the operator had typed.
    @Test func switchingFromAScenarioToLiveDropsTheScenariosData() throws {
        var h = Harness()
        h.state.scenarios = [Fixture.quakeScenario]
        h.key(.enter)
        h.key(.down); h.key(.down); h.key(.down)   // mode → scenario → level → district
        h.type("강서구")                             // typed before choosing a scenario
        h.key(.up); h.key(.up)                      // back to the scenario field
        h.key(.right)                               // quake-drill: 마포구, 4.8, 관심
        let chosen = try #require(h.startScreen)
        #expect(chosen.values["district"]?.text == "마포구" && chosen.values["magnitude"]?.text == "4.8")
        h.key(.up); h.key(.right)                   // mode: LIVE
        let live = try #require(h.startScreen)
        #expect(live.mode == .live && live.scenarioID == nil)
        #expect(live.values["district"]?.text == "강서구" && live.values["magnitude"]?.text == "")
        #expect(!h.screenText.contains("마포구") && !h.screenText.contains("4.8"))
        h.key(.ctrl("o")); h.type("LIVE"); h.key(.enter)
        let opening = try #require(h.journal.first?.opening)
        #expect(opening.mode == .live)
        #expect(opening.variables == ["district": "강서구"])
    }
}
