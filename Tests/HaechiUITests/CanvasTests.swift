import Foundation
import Testing
import HaechiCore
@testable import HaechiUI

@Suite struct DisplayWidthTests {
    @Test func hangulIsTwoColumnsLatinOneMarksZero() {
        #expect(DisplayWidth.of("마포구") == 6)
        #expect(DisplayWidth.of("Seoul 서울") == 10)
        #expect(DisplayWidth.of("ＡＢ") == 4)  // full-width forms
        #expect(DisplayWidth.of("e\u{301}") == 1)
        #expect(DisplayWidth.of("🚒") == 2)
    }

    @Test func decomposedHangulIsMeasuredAfterComposition() {
        let nfd = "현장".decomposedStringWithCanonicalMapping
        #expect(nfd.unicodeScalars.count == 6)
        #expect(DisplayWidth.of(nfd) == 4)
        #expect(DisplayWidth.visible(nfd) == "현장")
    }

    @Test func composesAnLVSyllableFollowedByATrailingConsonant() {
        // What a jamo-at-a-time input method produces; Foundation's NFC alone misses it on Linux.
        #expect(NFC.normalize("\u{D600}\u{11AB}") == "\u{D604}")
    }

    @Test func controlCharactersAndEscapeSequencesBecomeVisible() {
        #expect(DisplayWidth.visible("a\u{1B}[2Jb") == "a^[[2Jb")
        #expect(DisplayWidth.visible("line\r\n") == "line^M^J")
        #expect(DisplayWidth.visible("\u{7F}\u{9B}31m") == "^?<U+009B>31m")
        #expect(DisplayWidth.visible("abc\u{202E}fed") == "abc<U+202E>fed")
        #expect(DisplayWidth.visible("a\tb") == "a b")
        #expect(DisplayWidth.of("\u{1B}") == 2)  // measured as the two visible cells `^[`
    }

    @Test func truncationNeverHalvesAWideCharacter() {
        #expect("서울특별시".truncated(to: 5) == "서울~")
        #expect("서울특별시".truncated(to: 6) == "서울~")
        #expect("서울특별시".truncated(to: 10) == "서울특별시")
        #expect("서울특별시".truncated(to: 5, ellipsis: false) == "서울")
        #expect("서울".padded(to: 6) == "서울  ")
    }

    @Test func wrappingBreaksHangulWithoutSpacesAndKeepsWords() {
        #expect("가나다라마바사".wrapped(to: 6) == ["가나다", "라마바", "사"])
        #expect("the quick brown fox".wrapped(to: 10) == ["the quick", "brown fox"])
        #expect("첫 줄\n둘째 줄".wrapped(to: 20) == ["첫 줄", "둘째 줄"])
    }
}

@Suite struct CanvasTests {
    @Test func aWideCharacterTakesTwoCellsAndIsWrittenOnce() {
        var c = Canvas(width: 6, height: 1)
        let end = c.put("가a나", x: 0, y: 0)
        #expect(end == 5)
        #expect(c[0, 0].grapheme == "가" && c[1, 0].isContinuation)
        #expect(c.line(0) == "가a나")
    }

    @Test func aWideCharacterThatDoesNotFitIsReplacedNotCut() {
        var c = Canvas(width: 5, height: 1)
        c.put("가나다", x: 0, y: 0, ellipsis: false)
        #expect(c.line(0) == "가나")
        #expect(c[4, 0].grapheme == " ")
        var d = Canvas(width: 10, height: 1)
        d.put("가나다", x: 0, y: 0, maxWidth: 3, ellipsis: false)
        #expect(d.line(0) == "가")
    }

    @Test func cutTextEndsInATildeWithinItsColumns() {
        var c = Canvas(width: 10, height: 1)
        let end = c.put("상황관리반", x: 0, y: 0, maxWidth: 8)
        #expect(c.line(0) == "상황관~")
        #expect(end == 7)
        c.put("|", x: 8, y: 0)
        #expect(c.line(0) == "상황관~ |")
    }

    @Test func overwritingHalfOfAWideCharacterBlanksTheOtherHalf() {
        var c = Canvas(width: 4, height: 1)
        c.put("가나", x: 0, y: 0)
        c.put("x", x: 1, y: 0)  // lands on 가's right half
        #expect(c.line(0) == " x나")
        c.put("y", x: 2, y: 0)  // lands on 나's left half
        #expect(c.line(0) == " xy")
        #expect(!c[3, 0].isContinuation)
    }

    @Test func escapeSequencesInTextAreDrawnAsVisibleCells() {
        var c = Canvas(width: 20, height: 1)
        c.put("\u{1B}[31m빨강", x: 0, y: 0)
        #expect(c.line(0) == "^[[31m빨강")
        #expect(!c.cells.contains { $0.grapheme.unicodeScalars.contains { $0.value < 0x20 } })
    }

    @Test func writesOutsideTheCanvasAreClipped() {
        var c = Canvas(width: 3, height: 1)
        c.put("abcdef", x: 1, y: 0, ellipsis: false)
        c.put("z", x: 0, y: 5)
        #expect(c.line(0) == " ab")
    }
}
