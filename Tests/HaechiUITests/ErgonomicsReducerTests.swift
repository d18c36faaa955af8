import Foundation
import HaechiCore
import Testing
@testable import HaechiUI

/// The reducer side of issue 13: editing in prompts and compose, the `:` palette, the
/// read-only seat, key overrides, mouse, layout of roles and targets.
@Suite struct ErgonomicsReducerTests {
    // MARK: editing in the real fields

    @Test func aTypoInTheMiddleOfAKoreanNoteIsFixedWithoutRetyping() throws {
        var h = Harness()
        h.openDrill()
        h.key(.char("n"))
        h.type("마포대교 남단 균얼, 통제 요청")
        // Back to the typo: Alt-B twice lands on 통제, once more on 균얼; → → past it.
        h.key(.alt("b")); h.key(.alt("b")); h.key(.alt("b"))
        h.key(.right); h.key(.right)
        h.key(.backspace)
        h.type("열")
        let prompt = try #require(h.state.prompt)
        #expect(prompt.field.text == "마포대교 남단 균열, 통제 요청")
        h.key(.enter)
        let note = try #require(h.journals.values.first?.last)
        #expect(note.stepNote?.text == "마포대교 남단 균열, 통제 요청")
    }

    @Test func everyEditingKeyWorksInAPrompt() throws {
        var h = Harness()
        h.openDrill()
        h.key(.char("n"))
        h.type("잠수교 차량 통제")
        h.key(.ctrl("a")); h.key(.delete)                          // 수교 차량 통제
        h.key(.ctrl("e")); h.key(.ctrl("w"))                        // 수교 차량 
        h.key(.home); h.key(.alt("f")); h.key(.ctrl("k"))           // 수교
        h.key(.end); h.key(.left); h.key(.char("대"))               // 수대교
        #expect(h.state.prompt?.field.text == "수대교")
        h.key(.ctrl("u"))
        #expect(h.state.prompt?.field.text == "교")
        h.key(.paste("첫 줄\n둘째 줄"))
        #expect(h.state.prompt?.field.text == "첫 줄 둘째 줄교")
    }

    @Test func aPromptLimitIsACounterAndARefusalOnScreen() throws {
        var h = Harness()
        h.openDrill()
        h.key(.char("c"))                                           // closing summary: 2000
        h.state.prompt?.field.maxLength = 6
        h.type("훈련 종료됨")
        h.key(.char("!"))
        #expect(h.state.prompt?.field.text == "훈련 종료됨")
        let screen = h.screenText
        #expect(screen.contains("6/6"))
        #expect(screen.contains("입력 거부: 최대 6자인데 1자 넘습니다"), "\(screen)")
    }

    @Test func composeEditsInTheMiddleAndTakesAMultiLinePaste() throws {
        var h = Harness()
        h.openDrill()
        h.key(.char("M"))
        guard case .compose = h.state.screen else { Issue.record("not on compose"); return }
        h.type("잠수교 통제")
        h.key(.home)
        h.key(.paste("[서울시] 안내\n"))
        guard case .compose(let c) = h.state.screen else { Issue.record("left compose"); return }
        #expect(c.draft.text.ko == "[서울시] 안내\n잠수교 통제")
        // ← → edit the text: they no longer change channels or class while the text has focus.
        h.key(.end); h.key(.left); h.key(.left); h.key(.left); h.key(.backspace)
        guard case .compose(let d) = h.state.screen else { Issue.record("left compose"); return }
        #expect(d.draft.text.ko == "[서울시] 안내\n잠수 통제")
    }

    // MARK: palette

    @Test func fuzzyMatchPrefersIdsPrefixesAndWordStarts() throws {
        #expect(Fuzzy.score("HR-07", "HR-07") == 10_000)
        #expect(Fuzzy.score("hr07", "HR-07") != nil)
        #expect(Fuzzy.score("xyz", "HR-07") == nil)
        let prefix = try #require(Fuzzy.score("mark", "Mark done"))
        let inside = try #require(Fuzzy.score("mark", "Bookmark"))
        #expect(prefix > inside)
        let hangul = try #require(Fuzzy.score("완료", "완료로 표시"))
        #expect(hangul > 0)
        #expect(Fuzzy.score("료완", "완료로 표시") == nil)
    }

    @Test func paletteJumpsToAStepById() throws {
        var h = Harness()
        h.openDrill(level: .serious)
        h.key(.char(":"))
        #expect(h.state.palette != nil)
        h.type("shelter")
        let first = try #require(h.state.palette?.matches(h.state).first)
        #expect(first.target == .step("shelter"))
        h.key(.enter)
        #expect(h.state.palette == nil)
        #expect(h.checklist?.selected == "shelter")
    }

    @Test func paletteListsTheScreensCommandsWithTheirKeys() throws {
        var h = Harness()
        h.openDrill()
        h.key(.char(":"))
        h.type("note")
        let entries = try #require(h.state.palette?.matches(h.state))
        let note = try #require(entries.first { $0.target == .command(.addNote) })
        #expect(note.key == "n")
        let screen = h.screenText
        #expect(screen.contains("Add a note") || screen.contains("메모 추가"))
        // Running it from the palette is the same as pressing n.
        h.key(.enter)
        guard case .note = h.state.prompt?.purpose else { Issue.record("n did not ask for a note"); return }
    }

    @Test func paletteOpensAManualAndSaysWhenNothingMatches() throws {
        var h = Harness()
        h.key(.char(":")); h.type("major fire"); h.key(.enter)
        guard case .start(let s) = h.state.screen else { Issue.record("not on Start"); return }
        #expect(s.manualID == "fire")
        h.key(.escape)
        h.key(.char(":")); h.type("qqqq"); h.key(.enter)
        #expect(h.state.flash?.text.en == "Nothing matches ‘qqqq’")
        #expect(h.state.palette != nil)
        h.key(.escape)
        #expect(h.state.palette == nil)
    }

    // MARK: read-only seat

    @Test func aReadOnlySeatRefusesInTheReducerAndStillSeesChanges() throws {
        var writer = Harness()
        writer.openDrill()
        let id = try #require(writer.state.incident?.id)
        var seat = Harness()
        seat.state.readOnly = true
        seat.journals = writer.journals
        seat.perform(.follow(incident: id))
        #expect(seat.screenText.contains("읽기 전용"))
        let before = seat.journals[id]?.count
        seat.key(.char("d"))
        #expect(seat.journals[id]?.count == before)
        #expect(seat.state.flash?.text.ko.contains("읽기 전용 좌석") == true)
        #expect(seat.screenText.contains("읽기 전용 좌석: ‘완료로 표시’"), "\(seat.screenText)")
        // Even a path that hides the command (the palette) cannot write.
        seat.key(.char(":")); seat.type("done"); seat.key(.enter)
        #expect(seat.journals[id]?.count == before)
        // Another seat's change arrives and is shown.
        let done = IncidentEvent.step(.init(incident: id, at: Fixture.start, operator: "lee"), .init(step: "receive", status: .done))
        seat.appendFromElsewhere(done)
        seat.poll()
        #expect(seat.state.incident?.status(of: "receive") == .done)
        #expect(seat.screenText.contains("lee"))
    }

    @Test func readOnlyDropsWritesFromAnyAction() throws {
        var state = AppState(manuals: [Fixture.earthquake], operatorName: "kim", now: Fixture.start)
        state.readOnly = true
        let effects = ReadOnly.enforce(&state, [.appendJournal(.note(.init(incident: "x", at: Fixture.start, operator: "kim"), .init(step: nil, text: "x"))), .listIncidents], tell: true)
        #expect(effects.first == .listIncidents)
        #expect(!effects.contains { if case .appendJournal = $0 { true } else { false } })
        #expect(state.flash != nil)
    }

    // MARK: key overrides, mouse, layout

    @Test func keyOverridesRebindAndHelpFollows() throws {
        var h = Harness()
        h.state.keyOverrides = KeyOverrides([.markDone: [.char("D")]])
        h.openDrill()
        h.key(.char("d"))
        #expect(h.state.flash?.text.en.contains("does nothing here") == true)
        h.key(.char("D"))
        #expect(h.journals.values.first?.last?.stepChange?.status == .done)
        #expect(KeyOverrides.name(.markDone) == "mark-done")
        #expect(KeyOverrides.parseKey("Ctrl-N") == .ctrl("n"))
        #expect(KeyOverrides.parseKey("M-b") == .alt("b"))
        #expect(KeyOverrides.parseKey("F5") == .function(5))
        #expect(KeyOverrides.parseKey("Banana") == nil)
        h.key(.char("?"))
        #expect(h.screenText.contains("D" + String(repeating: " ", count: 18) + "완료로 표시"), "\(h.screenText)")
    }

    @Test func aClickSelectsAStepAndTheWheelScrolls() throws {
        var h = Harness(width: 80, height: 24)
        h.openDrill(level: .serious)
        let layout = ChecklistScreen.layout(h.state)
        // Row 0 of the list is the phase heading, row 2 the second step.
        h.key(.mouse(MouseEvent(x: 10, y: layout.listY + 2, kind: .click)))
        #expect(h.checklist?.selected == "alert-text")
        h.key(.mouse(MouseEvent(x: 10, y: layout.listY + 1, kind: .wheelDown)))
        #expect(h.checklist?.selected == "scene")
        h.key(.mouse(MouseEvent(x: 10, y: layout.detailsY + 1, kind: .wheelDown)))
        #expect(h.checklist?.selected == "scene")
    }

    @Test func targetsAreNeverCutAndRolesShortenByWholeWords() {
        #expect(StepColumns.target(5) == "T+5m")
        #expect(StepColumns.target(144) == "T+2h24")
        #expect(StepColumns.target(90) == "T+90m")
        #expect(StepColumns.target(1440) == "T+24h")
        #expect(StepColumns.target(2880) == "T+2d")
        #expect(StepColumns.target(10080) == "T+7d")
        #expect(StepColumns.fit("서울안전상황실 당직관", width: 21) == "서울안전상황실 당직관")
        #expect(StepColumns.fit("서울안전상황실 당직관", width: 12) == "당직관")
        #expect(StepColumns.fit("Seoul Safety Situation Room duty officer", width: 20) == "S.S.S.R.D. officer")
        #expect(StepColumns.fit("Seoul Safety Situation Room duty officer", width: 21) == "S.S.S.R. duty officer")
    }
}
