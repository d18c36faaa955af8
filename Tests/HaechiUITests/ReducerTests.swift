import Foundation
import HaechiCore
import Testing
@testable import HaechiUI

/// The reducer, action by action: each test feeds actions and asserts the resulting state and
/// the effects it asked the shell to perform.
@Suite struct ReducerTests {
    // MARK: Home

    @Test func homeMovesBetweenManualsAndIncidentsAndRefusesEmptySections() throws {
        var h = Harness()
        h.key(.down)
        #expect(try #require(h.homeScreen).manualIndex == 1)
        h.key(.down)  // already at the last manual: stays
        #expect(try #require(h.homeScreen).manualIndex == 1)
        h.key(.tab)   // no incidents yet: the focus stays and the officer is told why
        #expect(try #require(h.homeScreen).focus == .manuals)
        #expect(h.state.flash?.text.en == "No incidents in progress or recently closed")
    }

    @Test func enterOnAManualOpensStartWithDrillSelected() throws {
        var h = Harness()
        h.key(.enter)
        let start = try #require(h.startScreen)
        #expect(start.manualID == "earthquake")
        #expect(start.mode == .drill)
        #expect(start.level == .interest)
        #expect(h.state.modeInContext == .drill)
    }

    @Test func quitFromHomeAndCtrlCAnywhere() {
        var h = Harness()
        #expect(h.send(.key(.char("q"))) == [.stopFollowing, .quit])
        var h2 = Harness()
        h2.key(.enter)
        #expect(h2.send(.key(.ctrl("c"))) == [.stopFollowing, .quit])
    }

    @Test func hangulInputModeKeysActAsTheirLatinKeys() {
        var h = Harness()
        h.openDrill()
        h.send(.key(.char("ㅇ")))  // ㅇ sits on d
        #expect(h.state.incident?.status(of: "receive") == .done)
    }

    @Test func reviewFromHomeOpensTheSelectedManual() throws {
        var h = Harness()
        h.key(.down)
        h.key(.char("r"))
        let r = try #require(h.reviewScreen)
        #expect(HomeScreen.orderedManuals(h.state)[r.manualIndex].id == "fire")
        h.key(.char("q"))
        guard case .home = h.state.screen else { Issue.record("q should go home"); return }
    }

    @Test func refreshListsIncidents() {
        var h = Harness()
        #expect(h.send(.key(.char("g"))) == [.listIncidents])
    }

    // MARK: Start

    @Test func startRequiresTheRequiredVariablesAndTypesHangulAsNFC() throws {
        var h = Harness()
        h.key(.enter)
        h.key(.ctrl("o"))
        #expect(try #require(h.startScreen).field == .variable("district"))
        #expect(h.state.flash?.text.en == "Fill in ‘District’ (required)")
        // Decomposed jamo (as some input methods send them) end up as composed syllables.
        for scalar in "마포구".decomposedStringWithCanonicalMapping.unicodeScalars { h.key(.char(Character(scalar))) }
        let s2 = try #require(h.startScreen)
        #expect(s2.values["district"]?.text == "마포구")
        #expect(s2.values["district"]?.text.unicodeScalars.count == 3)
    }

    @Test func typedQuestionMarkGoesIntoTheFieldNotToHelp() throws {
        var h = Harness()
        h.key(.enter); h.key(.down); h.key(.down)
        h.type("?L")
        #expect(try #require(h.startScreen).values["district"]?.text == "?L")
        h.key(.backspace)
        #expect(try #require(h.startScreen).values["district"]?.text == "?")
    }

    @Test func variablesRefuseTextLongerThanTheirLimit() throws {
        var h = Harness()
        h.key(.enter); h.key(.down); h.key(.down)
        h.type("가나다라마바사아자차카")  // 11 > 10
        #expect(try #require(h.startScreen).values["district"]?.text == "가나다라마바사아자차")
        #expect(h.state.flash?.kind == .warning)
    }

    @Test func openingADrillAppendsTheOpeningAndFollowsTheJournal() {
        var h = Harness()
        h.key(.enter); h.key(.down); h.key(.right); h.key(.right); h.key(.down)
        h.type("마포구")
        let effects = h.send(.key(.ctrl("o")))
        let opened = IncidentEvent.opened(.init(incident: "20261129-030000-earthquake-0001", at: Fixture.start, operator: "kim"),
                                          .init(manual: "earthquake", mode: .drill, level: .alert, variables: ["district": "마포구"]))
        #expect(effects == [.appendJournal(opened), .follow(incident: "20261129-030000-earthquake-0001")])
        #expect(h.state.incident?.level == .alert)
        #expect(h.checklist?.selected == "receive")
    }

    @Test func liveNeedsTheWordTypedBeforeAnythingIsWritten() throws {
        var h = Harness()
        h.key(.enter)
        h.key(.right)  // mode: DRILL → LIVE
        #expect(try #require(h.startScreen).mode == .live)
        #expect(h.state.modeInContext == .live)
        h.key(.down); h.key(.down); h.type("중구")
        #expect(h.send(.key(.ctrl("o"))).isEmpty)
        #expect(h.state.prompt?.purpose == .confirmLive)
        h.type("yes"); h.key(.enter)
        #expect(h.journals.isEmpty)
        #expect(h.state.flash?.text.en == "Not opened: you did not type LIVE")
        h.key(.ctrl("o")); h.type("live"); h.key(.enter)
        #expect(h.state.incident?.mode == .live)
    }

    @Test func escapeOnStartGoesHomeWithoutWriting() {
        var h = Harness()
        h.key(.enter)
        #expect(h.send(.key(.escape)).isEmpty)
        guard case .home = h.state.screen else { Issue.record("not home"); return }
        #expect(h.journals.isEmpty)
    }

    @Test func startCyclesManualsAndLevelsAndKeepsLevelsInRange() throws {
        var h = Harness()
        h.key(.enter)
        h.key(.up)  // mode → manual
        h.key(.right)
        let s = try #require(h.startScreen)
        #expect(s.manualID == "fire")
        #expect(s.values.keys.sorted() == ["place"])
        h.key(.down); h.key(.down)
        for _ in 0..<6 { h.key(.right) }
        #expect(try #require(h.startScreen).level == .serious)
        h.key(.enter); h.key(.enter)  // through the variable to the open button
        #expect(try #require(h.startScreen).field == .open)
    }

    // MARK: Checklist

    @Test func markingDoneAppendsAndAdvancesToTheNextOpenStep() {
        var h = Harness()
        h.openDrill()
        h.clock.advance(minutes: 2)
        let effects = h.send(.key(.char("d")))
        guard case .appendJournal(let e) = effects.first else { Issue.record("no append"); return }
        #expect(e.stepChange == IncidentEvent.StepChange(step: "receive", status: .done) && e.operator == "kim")
        #expect(e.at == Fixture.start.addingTimeInterval(120))
        #expect(h.state.incident?.status(of: "receive") == .done)
        #expect(h.checklist?.selected == "alert-text")
        // Marking it again says so rather than writing a duplicate.
        h.key(.up)
        #expect(h.send(.key(.char("d"))).isEmpty)
        #expect(h.state.flash?.text.en == "Already done")
    }

    @Test func inProgressAndBackToTodo() {
        var h = Harness()
        h.openDrill()
        h.key(.char("p"))
        #expect(h.state.incident?.status(of: "receive") == .inProgress)
        h.key(.char("u"))
        #expect(h.state.incident?.status(of: "receive") == .todo)
        #expect(h.journals.values.first?.count == 3)
    }

    @Test func skippingNeedsAReasonAndRecordsIt() {
        var h = Harness()
        h.openDrill()
        h.key(.char("s"))
        #expect(h.state.prompt?.purpose == .skipReason(step: "receive"))
        h.key(.enter)  // empty: refused
        #expect(h.state.prompt != nil)
        #expect(h.state.flash?.kind == .warning)
        h.type("소방서에서 이미 전파함"); h.key(.enter)
        #expect(h.state.prompt == nil)
        #expect(h.state.incident?.progress["receive"]?.status == .skipped)
        #expect(h.state.incident?.progress["receive"]?.reason == "소방서에서 이미 전파함")
    }

    @Test func notApplicableTakesAnOptionalReason() {
        var h = Harness()
        h.openDrill()
        h.key(.char("x")); h.key(.enter)
        #expect(h.state.incident?.status(of: "receive") == .notApplicable)
        #expect(h.state.incident?.progress["receive"]?.reason == nil)
    }

    @Test func notesInHangulAreJournaledInNFC() throws {
        var h = Harness()
        h.openDrill()
        h.key(.char("n"))
        for s in "현장 도착, 균열 확인".decomposedStringWithCanonicalMapping.unicodeScalars { h.key(.char(Character(s))) }
        h.key(.enter)
        let note = try #require(h.journals.values.first?.last?.stepNote)
        #expect(note.step == "receive")
        #expect(note.text == "현장 도착, 균열 확인")
        // 12 scalars: every syllable composed, including those with a final consonant (현, 장).
        #expect(note.text.unicodeScalars.count == 12)
        #expect(h.state.incident?.notes["receive"]?.count == 1)
    }

    @Test func escapeCancelsAPromptWithoutWriting() {
        var h = Harness()
        h.openDrill()
        h.key(.char("n")); h.type("쓰다 만 메모"); h.key(.escape)
        #expect(h.state.prompt == nil)
        #expect(h.journals.values.first?.count == 1)
        #expect(h.state.flash?.text.en == "Cancelled")
    }

    @Test func raisingTheLevelShowsTheStepsThatApplyAndLogsTheChange() {
        var h = Harness()
        h.openDrill()
        #expect(ChecklistScreen.rows(h.state.incident!, Fixture.earthquake).compactMap(\.step?.id) == ["receive", "alert-text"])
        h.key(.char("l"))
        h.key(.char("d"))  // not a level key: refused with a hint
        #expect(h.state.flash?.kind == .warning)
        h.key(.right); h.key(.right); h.key(.enter)
        #expect(h.state.incident?.level == .alert)
        #expect(h.state.incident?.levelChanges.first?.from == .interest)
        #expect(ChecklistScreen.rows(h.state.incident!, Fixture.earthquake).compactMap(\.step?.id) == ["receive", "alert-text", "scene", "hq"])
        #expect(h.state.flash?.text.en == "Alert level Blue → Orange, 2 more steps")
        h.key(.char("l")); h.key(.enter)  // unchanged: nothing written
        #expect(h.journals.values.first?.count == 2)
    }

    @Test func loweringTheLevelKeepsStepsThatWereWorkedOn() {
        var h = Harness()
        h.openDrill(level: .alert)
        h.key(.end)
        #expect(h.checklist?.selected == "hq")
        h.key(.char("p"))
        h.key(.char("l")); h.key(.left); h.key(.left); h.key(.left); h.key(.enter)
        #expect(h.state.incident?.level == .interest)
        #expect(ChecklistScreen.rows(h.state.incident!, Fixture.earthquake).compactMap(\.step?.id) == ["receive", "alert-text", "hq"])
    }

    @Test func movingSkipsPhaseHeadingsAndStopsAtTheEnds() {
        var h = Harness()
        h.openDrill(level: .serious)
        h.key(.up)
        #expect(h.checklist?.selected == "receive")
        h.key(.down); h.key(.down); h.key(.down)
        #expect(h.checklist?.selected == "hq")  // over the "확대 대응" heading
        h.key(.pageDown)
        #expect(h.checklist?.selected == "shelter")
        h.key(.home)
        #expect(h.checklist?.selected == "receive")
        h.key(.char("J")); h.key(.char("J"))
        // Clamped at the end of the details (issue 13): K answers at once after scrolling past it.
        #expect(h.checklist?.detailsScroll == 3)
        h.key(.char("K"))
        #expect(h.checklist?.detailsScroll == 0)
        h.key(.pageUp)
        #expect(h.checklist?.selected == "receive")
    }

    @Test func scrollingKeepsTheSelectionVisibleAndMovesByOneLine() {
        var h = Harness(manuals: [Fixture.large(200)])
        h.key(.enter); h.key(.ctrl("o"))
        let visible = SplitLayout(width: 80, height: 24, top: 3).listHeight
        for _ in 0..<visible { h.key(.down) }
        let scroll = h.checklist!.scroll
        #expect(scroll > 0)
        h.key(.down)
        #expect(h.checklist!.scroll == scroll + 1)
        h.key(.end)
        #expect(h.checklist?.selected == "s199")
        #expect(render(h.state).text.contains("200 점검 항목 200 확인") || render(h.state).text.contains("점검 항목 200 확인"))
    }

    @Test func overdueStepsAreMarkedByJournalTime() {
        var h = Harness()
        h.openDrill()
        h.clock.advance(minutes: 6)
        h.send(.tick)
        let incident = h.state.incident!
        #expect(incident.isOverdue(Fixture.earthquake.allSteps[0], now: h.state.now))
        #expect(!incident.isOverdue(Fixture.earthquake.allSteps[1], now: h.state.now))
        #expect(h.screenText.contains("지연 +1m"))
        h.key(.char("d"))
        #expect(!h.state.incident!.isOverdue(Fixture.earthquake.allSteps[0], now: h.state.now))
    }

    @Test func closingNeedsASummaryWarnsAboutOpenStepsAndMakesItReadOnly() {
        var h = Harness()
        h.openDrill()
        h.key(.char("c"))
        #expect(h.state.prompt?.label.en == "2 steps still open! Closing summary:")
        h.type("훈련 종료. 전파 지연 개선 필요"); h.key(.enter)
        #expect(h.state.incident?.isClosed == true)
        #expect(h.state.incident?.summary == "훈련 종료. 전파 지연 개선 필요")
        let before = h.journals.values.first?.count
        h.key(.char("d"))
        #expect(h.journals.values.first?.count == before)
        #expect(h.state.flash?.text.en == "This incident is closed (read-only)")
        // Elapsed time stops at closing.
        h.clock.advance(minutes: 30)
        h.send(.tick)
        #expect(h.state.incident!.elapsed(now: h.state.now) == 0)
    }

    @Test func backGoesHomeStopsFollowingAndListsIncidents() {
        var h = Harness()
        h.openDrill()
        let effects = h.send(.key(.char("q")))
        #expect(effects == [.stopFollowing, .listIncidents])
        #expect(h.state.incident == nil)
        #expect(h.state.incidents.count == 1)
        h.key(.tab); h.key(.enter)  // resume from Home
        #expect(h.state.incident?.id == "20261129-030000-earthquake-0001")
    }

    // MARK: journal results

    @Test func anotherOperatorsChangeAppearsWithWhoMadeIt() {
        var h = Harness()
        h.openDrill()
        let id = h.state.incident!.id
        h.appendFromElsewhere(.step(.init(incident: id, at: Fixture.start.addingTimeInterval(30), operator: "lee"),
                                    .init(step: "alert-text", status: .done)))
        h.poll()
        #expect(h.state.incident?.status(of: "alert-text") == .done)
        #expect(h.state.flash?.text.ko == "lee: ‘재난문자 발송 요청’ → 완료")
    }

    @Test func aFailedAppendSaysNotSavedAndChangesNothing() {
        var h = Harness()
        h.openDrill()
        h.failAppends = "write incidents/x.jsonl: No space left on device"
        h.key(.char("d"))
        #expect(h.state.incident?.status(of: "receive") == .todo)
        #expect(h.state.flash?.kind == .error)
        #expect(h.state.flash?.text.en.hasPrefix("NOT SAVED: write incidents/x.jsonl: No space left on device") == true)
        #expect(h.effects.last == .log("journal append failed for 20261129-030000-earthquake-0001 step: write incidents/x.jsonl: No space left on device"))
    }

    @Test func aJournalWithoutOpeningIsRefusedOnScreen() {
        var h = Harness()
        let effects = h.send(.journalLoaded(incident: "x", events: [
            .note(.init(incident: "x", at: Fixture.start, operator: "kim"), .init(step: "a", text: "t"))], problems: []))
        #expect(effects == [.stopFollowing, .listIncidents])
        #expect(h.state.incident == nil)
        #expect(h.state.flash?.kind == .error)
    }

    @Test func unreadableJournalLinesAreReportedAndLogged() {
        var h = Harness()
        let opened = IncidentEvent.opened(.init(incident: "x", at: Fixture.start, operator: "kim"), .init(manual: "fire", mode: .drill, level: .interest))
        let effects = h.send(.journalLoaded(incident: "x", events: [opened], problems: ["x.jsonl:2: byte 300: checksum mismatch"]))
        #expect(effects.contains(.log("journal x: x.jsonl:2: byte 300: checksum mismatch")))
        #expect(h.state.journalProblems.count == 1)
        #expect(h.state.flash?.kind == .warning)
        #expect(h.checklist != nil)
    }

    @Test func eventsForAnotherIncidentAreIgnored() {
        var h = Harness()
        h.openDrill()
        let before = h.state.incident
        h.send(.journalEvents(incident: "other", events: [], problems: []))
        #expect(h.state.incident == before)
    }

    // MARK: global actions

    @Test func resizeBelowTheMinimumShowsTheEnlargeScreenAndBack() {
        var h = Harness()
        h.openDrill()
        h.send(.resized(width: 70, height: 20))
        #expect(h.state.isTooSmall)
        #expect(h.screenText.contains("Enlarge the terminal"))
        #expect(h.screenText.hasPrefix("DRILL 훈련"))
        h.send(.resized(width: 120, height: 40))
        #expect(!h.state.isTooSmall)
        #expect(h.screenText.contains("상황 접수 및 전파"))
    }

    @Test func tickMovesTheClock() {
        var h = Harness()
        h.clock.advance(seconds: 61)
        #expect(h.send(.tick).isEmpty)
        #expect(h.state.now == Fixture.start.addingTimeInterval(61))
        #expect(h.screenText.contains("11-29 03:01:01"))
    }

    @Test func statusSummaryFillsTheReservedArea() {
        var h = Harness()
        h.send(.statusSummary(StatusSummary(queued: 3, awaitingApproval: 1, failed: 0, delivered: 12, sender: .absent)))
        #expect(h.screenText.contains("발송함: 대기 3 · 승인 대기 1 · 실패 0 · 전달 12"))
        #expect(h.screenText.contains("발송기: 실행 중 아님"))
    }

    @Test func incidentsListedShowsOpenThenClosed() {
        var h = Harness()
        let open = IncidentSummary(id: "a", manualID: "fire", mode: .live, level: .alert, openedAt: Fixture.start,
                                   closedAt: nil, resolvedSteps: 1, totalSteps: 2, firstVariable: "을지로")
        let closed = IncidentSummary(id: "b", manualID: "earthquake", mode: .drill, level: .interest,
                                     openedAt: Fixture.start.addingTimeInterval(-7200), closedAt: Fixture.start.addingTimeInterval(-3600),
                                     resolvedSteps: 2, totalSteps: 2)
        h.send(.incidentsListed([closed, open]))
        #expect(HomeScreen.orderedIncidents(h.state).map(\.id) == ["a", "b"])
        #expect(h.screenText.contains(" LIVE 대형 화재 · 을지로"))
        #expect(h.screenText.contains("최근 종료"))
    }

    @Test func helpOpensOverAnyScreenAndReturns() {
        var h = Harness()
        h.openDrill()
        h.key(.char("?"))
        guard case .help = h.state.screen else { Issue.record("no help"); return }
        #expect(h.state.modeInContext == .drill)  // the banner still says DRILL
        h.key(.down)
        h.key(.char("?"))  // already open: stays
        h.key(.escape)
        #expect(h.checklist != nil)
    }

    @Test func languageToggleSwitchesEveryScreen() {
        var h = Harness()
        h.key(.char("L"))
        #expect(h.state.language == .en)
        #expect(h.screenText.contains("Home · operator kim"))
        h.key(.function(2))
        #expect(h.state.language == .ko)
    }

    @Test func unboundKeysSayWhereHelpIs() {
        var h = Harness()
        #expect(h.send(.key(.char("z"))).isEmpty)
        #expect(h.state.flash?.text.en == "‘z’ does nothing here. Press ? for the keys")
    }

    // MARK: review

    @Test func reviewSearchFindsBothLanguagesAcrossManuals() throws {
        var h = Harness()
        h.key(.char("r"))
        h.key(.char("/")); h.type("확인"); h.key(.enter)
        let r = try #require(h.reviewScreen)
        let ids = r.rows(h.state).compactMap(\.step?.id)
        #expect(ids == ["scene", "report"])  // 현장 피해 확인 (earthquake), 화재 신고 확인 (fire)
        h.key(.char("/")); h.key(.ctrl("u")); h.type("SHELTERS"); h.key(.enter)
        #expect(try #require(h.reviewScreen).rows(h.state).compactMap(\.step?.id) == ["shelter"])
        h.key(.char("/")); h.key(.ctrl("u")); h.type("없는말"); h.key(.enter)
        #expect(h.state.flash?.text.en == "‘없는말’: no step matches")
        h.key(.escape)  // clears the search
        #expect(try #require(h.reviewScreen).query == nil)
        h.key(.char("]"))
        #expect(try #require(h.reviewScreen).manualIndex == 1)
        h.key(.down)
        #expect(try #require(h.reviewScreen).selected == 2)
    }
}

/// Issue 9: the header said 13:44 (the server's zone) while the message being composed said
/// "22:44부터" (Seoul). Every clock and every `{time}` now read the one zone in `AppState`.
@Suite struct OneTimeZoneTests {
    @Test func theHeaderClockAndTheComposedTimeAgreeInTheConfiguredZone() throws {
        for zone in ["Asia/Seoul", "UTC", "America/New_York"] {
            var h = Harness()
            h.state.timeZone = try #require(TimeZone(identifier: zone))
            h.openDrill()
            h.key(.char("M"))
            h.type("{time}부터 통제")
            let check = try #require(h.compose).check(h.state)
            let hhmm = Format.time(h.state.now, h.state.timeZone)
            #expect(check.posted.ko.contains(hhmm + "부터 통제"), "\(zone): \(check.posted.ko)")
            #expect(h.screenText.contains(Format.clock(h.state.now, h.state.timeZone)), "\(zone): header clock")
        }
    }

    @Test func theTUIDefaultsToTheCityNotTheServer() {
        let state = AppState(manuals: [], operatorName: "kim", now: Fixture.start)
        #expect(state.timeZone.identifier == "Asia/Seoul")
    }
}
