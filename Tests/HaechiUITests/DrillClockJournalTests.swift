import Foundation
import HaechiCore
import Testing

/// `DrillClock(journal:)`: the clock a drill's journal records, which both the resumed checklist
/// and the report use for scenario time.
@Suite struct DrillClockJournalTests {
    static let t0 = Date(timeIntervalSince1970: 1_795_888_800)
    static func at(_ s: Double) -> Date { t0.addingTimeInterval(s) }
    static func opened(mode: Mode = .drill, scenario: String? = "quake-drill") -> IncidentEvent {
        .opened(.init(incident: "d", at: t0, operator: "kim"), .init(manual: "earthquake", mode: mode, level: .interest, scenario: scenario))
    }
    static let opened = opened()
    static func clock(_ s: Double, _ speed: DrillClock.Speed, paused: Bool = false, incident: String = "d") -> IncidentEvent {
        .clock(.init(incident: incident, at: at(s), operator: "kim"), .init(speed: speed, paused: paused))
    }

    @Test func replaysSpeedAndPausesInJournalOrder() throws {
        let journal = [Self.opened, Self.clock(0, .x60), Self.clock(10, .x60, paused: true), Self.clock(100, .x2)]
        let clock = try #require(DrillClock(journal: journal))
        #expect(clock.elapsed(at: Self.at(10)) == 600)     // 10 s at 60×
        #expect(clock.elapsed(at: Self.at(100)) == 600)    // paused for 90 s
        #expect(clock.elapsed(at: Self.at(110)) == 620)    // resumed at 2×
        #expect(clock.speed == .x2 && !clock.isPaused)
    }

    @Test func liveIncidentsFreeDrillsAndOtherIncidentsLinesHaveNoClock() throws {
        #expect(DrillClock(journal: [Self.opened(mode: .live)]) == nil)
        #expect(DrillClock(journal: [Self.opened(scenario: nil)]) == nil)
        #expect(DrillClock(journal: []) == nil)
        let other = try #require(DrillClock(journal: [Self.opened, Self.clock(0, .x60, incident: "elsewhere")]))
        #expect(other.speed == .x1)
    }

    @Test func aLineWithAnUnknownSpeedKeepsOneTimes() throws {
        // Read from the file's shape: a speed this version does not offer is an unknown line, kept
        // and shown, never a clock change.
        let line = #"{"at":"2026-11-29T03:00:05.000Z","incident":"d","kind":"clock","operator":"kim","paused":false,"speed":7}"#
        let odd = try RecordCoding.decoder().decode(IncidentEvent.self, from: Data(line.utf8))
        let unknown = try #require(odd.unrecognised)
        #expect(unknown.kind == "clock" && unknown.problem.contains("7"))
        let clock = try #require(DrillClock(journal: [Self.opened, odd]))
        #expect(clock.speed == .x1)
        #expect(clock.elapsed(at: Self.at(20)) == 20)
    }

    @Test func theReportCountsInScenarioTime() throws {
        let journal = [Self.opened, Self.clock(0, .x60),
                       .step(.init(incident: "d", at: Self.at(30), operator: "kim"), .init(step: "receive", status: .done)),
                       .closed(.init(incident: "d", at: Self.at(60), operator: "kim"), summary: "end")]
        // No clock given: the report reads the journal's own clock, as the checklist does.
        let report = try IncidentReport.build(ReportInput(journal: journal))
        #expect(report.duration == 3600)
        #expect(report.steps.first { $0.id == "receive" }?.completed == 1800)
        #expect(report.timeline.contains { $0.text == "drill clock 60×" })
    }
}
