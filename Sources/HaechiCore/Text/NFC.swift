import Foundation

/// Unicode NFC, with a fast path: almost every string Haechi sees is ASCII or precomposed
/// Hangul, which are NFC already, and Foundation's normaliser is slow to call per field.
///
/// The slow path decomposes before composing: Foundation on Linux leaves a precomposed LV
/// syllable followed by a trailing-consonant jamo alone ("혀" + U+11AB stays two scalars instead
/// of "현"), which is exactly what typing one jamo at a time produces; from the fully decomposed
/// form it composes correctly.
public enum NFC {
    public static func normalize(_ s: String) -> String {
        isCertainlyNFC(s) ? s : s.decomposedStringWithCanonicalMapping.precomposedStringWithCanonicalMapping
    }

    /// True when no scalar could change under NFC: ASCII/Latin-1 below the combining marks,
    /// precomposed Hangul syllables, Hangul compatibility jamo, CJK punctuation and full-width
    /// forms. Anything else (combining marks, conjoining jamo, singletons) goes to Foundation.
    public static func isCertainlyNFC(_ s: String) -> Bool {
        for v in s.utf8 where v >= 0x80 {
            return s.unicodeScalars.allSatisfy { scalar in
                switch scalar.value {
                case 0...0x2FF, 0xAC00...0xD7A3, 0x3000...0x303F, 0x3131...0x318E, 0xFF01...0xFF5E,
                     0x2010...0x2027, 0x2030...0x205E, 0x2190...0x21FF, 0x2460...0x24FF, 0x2500...0x25FF:
                    return true
                default:
                    return false
                }
            }
        }
        return true
    }
}
