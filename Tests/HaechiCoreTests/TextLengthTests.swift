import Foundation
import HaechiTestSupport
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

/// The fast paths count without grapheme breaking or emoji lookups. They must give the same
/// numbers as the cluster-by-cluster rules they stand in for, on every text.
// Own thread: seconds of CPU in a debug build (every scalar of Unicode, thousands of texts)
// that would otherwise hold one of the shared pool's two threads.
@Suite(.ownThread) struct TextFastPathAgreementTests {
    @Test func scalarsThatWeighAloneCanNeverBePartOfAnEmoji() {
        var checked = 0
        for value in UInt32(0)...0x10FFFF {
            guard let scalar = Unicode.Scalar(value), TextLength.weighsAlone(scalar) else { continue }
            #expect(!scalar.properties.isEmojiPresentation, "U+\(String(value, radix: 16)) is an emoji by presentation")
            #expect(![0xFE0F, 0x200D, 0x20E3].contains(value) && !(0x1F1E6...0x1F1FF).contains(value), "U+\(String(value, radix: 16))")
            checked += 1
        }
        #expect(checked > 15_000)
    }

    /// Texts from an alphabet that mixes the fast scalars with everything that joins or weighs
    /// differently: jamo, combining marks, CR LF, ZWJ, variation selectors, keycaps, flags, emoji.
    static func generatedTexts(count: Int, seed: UInt64) -> [String] {
        let pieces: [String] = ["a", "Z", "7", "#", "*", " ", "\n", "\r", "\r\n", "\t", "-", ".", "가", "힣", "서울", "한강",
                                "\u{1100}", "\u{1161}", "\u{11A8}", "\u{0301}", "\u{200D}", "\u{FE0F}", "\u{FE0E}", "\u{20E3}",
                                "\u{1F1F0}", "\u{1F1F7}", "👨", "⚠", "❤", "©", "〰", "—", "…", "・", "（", "％", "\u{00AD}", "é", "\u{3099}", "ㆍ", "·", "㎡", "℃", "°"]
        var rng = SeededRandom(seed: seed)
        return (0..<count).map { _ in
            (0..<Int.random(in: 0...24, using: &rng)).map { _ in pieces.randomElement(using: &rng)! }.joined()
        }
    }

    @Test func xWeightAgreesWithCountingClusterByCluster() {
        for text in Self.generatedTexts(count: 5_000, seed: 0x5EED_0001) {
            #expect(TextLength.xWeighted(text) == TextLength.clusterWeight(text[...]), "\(text.unicodeScalars.map { String($0.value, radix: 16) })")
        }
    }

    @Test func graphemeCountAgreesWithStringCount() {
        for text in Self.generatedTexts(count: 5_000, seed: 0x5EED_0002) {
            #expect(TextLength.graphemes(text) == text.count, "\(text.unicodeScalars.map { String($0.value, radix: 16) })")
        }
        // Each scalar counted alone stays a cluster of its own beside a representative of every
        // kind that could join it (an Extend or SpacingMark after a letter, a Prepend before one,
        // conjoining jamo beside syllables, CR before LF, a regional indicator beside another).
        let neighbours = ["a", "\n", "\t", " ", "가", "각", "™", "ㆍ"]
        var checked = 0
        for value in UInt32(0)...0xFFFF {
            guard let scalar = Unicode.Scalar(value), TextLength.isAlwaysOwnCluster(scalar) else { continue }
            let x = String(Character(scalar))
            for y in neighbours + [x] {
                #expect((x + y).count == 2 && (y + x).count == 2, "U+\(String(value, radix: 16)) beside \(Array(y.unicodeScalars))")
            }
            checked += 1
        }
        #expect(checked > 11_000)
    }

    /// A template's placeholders and braces found in its bytes are those found Character by
    /// Character (the rule as first written, kept here as the reference).
    @Test func placeholderScanAgreesWithCharacterScan() {
        func referenceNames(_ text: String) -> [String] {
            var names: [String] = []
            var rest = text[...]
            while let open = rest.firstIndex(of: "{") {
                guard let close = rest[open...].firstIndex(of: "}") else { break }
                names.append(String(rest[rest.index(after: open)..<close]))
                rest = rest[rest.index(after: close)...]
            }
            return names
        }
        func referenceFill(_ text: String, _ limits: [String: Int]) -> String {
            var out = ""
            var rest = text[...]
            while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
                out += rest[..<open]
                out += String(repeating: "가", count: limits[String(rest[rest.index(after: open)..<close])] ?? 0)
                rest = rest[rest.index(after: close)...]
            }
            return out + rest
        }
        let limits = ["place": 3, "time": 5, "": 1, "a": 2]
        let braced = ["{place}", "{time}", "{", "}", "{a}", "{}", "{\u{301}", "}\u{301}", "\u{0600}{"]
        var rng = SeededRandom(seed: 0x5EED_0004)
        for text in Self.generatedTexts(count: 4_000, seed: 0x5EED_0005) {
            var t = text
            for _ in 0..<Int.random(in: 0...4, using: &rng) {
                let at = t.unicodeScalars.index(t.unicodeScalars.startIndex, offsetBy: Int.random(in: 0...t.unicodeScalars.count, using: &rng))
                t.unicodeScalars.insert(contentsOf: braced.randomElement(using: &rng)!.unicodeScalars, at: at)
            }
            let shown = "\(t.unicodeScalars.map { String($0.value, radix: 16) })"
            #expect(ManualLoader.placeholders(in: t) == referenceNames(t), "\(shown)")
            #expect(ManualLoader.fillAtMaximum(t, limits: limits) == referenceFill(t, limits), "\(shown)")
            #expect(ManualLoader.braceSequence(t) == t.compactMap { $0 == "{" ? true : $0 == "}" ? false : nil }, "\(shown)")
        }
    }

    /// The loader's quick checks of a scalar's text give Foundation's and the standard library's answers.
    @Test func blankAndTrimmedAgreeWithTheUnicodeRules() {
        let extra = ["", " ", "\t", "\u{3000}", "\u{00A0}", " 12 ", "12", "-3", "\u{2003}7", "7\u{2003}", "가 ", " 가", "\n", "x\n"]
        for text in TextFastPathAgreementTests.generatedTexts(count: 3_000, seed: 0x5EED_0003) + extra {
            #expect(YAMLDocument.isBlank(text) == text.unicodeScalars.allSatisfy(\.properties.isWhitespace), "\(Array(text.unicodeScalars))")
            #expect(Trimming.whitespace(text) == text.trimmingCharacters(in: .whitespaces), "\(Array(text.unicodeScalars))")
            #expect(Trimming.whitespaceAndNewlines(text) == text.trimmingCharacters(in: .whitespacesAndNewlines), "\(Array(text.unicodeScalars))")
        }
    }
}
