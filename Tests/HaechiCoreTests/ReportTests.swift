import Foundation
import Testing
@testable import HaechiCore

@Suite struct ReportFigureTests {
    let report = try! IncidentReport.build(ReportFixture.liveInput)

    func step(_ id: String) -> IncidentReport.StepOutcome { report.steps.first { $0.id == id }! }

    @Test func headerNamesManualModeOperatorsAndLevels() {
        #expect(report.incident == "INC-1")
        #expect(report.manual.id == "test-rain")
        #expect(report.manual.title?.ko == "시험 호우")
        #expect(report.mode == .live)
        #expect(report.operators == ["kim", "lee", "park"])
        #expect(report.levels.map(\.level) == [.caution, .alert])
        #expect(report.levels.map(\.offset) == [0, 1200])
        #expect(report.opened == ReportFixture.at(0))
        #expect(report.closed == ReportFixture.at(40))
        #expect(report.duration == 2400)
        #expect(report.closeSummary == "all clear")
        #expect(report.variables == ["district": "강남구"])
        #expect(report.problems.isEmpty, "\(report.problems)")
    }

    @Test func stepsAgainstTheirTargets() {
        #expect(step("situation").outcome == .onTime)
        #expect(step("situation").completed == 240)
        #expect(step("alert-staff").outcome == .late)
        #expect(step("alert-staff").lateBy == 120)
        #expect(step("sns").outcome == .onTime)
        #expect(step("sns").started == 360)
        #expect(step("press").outcome == .skipped)
        #expect(step("press").reason == "no press on site")
        #expect(step("report").outcome == .notDone)
        // Applies from 경계, reached at +20: its 10 minutes count from there, so +35 is 5 min late.
        #expect(step("evacuate").applicableFrom == 1200)
        #expect(step("evacuate").deadline == 1800)
        #expect(step("evacuate").lateBy == 300)
        #expect(step("evacuate").completedBy == "lee")
        #expect(step("shelter").outcome == .notApplicable)
    }

    @Test func summaryFigures() {
        let s = report.summary
        #expect(s.stepsApplicable == 6)
        #expect(s.stepsOnTime == 2)
        #expect(s.stepsLate == 2)
        #expect(s.stepsSkipped == 1)
        #expect(s.stepsNotDone == 1)
        // m1 on X at 13:20; the other incident's 1:12 delivery must not count.
        #expect(s.firstDelivered == 800)
        #expect(s.messages == 4)
        #expect(s.delivered == 5)
        #expect(s.dead == 1)
        #expect(s.unknown == 1)
        // m3's X posts (one cancelled by the sender, one never tried); X/en of m2 and m4 and
        // m2's Mastodon post wait.
        #expect(s.posts[.cancelled] == 2)
        #expect(s.posts[.waiting] == 3)
    }

    @Test func messagesCarryApprovalCancellationCorrectionAndPerChannelOutcome() {
        let byID = Dictionary(uniqueKeysWithValues: report.messages.map { ($0.id, $0) })
        #expect(report.messages.map(\.id) == ["m1", "m2", "m3", "m4"])
        let m1 = byID["m1"]!
        #expect(m1.deliveries.map { "\($0.channel).\($0.language?.rawValue ?? "-").\($0.state.rawValue)" }
                == ["x.ko.delivered", "x.en.delivered", "mastodon.ko.delivered", "kakao.ko.dead", "cbs.ko.unknown"])
        #expect(m1.deliveries[2].attempts == 2)
        #expect(m1.deliveries[3].reason == "template not approved")
        #expect(byID["m2"]!.approvedBy == "park")
        #expect(byID["m2"]!.approvedAt == 1320, "\(String(describing: byID["m2"]!.approvedAt.map { $0 - 1320 }))")
        #expect(byID["m2"]!.correctedBy == ["m4"])
        #expect(byID["m2"]!.deliveries.map { "\($0.channel).\($0.language?.rawValue ?? "-").\($0.state.rawValue)" }
                == ["x.ko.delivered", "x.en.waiting", "mastodon.ko.waiting"], "every post, with or without a ledger line")
        #expect(byID["m1"]!.deliveries.map(\.text) == ["m1 본문", "m1 body", "m1 본문", "m1 본문", "m1 본문"])
        #expect(byID["m3"]!.cancelledBy == "kim")
        #expect(byID["m3"]!.cancelReason == "duplicate")
        #expect(byID["m4"]!.corrects == "m2")
    }

    @Test func timelineHoldsEveryJournalLineAndEveryOutcomeInTimeOrder() {
        let t = report.timeline
        // 12 journal lines, plus m3's queueing, which only the outbox records.
        #expect(t.count(where: { [.opened, .step, .note, .level, .message, .closed].contains($0.kind) }) == 13)
        #expect(t.count(where: { $0.kind == .delivered }) == 5)
        #expect(t.count(where: { $0.kind == .dead }) == 1)
        #expect(t.count(where: { $0.kind == .unknown }) == 1)
        #expect(t.count(where: { $0.kind == .retry }) == 1)
        #expect(t.count(where: { $0.kind == .approved }) == 1)
        #expect(t.count(where: { $0.kind == .cancelled }) == 2) // operator's cancel + the sender's
        #expect(t.count(where: { $0.kind == .corrected }) == 1)
        // m3 has no journal line, so its outbox record stands in for it.
        #expect(t.contains { $0.kind == .message && $0.message == "m3" })
        #expect(!t.contains { $0.message == "other" })
        #expect(zip(t, t.dropFirst()).allSatisfy { $0.at <= $1.at })
        #expect(t.first?.kind == .opened)
        #expect(t.last?.kind == .closed)
    }

    @Test func notesAreListed() {
        #expect(report.notes.count == 1)
        #expect(report.notes[0].step == "situation")
        #expect(report.notes[0].offset == 480)
    }

    @Test func withoutTheManualTheJournalStillReports() throws {
        let bare = try IncidentReport.build(ReportInput(journal: ReportFixture.liveJournal))
        #expect(bare.manual.title == nil)
        #expect(bare.steps.map(\.id) == ["situation", "sns", "alert-staff", "press", "evacuate"])
        #expect(bare.steps.allSatisfy { $0.deadline == nil })
        #expect(bare.summary.stepsOnTime == 4) // done, and no target to miss
        #expect(bare.summary.stepsSkipped == 1)
    }

    @Test func foreignLinesAndUnknownStepsAreReportedAsProblems() throws {
        var journal = ReportFixture.liveJournal
        journal.append(ReportFixture.event(.note, 5, text: "wrong file", incident: "INC-2"))
        journal.append(ReportFixture.event(.step, 6, step: "renamed-step", status: .done))
        let r = try IncidentReport.build(ReportInput(journal: journal, manual: ReportFixture.manual))
        #expect(r.problems.count == 2)
        #expect(r.problems.contains { $0.contains("another incident") })
        #expect(r.problems.contains { $0.contains("renamed-step") })
        #expect(r.steps.last?.id == "renamed-step")
    }

    @Test func reopenedStepCountsItsLastCompletion() throws {
        var journal = ReportFixture.liveJournal
        journal.insert(ReportFixture.event(.step, 4.5, step: "situation", status: .todo), at: 2)
        journal.insert(ReportFixture.event(.step, 7, step: "situation", status: .done), at: 4)
        let r = try IncidentReport.build(ReportInput(journal: journal, manual: ReportFixture.manual))
        let s = r.steps.first { $0.id == "situation" }!
        #expect(s.reopened == 1)
        #expect(s.outcome == .late)
        #expect(s.lateBy == 120)
    }

    @Test func correctionWithoutIncidentFollowsTheMessageItCorrects() throws {
        var input = ReportFixture.liveInput
        var fix = ReportFixture.message("m5", 30, "kim", step: nil, channels: ["x"], corrects: "m1")
        fix.incident = nil
        input.outbox.append(.correct(fix))
        var stray = ReportFixture.message("m6", 31, "kim", step: nil, channels: ["x"], corrects: "other")
        stray.incident = nil
        input.outbox.append(.correct(stray))
        let r = try IncidentReport.build(input)
        #expect(r.messages.map(\.id) == ["m1", "m2", "m3", "m4", "m5"])
        #expect(r.messages[0].correctedBy == ["m5"])
    }

    @Test func emptyJournalIsAnError() {
        #expect(throws: ReportError.emptyJournal) { try IncidentReport.build(ReportInput(journal: [])) }
    }
}

@Suite struct DrillScoreTests {
    @Test func injectsAnsweredWithinTheirWindow() throws {
        let r = try IncidentReport.build(ReportInput(journal: ReportFixture.drillJournal(), manual: ReportFixture.manual,
                                                     scenario: ReportFixture.scenario))
        let d = try #require(r.drill)
        #expect(r.mode == .drill)
        #expect(r.scenario?.id == "test-drill")
        #expect(r.operators == ["trainer", "trainee"]) // the drill's own lines are not an operator
        #expect(d.expected == 3)
        #expect(d.answered == 1)
        #expect(d.percent == 33)
        #expect(d.meanResponse == 360)
        let byID = Dictionary(uniqueKeysWithValues: d.injects.map { ($0.id, $0) })
        #expect(byID["gauge"]!.answered)
        #expect(byID["gauge"]!.response == 360)
        #expect(byID["photo"]!.answered == false)
        #expect(byID["photo"]!.missing == ["sns"])
        #expect(byID["quiet"]!.expected.isEmpty)
        #expect(byID["late"]!.shown == nil)
        #expect(r.steps.first { $0.id == "report" }!.outcome == .notDue)
        // press (20 min) reaches its deadline exactly at the close: not yet late, as a step done
        // at its deadline is on time (docs/steps.md), so it is not counted as missed either.
        #expect(r.steps.first { $0.id == "press" }!.outcome == .notDue)
        #expect(r.summary.stepsNotDue == 2)
        // The inject raised the level at +3, so evacuate's 10 minutes ran to +13; done at +9.
        #expect(r.steps.first { $0.id == "evacuate" }!.outcome == .onTime)
    }

    /// At 10× with a two-minute pause, the same drill must score exactly the same: targets and
    /// windows are scenario minutes, not wall minutes.
    @Test func speedAndPauseAreUndoneByTheClock() throws {
        let w0 = ReportFixture.t0
        var clock = DrillClock(startedAt: w0, speed: .x10)
        // Pause at scenario minute 10 (wall +60 s) for 120 wall seconds.
        clock.pause(at: w0.addingTimeInterval(60))
        clock.resume(at: w0.addingTimeInterval(180))
        let wall: (Double) -> Date = { m in
            let seconds = m * 60 / 10
            return w0.addingTimeInterval(m <= 10 ? seconds : seconds + 120)
        }
        let fast = try IncidentReport.build(ReportInput(journal: ReportFixture.drillJournal(clockAt: wall), manual: ReportFixture.manual,
                                                        scenario: ReportFixture.scenario, clock: clock))
        let real = try IncidentReport.build(ReportInput(journal: ReportFixture.drillJournal(), manual: ReportFixture.manual,
                                                        scenario: ReportFixture.scenario))
        #expect(fast.drill == real.drill)
        #expect(fast.summary == real.summary)
        #expect(fast.steps.map(\.outcome) == real.steps.map(\.outcome))
        #expect(fast.duration == 1200)
        // Read as wall time, the same journal would look like a 5-minute drill with nothing late.
        let unmapped = try IncidentReport.build(ReportInput(journal: ReportFixture.drillJournal(clockAt: wall), manual: ReportFixture.manual,
                                                            scenario: ReportFixture.scenario))
        #expect(unmapped.drill?.answered == 2)
    }
}

@Suite struct ManualStatsTests {
    /// `manuals --stats` reads each journal through the same incident model as the checklist, so
    /// a drill run at 10× (its clock lines journaled) counts in scenario time, like its report.
    @Test func drillsRunFasterCountInScenarioTime() throws {
        let w0 = ReportFixture.t0
        var fast = ReportFixture.drillJournal(clockAt: { m in w0.addingTimeInterval(m * 60 / 10) })
        fast.insert(.clock(.init(incident: "DRILL-1", at: w0, operator: "trainer"), .init(speed: .x10, paused: false)), at: 1)
        let atTen = ManualStats.compute(journals: [fast], manuals: [ReportFixture.manual])
        let atOne = ManualStats.compute(journals: [ReportFixture.drillJournal()], manuals: [ReportFixture.manual])
        #expect(atTen == atOne)
        let steps = try #require(atOne.first?.steps)
        #expect(!steps.isEmpty)
    }

    @Test func stepsMostOftenMissedComeFirst() {
        var second = ReportFixture.liveJournal.map { $0.restamped { $0.incident = "INC-2" } }
        // In the second incident "press" is skipped again for another reason, "report" is done on time.
        second.removeAll { $0.step == "press" }
        second.insert(ReportFixture.event(.step, 3, step: "press", status: .skipped, text: "PR office closed", incident: "INC-2"), at: 1)
        second.insert(ReportFixture.event(.step, 20, step: "report", status: .done, incident: "INC-2"), at: 5)
        let stats = ManualStats.compute(journals: [ReportFixture.liveJournal, second, ReportFixture.drillJournal()],
                                        manuals: [ReportFixture.manual])
        #expect(stats.count == 1)
        let m = stats[0]
        #expect(m.incidents == 3)
        #expect(m.drills == 1)
        let byID = Dictionary(uniqueKeysWithValues: m.steps.map { ($0.id, $0) })
        #expect(byID["press"]!.skipped == 2)
        #expect(byID["press"]!.skipReasons.map(\.count) == [1, 1])
        #expect(byID["evacuate"]!.late == 2)
        #expect(byID["evacuate"]!.meanLate == 300)
        #expect(byID["alert-staff"]!.late == 2)
        // Never done in INC-1; in the drill (closed at +20) its +25 deadline had not come: not counted.
        #expect(byID["report"]!.notDone == 1)
        #expect(byID["report"]!.applied == 2)
        #expect(byID["situation"] == nil) // never missed: not listed
        // Most missed first, ties in manual order.
        #expect(m.steps.map(\.id) == ["alert-staff", "press", "evacuate", "report"])
        let text = ManualStats.renderText(stats)
        #expect(text.contains("alert-staff: missed 3 of 3 — late 2 (mean 2 min), skipped 0, never done 1"))
    }
}
