/// Text from journals and scenario files printed to a terminal must never carry escape sequences
/// or other control characters (design: "never write them raw"): they are replaced by spaces.
public enum Sanitize {
    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || (0x202A...0x202E).contains(scalar.value)
            || (0x2066...0x2069).contains(scalar.value)
    }

    /// One line: line breaks become spaces too.
    public static func line(_ s: String) -> String {
        String(String.UnicodeScalarView(s.unicodeScalars.map { isControl($0) ? " " : $0 }))
    }

    /// A paragraph: line breaks kept, everything else that could move the cursor removed.
    public static func block(_ s: String) -> String {
        String(String.UnicodeScalarView(s.unicodeScalars.map { $0 == "\n" ? $0 : isControl($0) ? " " : $0 }))
    }
}
