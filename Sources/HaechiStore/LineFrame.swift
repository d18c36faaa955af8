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
    /// Allocation-free on the good path: a million lines are checked per verify.
    public static func decode(_ line: ArraySlice<UInt8>, checksum: Bool = true) -> Result<ArraySlice<UInt8>, Problem> {
        if line.last == tornSeal[0] { return .failure(.incomplete) }
        let count = line.count
        guard count >= head.count + tailLength else { return .failure(.notFramed) }
        let framed = line.withUnsafeBufferPointer { p -> Bool in
            for i in 0..<head.count where p[i] != head[i] { return false }
            let t = count - tailLength
            for i in 0..<tailStart.count where p[t + i] != tailStart[i] { return false }
            return p[count - 2] == UInt8(ascii: "\"") && p[count - 1] == UInt8(ascii: "}")
        }
        guard framed else { return .failure(.notFramed) }
        let tailIndex = line.endIndex - tailLength
        let body = line[(line.startIndex + head.count)..<tailIndex]
        let digits = line[(tailIndex + tailStart.count)..<(line.endIndex - 2)]
        if !checksum { return .success(body) }
        let actual = CRC32.checksum(body)
        guard let written = parseHex8(digits), written == actual else {
            return .failure(.checksumMismatch(expected: String(decoding: digits, as: UTF8.self),
                                              actual: String(decoding: hex8(actual), as: UTF8.self)))
        }
        return .success(body)
    }

    static func parseHex8(_ digits: ArraySlice<UInt8>) -> UInt32? {
        var v: UInt32 = 0
        for d in digits {
            let n: UInt8
            switch d {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): n = d - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): n = d - UInt8(ascii: "a") + 10
            default: return nil
            }
            v = v << 4 | UInt32(n)
        }
        return v
    }

    static func hex8(_ v: UInt32) -> [UInt8] {
        let digits = Array("0123456789abcdef".utf8)
        return (0..<8).reversed().map { digits[Int((v >> (UInt32($0) * 4)) & 0xF)] }
    }
}

/// CRC-32 (IEEE 802.3, the zlib one), slicing-by-8: eight table lookups per eight bytes
/// instead of one per byte, so checking a 700 MB outbox is not the slow part of verify.
public enum CRC32 {
    /// tables[k][b]: the CRC of byte b followed by k zero bytes.
    static let tables: [UInt32] = {
        var t = [UInt32](repeating: 0, count: 8 * 256)
        for i in 0..<256 {
            var c = UInt32(i)
            for _ in 0..<8 { c = (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
            t[i] = c
        }
        for i in 0..<256 {
            for k in 1..<8 { t[k * 256 + i] = (t[(k - 1) * 256 + i] >> 8) ^ t[Int(t[(k - 1) * 256 + i] & 0xFF)] }
        }
        return t
    }()

    public static func checksum(_ bytes: some Collection<UInt8>) -> UInt32 {
        if let crc = bytes.withContiguousStorageIfAvailable({ checksum(UnsafeRawBufferPointer($0)) }) { return crc }
        return Array(bytes).withUnsafeBytes { checksum($0) }
    }

    public static func checksum(_ raw: UnsafeRawBufferPointer) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        tables.withUnsafeBufferPointer { t in
            var i = 0
            let n = raw.count
            while i + 8 <= n {
                let lo = raw.loadUnaligned(fromByteOffset: i, as: UInt32.self).littleEndian ^ crc
                let hi = raw.loadUnaligned(fromByteOffset: i + 4, as: UInt32.self).littleEndian
                crc = t[7 * 256 + Int(lo & 0xFF)] ^ t[6 * 256 + Int((lo >> 8) & 0xFF)]
                    ^ t[5 * 256 + Int((lo >> 16) & 0xFF)] ^ t[4 * 256 + Int(lo >> 24)]
                    ^ t[3 * 256 + Int(hi & 0xFF)] ^ t[2 * 256 + Int((hi >> 8) & 0xFF)]
                    ^ t[1 * 256 + Int((hi >> 16) & 0xFF)] ^ t[Int(hi >> 24)]
                i += 8
            }
            while i < n {
                crc = t[Int((crc ^ UInt32(raw[i])) & 0xFF)] ^ (crc >> 8)
                i += 1
            }
        }
        return crc ^ 0xFFFF_FFFF
    }
}
