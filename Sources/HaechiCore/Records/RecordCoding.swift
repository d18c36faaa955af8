import Foundation

/// The one JSON shape every Haechi file uses: sorted keys (so a record's bytes are canonical and
/// its checksum reproducible), ISO 8601 times in UTC with milliseconds, no escaped slashes.
public enum RecordCoding {
    public static func encoder() -> JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        e.dateEncodingStrategy = .custom { date, encoder in
            var c = encoder.singleValueContainer()
            try c.encode(formatTimestamp(date))
        }
        return e
    }

    public static func decoder() -> JSONDecoder {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .custom { decoder in
            let c = try decoder.singleValueContainer()
            let s = try c.decode(String.self)
            guard let date = parseTimestamp(s) else {
                throw DecodingError.dataCorruptedError(in: c, debugDescription: "not an ISO 8601 time: \(s)")
            }
            return date
        }
        return d
    }

    /// `2026-11-29T06:32:10.123Z`
    /// Digits and arithmetic (`Timestamp`), byte for byte what Foundation's ISO 8601 style
    /// writes, without the ICU that style pages in.
    public static func formatTimestamp(_ date: Date) -> String {
        Timestamp.format(date)
    }

    /// The form this project writes, from digits; any other ISO 8601 form through Foundation.
    public static func parseTimestamp(_ s: String) -> Date? {
        if let d = Timestamp.parse(s) { return d }
        if let d = try? Date(s, strategy: .iso8601.year().month().day().time(includingFractionalSeconds: true)) { return d }
        return try? Date(s, strategy: .iso8601)
    }
}
