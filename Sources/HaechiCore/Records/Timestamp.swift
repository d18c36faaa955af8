import Foundation

/// RecordCoding's timestamp form, parsed and printed from digits: Foundation's ISO 8601
/// styles cost microseconds each, which a million-line listing cannot afford, and page about
/// six megabytes of ICU into the TUI, whose memory goal is < 30 MB.
public enum Timestamp {
    /// `yyyy-MM-ddTHH:mm:ss.SSSZ`, or nil for any other form.
    public static func parse(_ s: String) -> Date? {
        var s = s
        return s.withUTF8 { parse(bytes: $0) }
    }

    /// The same, from a string's UTF-8 bytes.
    public static func parse(bytes u: UnsafeBufferPointer<UInt8>) -> Date? {
        do {
            guard u.count == 24, u[4] == 0x2D, u[7] == 0x2D, u[10] == 0x54, u[13] == 0x3A, u[16] == 0x3A, u[19] == 0x2E, u[23] == 0x5A
            else { return nil }
            func num(_ from: Int, _ count: Int) -> Int? {
                var v = 0
                for k in from..<(from + count) {
                    let d = Int(u[k]) - 48
                    guard d >= 0 && d <= 9 else { return nil }
                    v = v * 10 + d
                }
                return v
            }
            guard let y = num(0, 4), let mo = num(5, 2), let d = num(8, 2), let h = num(11, 2), let mi = num(14, 2),
                  let sec = num(17, 2), let ms = num(20, 3), (1...12).contains(mo), (1...31).contains(d), h < 24, mi < 60, sec < 61
            else { return nil }
            let days = daysFromCivil(y, mo, d)
            // From the reference date (2001), as Foundation's ISO 8601 parser builds it: the same
            // Double to the last bit, so a parsed time formats back to the same milliseconds.
            let whole = days * 86_400 + h * 3600 + mi * 60 + sec - 978_307_200
            return Date(timeIntervalSinceReferenceDate: Double(whole) + Double(ms) / 1000)
        }
    }

    /// The same form as RecordCoding.formatTimestamp, byte for byte.
    public static func format(_ date: Date) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(24)
        format(date, into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The same, appended as bytes: a listing formats a million of them.
    public static func format(_ date: Date, into out: inout [UInt8]) {
        // Whole seconds first, then the fraction through nanoseconds, truncated: multiplying
        // the whole interval by 1000 would round .6479999 up to .648 where Foundation says .647.
        // From the reference date (2001), the Double a Date holds, as Foundation does: the
        // fraction of an interval re-based on 1970 can differ in its last bit.
        let t = date.timeIntervalSinceReferenceDate
        let whole = t.rounded(.down)
        let secs = Int(whole) + 978_307_200
        let ms = Int(((t - whole) * 1e9).rounded(.down)) / 1_000_000
        let days = secs >= 0 ? secs / 86_400 : (secs - 86_399) / 86_400
        let rest = secs - days * 86_400
        let (y, m, d) = civilFromDays(days)
        // Zero-padded to `width`, and wider when the number needs it, like the String form had.
        func pad(_ v: Int, _ width: Int) {
            guard v >= 0 else {
                let s = Array(String(v).utf8)
                if s.count < width { out += [UInt8](repeating: UInt8(ascii: "0"), count: width - s.count) }
                out += s
                return
            }
            var digits = 1, p = 10
            while p <= v && digits < 19 { digits += 1; p = p &* 10 }
            for _ in 0..<max(0, width - digits) { out.append(UInt8(ascii: "0")) }
            var divisor = 1
            for _ in 1..<digits { divisor *= 10 }
            var rest = v
            for _ in 0..<digits {
                out.append(UInt8(ascii: "0") + UInt8(rest / divisor))
                rest %= divisor
                divisor /= 10
            }
        }
        pad(y, 4); out.append(UInt8(ascii: "-")); pad(m, 2); out.append(UInt8(ascii: "-")); pad(d, 2)
        out.append(UInt8(ascii: "T")); pad(rest / 3600, 2); out.append(UInt8(ascii: ":")); pad(rest % 3600 / 60, 2)
        out.append(UInt8(ascii: ":")); pad(rest % 60, 2); out.append(UInt8(ascii: ".")); pad(ms, 3); out.append(UInt8(ascii: "Z"))
    }

    // Howard Hinnant's civil-calendar algorithms (public domain), proleptic Gregorian.
    static func daysFromCivil(_ y0: Int, _ m: Int, _ d: Int) -> Int {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civilFromDays(_ z0: Int) -> (Int, Int, Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }
}
