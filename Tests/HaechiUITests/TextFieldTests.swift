import Foundation
import HaechiCore
import Testing
@testable import HaechiUI

/// Every editing key of the one text field type, on Korean text: the cursor moves by
/// grapheme (a Hangul syllable, a letter with combining marks), never by byte or half a column.
@Suite struct TextFieldTests {
    func field(_ text: String, at cursor: Int? = nil, max: Int? = nil) -> TextField {
        var f = TextField(text, maxLength: max)
        if let cursor { f.place(cursor: cursor) }
        return f
    }

    @Test func insertsAtTheCursorInTheMiddleOfHangul() throws {
        var f = field("마포대교 남단", at: 2)
        #expect(f.edit(.char("구")) == .changed)
        #expect(f.text == "마포구대교 남단")
        #expect(f.cursor == 3)
    }

    @Test func leftRightHomeEndAndTheirCtrlKeys() {
        var f = field("잠수교 통제")
        #expect(f.cursor == 6)
        #expect(f.edit(.left) == .unchanged); #expect(f.cursor == 5)
        #expect(f.edit(.ctrl("b")) == .unchanged); #expect(f.cursor == 4)
        #expect(f.edit(.right) == .unchanged); #expect(f.cursor == 5)
        #expect(f.edit(.ctrl("f")) == .unchanged); #expect(f.cursor == 6)
        #expect(f.edit(.right) == .unchanged); #expect(f.cursor == 6)   // stays at the end
        #expect(f.edit(.home) == .unchanged); #expect(f.cursor == 0)
        #expect(f.edit(.left) == .unchanged); #expect(f.cursor == 0)    // stays at the start
        #expect(f.edit(.end) == .unchanged); #expect(f.cursor == 6)
        #expect(f.edit(.ctrl("a")) == .unchanged); #expect(f.cursor == 0)
        #expect(f.edit(.ctrl("e")) == .unchanged); #expect(f.cursor == 6)
        #expect(f.text == "잠수교 통제")
    }

    @Test func altBAndAltFMoveByWord() {
        var f = field("북악산로 차량 통제, 우회 바람")
        #expect(f.edit(.alt("b")) == .unchanged); #expect(f.cursor == 15)  // start of 바람
        #expect(f.edit(.alt("b")) == .unchanged); #expect(f.cursor == 12)  // start of 우회
        #expect(f.edit(.alt("b")) == .unchanged); #expect(f.cursor == 8)   // over ", " to 통제
        #expect(f.edit(.alt("f")) == .unchanged); #expect(f.cursor == 10)  // end of 통제
        #expect(f.edit(.alt("f")) == .unchanged); #expect(f.cursor == 14)  // over ", " to the end of 우회
        #expect(f.edit(.home) == .unchanged)
        #expect(f.edit(.alt("f")) == .unchanged); #expect(f.cursor == 4)   // end of 북악산로
    }

    @Test func ctrlWDeletesTheWordBeforeTheCursor() {
        var f = field("잠수교 차량 통제", at: 6)
        #expect(f.edit(.ctrl("w")) == .changed)
        #expect(f.text == "잠수교  통제")
        #expect(f.cursor == 4)
        var g = field("잠수교   ")
        #expect(g.edit(.ctrl("w")) == .changed)
        #expect(g.text == "")
    }

    @Test func ctrlUAndCtrlKCutToTheStartAndTheEnd() {
        var f = field("잠수교 차량 통제", at: 4)
        #expect(f.edit(.ctrl("k")) == .changed)
        #expect(f.text == "잠수교 "); #expect(f.cursor == 4)
        var g = field("잠수교 차량 통제", at: 4)
        #expect(g.edit(.ctrl("u")) == .changed)
        #expect(g.text == "차량 통제"); #expect(g.cursor == 0)
    }

    @Test func deleteAndBackspaceRemoveWholeGraphemes() {
        var f = field("마포대교", at: 2)
        #expect(f.edit(.delete) == .changed)
        #expect(f.text == "마포교"); #expect(f.cursor == 2)
        #expect(f.edit(.backspace) == .changed)
        #expect(f.text == "마교"); #expect(f.cursor == 1)
        #expect(f.edit(.ctrl("h")) == .changed)
        #expect(f.text == "교"); #expect(f.cursor == 0)
        #expect(f.edit(.backspace) == .unchanged)
        #expect(f.edit(.end) == .unchanged)
        #expect(f.edit(.delete) == .unchanged)
        #expect(f.edit(.ctrl("d")) == .unchanged)
        // A letter with a combining accent and an emoji with a modifier are one step each.
        var g = field("cafe\u{301}👍🏽")
        #expect(g.count == 5)
        #expect(g.edit(.backspace) == .changed); #expect(g.text == "café")
        #expect(g.edit(.backspace) == .changed); #expect(g.text == "caf")
    }

    @Test func decomposedHangulIsStoredComposed() {
        let nfd = "마포".decomposedStringWithCanonicalMapping
        var f = TextField()
        #expect(f.edit(.paste(nfd)) == .changed)
        #expect(f.text == "마포")
        #expect(f.count == 2)
    }

    @Test func aLimitRefusesWithHowFarOverAndChangesNothing() {
        var f = field("북악산", max: 4)
        #expect(f.edit(.char("로")) == .changed)
        #expect(f.edit(.char("길")) == .tooLong(over: 1))
        #expect(f.text == "북악산로")
        #expect(f.counter == "4/4")
        var g = field("", max: 5)
        #expect(g.edit(.paste("잠수교 통제 중")) == .tooLong(over: 3))
        #expect(g.text == "")
        let flash = FieldFeedback.flash(for: .tooLong(over: 3), field: g)
        #expect(flash?.text.en.contains("3 over") == true)
        #expect(flash?.text.ko.contains("최대 5자") == true)
    }

    @Test func pasteKeepsLinesOnlyWhereTheFieldIsMultiline() {
        var one = TextField()
        #expect(one.edit(.paste("첫 줄\r\n둘째 줄")) == .changed)
        #expect(one.text == "첫 줄 둘째 줄")
        var many = TextField(multiline: true)
        #expect(many.edit(.paste("첫 줄\r둘째 줄")) == .changed)
        #expect(many.text == "첫 줄\n둘째 줄")
        #expect(many.cursor == 8)
    }

    @Test func notAnEditingKeyIsLeftToTheScreen() {
        var f = field("abc")
        #expect(f.edit(.up) == nil)
        #expect(f.edit(.enter) == nil)
        #expect(f.edit(.ctrl("o")) == nil)
        #expect(TextField.isEditingKey(.alt("b")))
        #expect(TextField.isEditingKey(.ctrl("k")))
        #expect(!TextField.isEditingKey(.tab))
    }

    @Test func aLongFieldScrollsAndNeverHalvesAWideCharacter() {
        // 30 Hangul syllables = 60 columns in a 21-column box.
        let text = String(repeating: "가나다라마바사아자차", count: 3)
        var f = field(text)
        var (shown, col) = f.window(width: 21)
        #expect(shown.hasPrefix("<"))
        #expect(shown.displayWidth <= 21)
        #expect(col == shown.displayWidth)          // the cursor after the last character
        f.place(cursor: 0)
        (shown, col) = f.window(width: 21)
        #expect(col == 0)
        #expect(shown.hasSuffix(">"))
        #expect(shown.displayWidth <= 21)
        // 19 columns free between the markers is odd: a syllable would straddle, so it is left out.
        f.place(cursor: 15)
        (shown, col) = f.window(width: 21)
        #expect(shown.displayWidth <= 21)
        #expect(col % 2 == 1)                       // after "<" and whole syllables
        #expect(col < 21)
    }

    @Test func cursorPositionInWrappedText() {
        var f = TextField("잠수교 통제 우회 바랍니다", multiline: true)
        let lines = f.text.wrapped(to: 10)
        #expect(lines == ["잠수교", "통제 우회", "바랍니다"])
        f.place(cursor: 5)   // before 제
        let at = f.cursorPosition(inWrapped: lines)
        #expect(at.line == 1 && at.column == 2)
        f.place(cursor: 14)
        let end = f.cursorPosition(inWrapped: lines)
        #expect(end.line == 2 && end.column == 8)
    }
}
