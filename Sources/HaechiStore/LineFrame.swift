/// How one record is framed on one line of a Haechi JSONL file:
///
///     {"r":<record JSON>,"c":"<crc32 of the record JSON bytes, 8 hex digits>"}\n
///
/// The line is still plain JSON for `jq`, and the checksum is checked on the exact bytes
/// between `{"r":` and `,"c":"` without re-encoding, so verifying a million lines stays cheap.
public enum LineFrame {
    static let head: [UInt8] = Array(#"{"r":"#.utf8)
    static let tailStart: [UInt8] = Array(#","c":""#.utf8)
    /// `,"c":"` + 8 hex + `"}`
    static let tailLength = tailStart.count + 8 + 2

    public enum Problem: Error, Equatable, Sendable, CustomStringConvertible {
        case notFramed
        case checksumMismatch(expected: String, actual: String)
        case incomplete
        public var description: String {
            switch self {
            case .notFramed: "not a framed record"
            case .checksumMismatch(let e, let a): "checksum mismatch (line says \(e), content is \(a))"
            case .incomplete: "incomplete line (torn write)"
            }
        }
    }

    /// What a writer appends to a torn last line before its own record: `!` and a newline. A
    /// valid frame always ends in `"}`, so a sealed line can never verify.
    public static let tornSeal: [UInt8] = [UInt8(ascii: "!"), UInt8(ascii: "\n")]

    public static func encode(_ body: some Collection<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(body.count + head.count + tailLength + 1)
        out += head
        out += body
        out += tailStart
        out += hex8(CRC32.checksum(body))
        out += [UInt8(ascii: "\""), UInt8(ascii: "}"), UInt8(ascii: "\n")]
        return out
    }

    /// The record bytes of one line (without its newline), or why it is bad.
    public static func decode(_ line: ArraySlice<UInt8>) -> Result<ArraySlice<UInt8>, Problem> {
        if line.last == tornSeal[0] { return .failure(.incomplete) }
        guard line.count >= head.count + tailLength,
              line.prefix(head.count).elementsEqual(head) else { return .failure(.notFramed) }
        let tailIndex = line.endIndex - tailLength
        guard line[tailIndex..<(tailIndex + tailStart.count)].elementsEqual(tailStart),
              line[line.endIndex - 2] == UInt8(ascii: "\""), line[line.endIndex - 1] == UInt8(ascii: "}") else {
            return .failure(.notFramed)
        }
        let body = line[(line.startIndex + head.count)..<tailIndex]
        let written = Array(line[(tailIndex + tailStart.count)..<(line.endIndex - 2)])
        let actual = hex8(CRC32.checksum(body))
        guard written == actual else {
            return .failure(.checksumMismatch(expected: String(decoding: written, as: UTF8.self),
                                              actual: String(decoding: actual, as: UTF8.self)))
        }
        return .success(body)
    }

    static func hex8(_ v: UInt32) -> [UInt8] {
        let digits = Array("0123456789abcdef".utf8)
        return (0..<8).reversed().map { digits[Int((v >> (UInt32($0) * 4)) & 0xF)] }
    }
}

/// CRC-32 (IEEE 802.3, the zlib one), table-driven.
public enum CRC32 {
    static let table: [UInt32] = (0..<256).map { i -> UInt32 in
        var c = UInt32(i)
        for _ in 0..<8 { c = (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    public static func checksum(_ bytes: some Collection<UInt8>) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        table.withUnsafeBufferPointer { t in
            for b in bytes { crc = t[Int((crc ^ UInt32(b)) & 0xFF)] ^ (crc >> 8) }
        }
        return crc ^ 0xFFFF_FFFF
    }
}
