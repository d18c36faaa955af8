import Foundation
import HaechiCore

/// The one place that decides how many terminal columns text takes.
///
/// Every layout decision (padding, truncation, wrapping, the canvas itself) goes through
/// `DisplayWidth`, so the canvas and the terminal never disagree about where a column is.
/// Text is normalised to NFC first: decomposed Hangul (NFD) would otherwise be measured as
/// separate jamo and lose its vowels on screen. Control characters never reach the terminal:
/// `visible(_:)` turns them into printable escapes before anything is measured.
///
/// The table mirrors glibc's `wcwidth` for the ranges Haechi's text actually uses (Hangul,
/// CJK, full-width forms, emoji); it lives here rather than calling `wcwidth` so that the pure
/// core gives the same answer in tests as under any locale.
public enum DisplayWidth {
    /// Columns taken by one grapheme cluster of already-visible (sanitised) text: 0, 1 or 2.
    public static func of(_ grapheme: Character) -> Int {
        var width = 0
        for scalar in grapheme.unicodeScalars {
            let w = of(scalar)
            // A cluster is as wide as its widest base: combining marks and joiners add nothing,
            // and an emoji presentation selector widens a narrow base to two columns.
            if scalar.value == 0xFE0F, width == 1 { width = 2 }
            width = max(width, w)
            if width == 2 { break }
        }
        return width
    }

    /// Columns taken by a whole string, after making it visible and NFC.
    public static func of(_ text: String) -> Int {
        visible(text).reduce(0) { $0 + of($1) }
    }

    public static func of(_ scalar: Unicode.Scalar) -> Int {
        let v = scalar.value
        if v == 0 { return 0 }
        if v < 0x20 || (v >= 0x7F && v < 0xA0) { return 0 }  // never drawn; see visible(_:)
        if v < 0x300 { return 1 }
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format: return 0
        default: break
        }
        // Hangul medial vowels and final consonants (U+1160–11FF, D7B0–D7FF) join the leading
        // consonant's two columns.
        if (0x1160...0x11FF).contains(v) || (0xD7B0...0xD7FF).contains(v) { return 0 }
        return isWide(v) ? 2 : 1
    }

    /// East Asian Wide and Fullwidth ranges (Unicode 15, as glibc 2.35+ reports them).
    static func isWide(_ v: UInt32) -> Bool {
        switch v {
        case 0x1100...0x115F,            // Hangul Jamo leading consonants
             0x231A...0x231B, 0x2329...0x232A, 0x23E9...0x23EC, 0x23F0, 0x23F3,
             0x25FD...0x25FE, 0x2614...0x2615, 0x2648...0x2653, 0x267F, 0x2693, 0x26A1,
             0x26AA...0x26AB, 0x26BD...0x26BE, 0x26C4...0x26C5, 0x26CE, 0x26D4, 0x26EA,
             0x26F2...0x26F3, 0x26F5, 0x26FA, 0x26FD, 0x2705, 0x270A...0x270B, 0x2728, 0x274C,
             0x274E, 0x2753...0x2755, 0x2757, 0x2795...0x2797, 0x27B0, 0x27BF, 0x2B1B...0x2B1C,
             0x2B50, 0x2B55,
             0x2E80...0x303E,            // CJK radicals, punctuation
             0x3041...0x33FF,            // kana, Hangul compatibility jamo, CJK symbols
             0x3400...0x4DBF,            // CJK extension A
             0x4E00...0x9FFF,            // CJK unified ideographs
             0xA000...0xA4CF,            // Yi
             0xA960...0xA97F,            // Hangul Jamo extended-A
             0xAC00...0xD7A3,            // Hangul syllables
             0xF900...0xFAFF,            // CJK compatibility ideographs
             0xFE10...0xFE19, 0xFE30...0xFE6F,
             0xFF00...0xFF60, 0xFFE0...0xFFE6,  // full-width forms
             0x16FE0...0x16FE4, 0x17000...0x18CFF, 0x1B000...0x1B2FF,
             0x1F004, 0x1F0CF, 0x1F18E, 0x1F191...0x1F19A, 0x1F200...0x1F251,
             0x1F300...0x1F320, 0x1F32D...0x1F335, 0x1F337...0x1F37C, 0x1F37E...0x1F393,
             0x1F3A0...0x1F3CA, 0x1F3CF...0x1F3D3, 0x1F3E0...0x1F3F0, 0x1F3F4, 0x1F3F8...0x1F43E,
             0x1F440, 0x1F442...0x1F4FC, 0x1F4FF...0x1F53D, 0x1F54B...0x1F54E, 0x1F550...0x1F567,
             0x1F57A, 0x1F595...0x1F596, 0x1F5A4, 0x1F5FB...0x1F64F, 0x1F680...0x1F6C5, 0x1F6CC,
             0x1F6D0...0x1F6D2, 0x1F6D5...0x1F6D7, 0x1F6DC...0x1F6DF, 0x1F6EB...0x1F6EC,
             0x1F6F4...0x1F6FC, 0x1F7E0...0x1F7EB, 0x1F7F0, 0x1F90C...0x1F93A, 0x1F93C...0x1F945,
             0x1F947...0x1F9FF, 0x1FA70...0x1FAFF,
             0x20000...0x2FFFD, 0x30000...0x3FFFD:
            return true
        default:
            return false
        }
    }

    /// Text as it may be shown: NFC, with every control character, escape sequence introducer
    /// and bidirectional override replaced by a visible stand-in (`^[` for ESC, `^M` for CR,
    /// `<U+202E>` for a right-to-left override). A manual line can thus never move the cursor,
    /// recolour the screen or reorder what the operator reads. Tabs become one space so that
    /// columns stay predictable.
    public static func visible(_ text: String) -> String {
        let nfc = NFC.normalize(text)
        // Fast path: most text has nothing to replace.
        if !nfc.unicodeScalars.contains(where: needsEscape) { return nfc }
        var out = String.UnicodeScalarView()
        for s in nfc.unicodeScalars {
            guard needsEscape(s) else { out.append(s); continue }
            let v = s.value
            if v == 0x09 { out.append(" "); continue }
            let stand: String
            if v < 0x20 { stand = "^" + String(UnicodeScalar(UInt8(v + 0x40))) }
            else if v == 0x7F { stand = "^?" }
            else { stand = "<U+" + String(v, radix: 16, uppercase: true).leftPadded(to: 4, with: "0") + ">" }
            out.append(contentsOf: stand.unicodeScalars)
        }
        return String(out)
    }

    static func needsEscape(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        return v < 0x20 || (v >= 0x7F && v < 0xA0)
            || (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v)
            || v == 0x200E || v == 0x200F || v == 0x061C
    }
}

// NFC lives in HaechiCore (Text/NFC.swift): the loader and the length rules need it too.

extension String {
    func leftPadded(to count: Int, with pad: Character) -> String {
        self.count >= count ? self : String(repeating: pad, count: count - self.count) + self
    }

    /// Display columns (see `DisplayWidth`).
    public var displayWidth: Int { DisplayWidth.of(self) }

    /// The visible prefix that fits in `columns`, ending in `~` when something was cut.
    /// A wide character that would straddle the limit is dropped whole, never halved.
    public func truncated(to columns: Int, ellipsis: Bool = true) -> String {
        let text = DisplayWidth.visible(self)
        if columns <= 0 { return "" }
        var used = 0
        var out = ""
        let total = text.reduce(0) { $0 + DisplayWidth.of($1) }
        if total <= columns { return text }
        let limit = ellipsis ? columns - 1 : columns
        for ch in text {
            let w = DisplayWidth.of(ch)
            if used + w > limit { break }
            out.append(ch)
            used += w
        }
        // `~` rather than `…`: the ellipsis is East Asian "ambiguous" and takes two columns in
        // some Korean terminal setups, which would push every later column one to the right.
        return ellipsis ? out + "~" : out
    }

    /// Pads with spaces (or truncates) to exactly `columns` display columns.
    public func padded(to columns: Int) -> String {
        let t = truncated(to: columns)
        let w = t.displayWidth
        return w >= columns ? t : t + String(repeating: " ", count: columns - w)
    }

    /// Word-wraps to lines of at most `columns`. Hangul has no need of spaces to break (a line
    /// may break between any two syllables), so a word longer than the line is split by
    /// columns rather than overflowing.
    public func wrapped(to columns: Int) -> [String] {
        guard columns > 0 else { return [] }
        var lines: [String] = []
        for rawParagraph in self.split(separator: "\n", omittingEmptySubsequences: false) {
            let paragraph = DisplayWidth.visible(String(rawParagraph))
            var line = ""
            var lineWidth = 0
            for word in paragraph.split(separator: " ", omittingEmptySubsequences: false) {
                var word = String(word)
                var ww = word.displayWidth
                let space = line.isEmpty ? 0 : 1
                if lineWidth + space + ww <= columns {
                    if space == 1 { line += " " }
                    line += word
                    lineWidth += space + ww
                    continue
                }
                if !line.isEmpty { lines.append(line); line = ""; lineWidth = 0 }
                while ww > columns {
                    let head = word.truncated(to: columns, ellipsis: false)
                    lines.append(head)
                    word = String(word.dropFirst(head.count))
                    ww = word.displayWidth
                }
                line = word
                lineWidth = ww
            }
            lines.append(line)
        }
        return lines
    }
}
