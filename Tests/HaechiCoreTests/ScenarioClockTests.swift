import Foundation
import Testing
@testable import HaechiCore

@Suite struct DrillClockTests {
    let w0 = Date(timeIntervalSince1970: 1_800_000_000)
    func wall(_ s: Double) -> Date { w0.addingTimeInterval(s) }

    @Test func realTimeByDefault() {
        let clock = DrillClock(startedAt: w0)
        #expect(clock.elapsed(at: wall(90)) == 90)
        #expect(clock.elapsed(at: wall(-5)) == 0)
        #expect(clock.scenarioDate(at: wall(90)) == wall(90))
    }

    @Test func speedChangesKeepScenarioTimeContinuous() {
        var clock = DrillClock(startedAt: w0)
        clock.setSpeed(.x10, at: wall(60))          // 1 min real, then 10×
        #expect(clock.elapsed(at: wall(60)) == 60)
        #expect(clock.elapsed(at: wall(66)) == 120)
        clock.setSpeed(.x60, at: wall(72))          // 180 s so far
        #expect(clock.elapsed(at: wall(73)) == 240)
        clock.setSpeed(.x1, at: wall(75))           // 180 + 3 × 60 = 360
        #expect(clock.elapsed(at: wall(80)) == 365)
        // History stays valid: a past wall time maps as it did then.
        #expect(clock.elapsed(at: wall(66)) == 120)
        #expect(clock.segments.count == 4)
    }

    @Test func pauseStopsTimeAndResumeContinues() {
        var clock = DrillClock(startedAt: w0, speed: .x5)
        clock.pause(at: wall(10))                   // 50 s in
        #expect(clock.isPaused)
        #expect(clock.elapsed(at: wall(500)) == 50)
        clock.pause(at: wall(600))                  // pausing twice changes nothing
        #expect(clock.segments.count == 2)
        clock.resume(at: wall(1000))
        #expect(clock.elapsed(at: wall(1002)) == 60)
        clock.togglePause(at: wall(1004))
        #expect(clock.isPaused)
        #expect(clock.elapsed(at: wall(2000)) == 70)
    }

    @Test func aClockSteppedBackNeverRunsScenarioTimeBackwards() {
        var clock = DrillClock(startedAt: w0, speed: .x2)
        clock.setSpeed(.x10, at: wall(100))         // 200 s
        clock.pause(at: wall(50))                   // NTP stepped back: treated as at 100
        #expect(clock.elapsed(at: wall(100)) == 200)
        #expect(clock.elapsed(at: wall(150)) == 200)
    }

    @Test func wakeUpTimeForTheNextInject() {
        var clock = DrillClock(startedAt: w0, speed: .x10)
        #expect(clock.wallDate(whenElapsed: 600, now: wall(0)) == wall(60))
        #expect(clock.wallDate(whenElapsed: 600, now: wall(70)) == wall(70))
        clock.pause(at: wall(30))
        #expect(clock.wallDate(whenElapsed: 600, now: wall(40)) == nil)
        clock.resume(at: wall(40))
        #expect(clock.wallDate(whenElapsed: 600, now: wall(40)) == wall(70))
    }

    @Test func replayingRecordedChangesGivesTheSameClock() {
        var live = DrillClock(startedAt: w0, speed: .x5)
        live.pause(at: wall(10))
        live.resume(at: wall(40))
        live.setSpeed(.x60, at: wall(50))
        let replayed = DrillClock(startedAt: w0, speed: .x5, replaying: [
            (wall(10), .x5, true), (wall(40), .x5, false), (wall(50), .x60, false),
        ])
        #expect(replayed == live)
        #expect(replayed.elapsed(at: wall(51)) == 50 + 50 + 60)
    }

    @Test func speedsStepUpAndDown() {
        #expect(DrillClock.Speed.x1.faster == .x2)
        #expect(DrillClock.Speed.x10.faster == .x60)
        #expect(DrillClock.Speed.x60.faster == .x60)
        #expect(DrillClock.Speed.x5.slower == .x2)
        #expect(DrillClock.Speed.x1.slower == .x1)
        #expect(DrillClock.Speed.x60.description == "60×")
    }
}

@Suite struct InjectScheduleTests {
    let w0 = Date(timeIntervalSince1970: 1_800_000_000)

    /// Drives a drill the way the TUI will: tick, ask what is due, journal it.
    @Test func injectsFireOnceAtTheirScenarioTimeThroughPauseAndSpeedUp() throws {
        var setup = try DrillSetup(scenario: ReportFixture.scenario, manual: ReportFixture.manual, incident: "D-1",
                                   operator: "trainer", now: w0, speed: .x10)
        var journal = [setup.opened]
        var fired: [String: TimeInterval] = [:]
        func tick(_ s: Double) {
            let now = w0.addingTimeInterval(s)
            for inject in setup.schedule.due(elapsed: setup.clock.elapsed(at: now), journal: journal) {
                fired[inject.id] = setup.clock.elapsed(at: now)
                journal += setup.injectEvents(inject, at: now)
            }
        }
        for s in stride(from: 0.0, through: 17, by: 1) { tick(s) }    // 170 s of scenario: nothing yet
        #expect(fired.isEmpty)
        tick(18)                                                       // T+3 at 10×
        #expect(fired == ["gauge": 180])
        let last = try #require(journal.last)
        guard case .level(_, let set) = last else { Issue.record("expected a level line, got \(last)"); return }
        #expect(set.level == .alert)
        tick(18)                                                       // the same tick again fires nothing
        #expect(journal.count == 3)
        setup.clock.pause(at: w0.addingTimeInterval(20))               // T+3:20
        for s in stride(from: 20.0, through: 600, by: 10) { tick(s) }
        #expect(fired.count == 1)
        setup.clock.resume(at: w0.addingTimeInterval(600))
        setup.clock.setSpeed(.x60, at: w0.addingTimeInterval(600))
        tick(605)                                                      // 200 + 300 = T+8:20
        #expect(fired.keys.sorted() == ["gauge", "photo"])
        #expect(setup.schedule.next(journal: journal)?.id == "quiet")
        tick(700)                                                      // way past T+30: both remaining, in order
        #expect(journal.compactMap { if case .inject(_, let i) = $0 { i.inject } else { nil } } == ["gauge", "photo", "quiet", "late"])
        #expect(setup.schedule.finished(journal: journal))
        #expect(journal.filter { $0.kind == "inject" }.allSatisfy { $0.operator == DrillSetup.drillOperator })
    }

    @Test func aResumedDrillDoesNotReplayJournaledInjects() {
        let schedule = InjectSchedule(scenario: ReportFixture.scenario)
        let journal = ReportFixture.drillJournal()
        #expect(schedule.due(elapsed: 10 * 60, journal: journal).isEmpty)
        #expect(schedule.due(elapsed: 31 * 60, journal: journal).map(\.id) == ["late"])
    }

    @Test func setupRefusesAMismatchedManualOrMissingVariable() {
        var other = ReportFixture.manual
        other.id = "typhoon"
        #expect(throws: DrillSetup.Problem.manualMismatch(scenario: "test-rain", manual: "typhoon")) {
            try DrillSetup(scenario: ReportFixture.scenario, manual: other, incident: "D", operator: "t", now: w0)
        }
        var bare = ReportFixture.scenario
        bare.variables = [:]
        #expect(throws: DrillSetup.Problem.missingVariable("district")) {
            try DrillSetup(scenario: bare, manual: ReportFixture.manual, incident: "D", operator: "t", now: w0)
        }
    }

    @Test func openedLineMarksTheDrill() throws {
        let setup = try DrillSetup(scenario: ReportFixture.scenario, manual: ReportFixture.manual, incident: "D-2",
                                   operator: "trainer", now: w0)
        guard case .opened(_, let o) = setup.opened else { Issue.record("not an opened line: \(setup.opened)"); return }
        #expect(o.mode == .drill)
        #expect(o.scenario == "test-drill")
        #expect(o.level == .caution)
        #expect(o.variables == ["district": "강남구"])
    }
}
