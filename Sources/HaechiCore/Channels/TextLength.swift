import Foundation

/// Length rules of the channels, each applied after NFC normalisation (decomposed Hangul
/// would otherwise count three or more times per syllable).
public enum TextLength {
    /// Every URL counts as this many characters on X and Mastodon (t.co / link shortening).
    public static let urlLength = 23

    public static func count(_ text: String, rule: CountingRule) -> Int {
        let nfc = NFC.normalize(text)
        switch rule {
        case .xWeighted: return xWeighted(nfc)
        case .characters: return characters(nfc)
        case .graphemes: return graphemes(nfc)
        }
    }

    /// Extended grapheme clusters (`String.count`). Text made only of scalars that always stand
    /// alone as a cluster has as many clusters as scalars, counted without the grapheme-break
    /// machinery; anything else is counted by `String.count` itself.
    public static func graphemes(_ nfc: String) -> Int {
        var scalars = 0
        for scalar in nfc.unicodeScalars {
            guard isAlwaysOwnCluster(scalar) else { return nfc.count }
            scalars += 1
        }
        return scalars
    }

    /// A scalar that is a grapheme cluster (a Character) of its own whatever stands around it,
    /// as long as its neighbours are such scalars too: printable ASCII, tab, line feed, Latin-1,
    /// general punctuation, letterlike symbols, CJK symbols, compatibility jamo (ㆍ), CJK units
    /// (㎡), precomposed Hangul syllables, full-width forms. No CR (CR LF is one cluster), no
    /// combining mark, no conjoining jamo, no joiner, no regional indicator: `TextLengthTests`
    /// checks each of these scalars beside a representative of every kind that could join it.
    public static func isAlwaysOwnCluster(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09, 0x0A, 0x20...0x7E, 0xA0...0xFF, 0x2010...0x2027, 0x2030...0x205E, 0x2100...0x214F,
             0x3000...0x3029, 0x3030...0x303F, 0x3131...0x318E, 0x3380...0x33FF, 0xAC00...0xD7A3, 0xFF01...0xFF5E:
            return true
        default:
            return false
        }
    }

    /// Scalars whose weight never depends on the cluster around them: none is an emoji by
    /// presentation, a regional indicator, or a part that makes an emoji sequence (U+FE0F,
    /// U+200D, U+20E3), so a text of only these weighs the sum of its scalars' weights.
    /// (`TextLengthTests` checks every scalar of these ranges against the Unicode properties.)
    static func weighsAlone(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x0000...0x10FF, 0xAC00...0xD7A3, 0x3000...0x303F, 0x2010...0x2027, 0x2030...0x205E, 0xFF01...0xFF5E: return true
        default: return false
        }
    }

    /// Unicode scalars, with each URL counted as `urlLength` (Mastodon's rule).
    public static func characters(_ nfc: String) -> Int {
        var total = 0
        for piece in split(nfc) {
            switch piece {
            case .url: total += urlLength
            case .text(let s): total += s.unicodeScalars.count
            }
        }
        return total
    }

    /// twitter-text v3: code points in U+0000–10FF, U+2000–200D, U+2010–201F and U+2032–2037
    /// weigh 1, everything else 2; an emoji sequence weighs 2 however many scalars it has; a URL 23.
    public static func xWeighted(_ nfc: String) -> Int {
        var total = 0
        for piece in split(nfc) {
            switch piece {
            case .url: total += urlLength
            case .text(let s):
                // The common case (Korean and English text, punctuation): scalar by scalar,
                // no grapheme breaking and no emoji property lookups; the same sum.
                if s.unicodeScalars.allSatisfy({ weighsAlone($0) }) {
                    for scalar in s.unicodeScalars { total += xWeight(scalar) }
                } else {
                    total += clusterWeight(s)
                }
            }
        }
        return total
    }

    /// twitter-text's weight of text without URLs, cluster by cluster (an emoji sequence weighs 2).
    static func clusterWeight(_ s: Substring) -> Int {
        var total = 0
        for grapheme in s {
            if isEmoji(grapheme) { total += 2; continue }
            for scalar in grapheme.unicodeScalars { total += xWeight(scalar) }
        }
        return total
    }

    static func xWeight(_ scalar: Unicode.Scalar) -> Int {
        switch scalar.value {
        case 0x0000...0x10FF, 0x2000...0x200D, 0x2010...0x201F, 0x2032...0x2037: return 1
        default: return 2
        }
    }

    static func isEmoji(_ grapheme: Character) -> Bool {
        let scalars = grapheme.unicodeScalars
        guard let first = scalars.first else { return false }
        if first.properties.isEmojiPresentation { return true }
        // Text-default emoji made emoji by VS16, keycaps, ZWJ sequences and flags.
        if first.properties.isEmoji && scalars.count > 1 {
            return scalars.contains { $0.value == 0xFE0F || $0.value == 0x200D || $0.value == 0x20E3 }
                || (0x1F1E6...0x1F1FF).contains(first.value)
        }
        return false
    }

    enum Piece: Equatable { case text(Substring), url(Substring) }

    /// Splits text into URL and non-URL pieces. A URL starts with http:// or https:// and runs
    /// to the next whitespace; trailing sentence punctuation is not part of it.
    static func split(_ s: String) -> [Piece] {
        let bytes = Array(s.utf8)
        var pieces: [Piece] = []
        var textStart = 0
        for url in urlByteRanges(bytes) {
            if url.lowerBound > textStart { pieces.append(.text(Substring(String(decoding: bytes[textStart..<url.lowerBound], as: UTF8.self)))) }
            pieces.append(.url(Substring(String(decoding: bytes[url], as: UTF8.self))))
            textStart = url.upperBound
        }
        if textStart < bytes.count {
            pieces.append(.text(textStart == 0 ? s[...] : Substring(String(decoding: bytes[textStart...], as: UTF8.self))))
        }
        return pieces
    }

    /// Where the links are, as UTF-8 byte ranges of `s` exactly as given (not normalised): the
    /// same rule the length meters count a URL by, so what is linked is what was counted as one.
    public static func urlByteRanges(_ s: String) -> [Range<Int>] { urlByteRanges(Array(s.utf8)) }

    static func urlByteRanges(_ bytes: [UInt8]) -> [Range<Int>] {
        // Scan the UTF-8 bytes for "http://" or "https://" (any case): cheap for the common case
        // of text without links, and a URL runs to the next whitespace.
        var ranges: [Range<Int>] = []
        var i = 0
        func lower(_ b: UInt8) -> UInt8 { (b >= 65 && b <= 90) ? b + 32 : b }
        func matches(_ word: String, at j: Int) -> Bool {
            let w = Array(word.utf8)
            guard j + w.count <= bytes.count else { return false }
            for k in 0..<w.count where lower(bytes[j + k]) != w[k] { return false }
            return true
        }
        func isSpace(_ b: UInt8) -> Bool { b == 32 || b == 9 || b == 10 || b == 13 }
        while i < bytes.count {
            guard lower(bytes[i]) == UInt8(ascii: "h"), matches("https://", at: i) || matches("http://", at: i) else {
                i += 1
                continue
            }
            var end = i
            while end < bytes.count && !isSpace(bytes[end]) { end += 1 }
            // Trailing sentence punctuation is not part of the link.
            while end > i, let last = Optional(bytes[end - 1]), Array(".,;:!?)]}\"'".utf8).contains(last) { end -= 1 }
            ranges.append(i..<end)
            i = max(end, i + 1)
        }
        return ranges
    }
}
