import Foundation
import HaechiCore
import Testing

/// `DrillClock(journal:)`: the clock a drill's journal records, which both the resumed checklist
/// and the report use for scenario time.
@Suite struct DrillClockJournalTests {
    static let t0 = Date(timeIntervalSince1970: 1_795_888_800)
    static func at(_ s: Double) -> Date { t0.addingTimeInterval(s) }
    static let opened = IncidentEvent(kind: .opened, incident: "d", at: t0, operator: "kim", manual: "earthquake", mode: .drill,
                                      scenario: "quake-drill", level: .interest)
    static func clock(_ s: Double, _ speed: Int, paused: Bool = false, incident: String = "d") -> IncidentEvent {
        IncidentEvent(kind: .clock, incident: incident, at: at(s), operator: "kim", speed: speed, paused: paused)
    }

    @Test func replaysSpeedAndPausesInJournalOrder() throws {
        let journal = [Self.opened, Self.clock(0, 60), Self.clock(10, 60, paused: true), Self.clock(100, 2)]
        let clock = try #require(DrillClock(journal: journal))
        #expect(clock.elapsed(at: Self.at(10)) == 600)     // 10 s at 60×
        #expect(clock.elapsed(at: Self.at(100)) == 600)    // paused for 90 s
        #expect(clock.elapsed(at: Self.at(110)) == 620)    // resumed at 2×
        #expect(clock.speed == .x2 && !clock.isPaused)
    }

    @Test func liveIncidentsFreeDrillsAndOtherIncidentsLinesHaveNoClock() throws {
        var live = Self.opened; live.mode = .live
        #expect(DrillClock(journal: [live]) == nil)
        var free = Self.opened; free.scenario = nil
        #expect(DrillClock(journal: [free]) == nil)
        #expect(DrillClock(journal: []) == nil)
        let other = try #require(DrillClock(journal: [Self.opened, Self.clock(0, 60, incident: "elsewhere")]))
        #expect(other.speed == .x1)
    }

    @Test func aLineWithAnUnknownSpeedKeepsOneTimes() throws {
        let clock = try #require(DrillClock(journal: [Self.opened, Self.clock(5, 7)]))
        #expect(clock.speed == .x1)
        #expect(clock.elapsed(at: Self.at(20)) == 20)
    }

    @Test func theReportCountsInScenarioTime() throws {
        let journal = [Self.opened, Self.clock(0, 60),
                       IncidentEvent(kind: .stepStatus, incident: "d", at: Self.at(30), operator: "kim", step: "receive", status: .done),
                       IncidentEvent(kind: .closed, incident: "d", at: Self.at(60), operator: "kim", text: "end")]
        let report = try IncidentReport.build(ReportInput(journal: journal, clock: DrillClock(journal: journal)))
        #expect(report.duration == 3600)
        #expect(report.steps.first { $0.id == "receive" }?.completed == 1800)
        #expect(report.timeline.contains { $0.text == "drill clock 60×" })
    }
}
