import Foundation

/// Foundation's `trimmingCharacters(in: .whitespaces)` and `(in: .whitespacesAndNewlines)`,
/// with the common case answered without Foundation: a text that starts and ends with a
/// printable ASCII character or a Hangul syllable has nothing to trim. The loader asks this of
/// every number and every example value, and Foundation's trimming is costly per call.
public enum Trimming {
    public static func whitespace(_ s: String) -> String {
        hasNothingToTrim(s) ? s : s.trimmingCharacters(in: .whitespaces)
    }

    public static func whitespaceAndNewlines(_ s: String) -> String {
        hasNothingToTrim(s) ? s : s.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Both ends are scalars that are neither white space nor line breaks.
    static func hasNothingToTrim(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first, let last = s.unicodeScalars.last else { return false }
        return isSolid(first) && isSolid(last)
    }

    static func isSolid(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x21...0x7E, 0xAC00...0xD7A3: return true
        default: return false
        }
    }
}
