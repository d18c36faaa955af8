import Testing
@testable import HaechiCore

@Suite struct TextLengthTests {
    @Test func hangulWeighsTwoOnXAndOneElsewhere() {
        #expect(TextLength.count("서울시", rule: .xWeighted) == 6)
        #expect(TextLength.count("서울시", rule: .characters) == 3)
        #expect(TextLength.count("서울시", rule: .graphemes) == 3)
    }

    @Test func latinAndGeneralPunctuationWeighOne() {
        #expect(TextLength.count("Seoul — now", rule: .xWeighted) == 11)
    }

    @Test func decomposedHangulIsNormalisedFirst() {
        let nfd = "한강".decomposedStringWithCanonicalMapping
        #expect(nfd.unicodeScalars.count == 6)
        #expect(TextLength.count(nfd, rule: .characters) == 2)
        #expect(TextLength.count(nfd, rule: .xWeighted) == 4)
    }

    @Test func aURLCountsTwentyThree() {
        let text = "See https://safekorea.go.kr/some/very/long/path?with=query."
        #expect(TextLength.count(text, rule: .xWeighted) == 4 + 23 + 1)
        #expect(TextLength.count(text, rule: .characters) == 4 + 23 + 1)
    }

    @Test func emojiSequencesWeighTwoOnXAndOneGrapheme() {
        let family = "👨‍👩‍👧"
        #expect(TextLength.count(family, rule: .xWeighted) == 2)
        #expect(TextLength.count(family, rule: .graphemes) == 1)
        #expect(TextLength.count("⚠️", rule: .xWeighted) == 2)
        #expect(TextLength.count("🇰🇷", rule: .xWeighted) == 2)
    }

    @Test func mixedKoreanAndEnglish() {
        // 4 Hangul (8) + space (1) + "Typhoon" (7)
        #expect(TextLength.count("태풍 경보 Typhoon", rule: .xWeighted) == 8 + 2 + 7)
    }
}
