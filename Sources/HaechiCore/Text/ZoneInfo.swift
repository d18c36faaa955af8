import Foundation

/// A time zone read from the system's tz database (`/usr/share/zoneinfo`, TZif) instead of
/// through Foundation's ICU-backed `TimeZone(identifier:)`, which pages about two megabytes of
/// ICU into a process that only ever needs Seoul's offset (the TUI's memory goal is < 30 MB).
///
/// A zone whose offset has not changed since the last transition and has none scheduled (Asia/
/// Seoul: none since 1988; UTC) becomes a fixed-offset `TimeZone`. Any zone with daylight saving
/// or a rule ahead, or a file that cannot be read, falls back to Foundation's named zone, so the
/// answer is never wrong — only cheaper where it can be.
public enum ZoneInfo {
    public static let directory = "/usr/share/zoneinfo"

    /// The zone named `identifier` (`Asia/Seoul`), fixed-offset when that is exact.
    public static func timeZone(identifier: String, now: Date = Date()) -> TimeZone? {
        guard !identifier.contains(".."), let data = FileManager.default.contents(atPath: directory + "/" + identifier),
              let offset = fixedOffset(tzif: data, now: now) else {
            return TimeZone(identifier: identifier)
        }
        return TimeZone(secondsFromGMT: offset)
    }

    /// The machine's zone: `$TZ` (a zone name), else `/etc/localtime`'s target, else Foundation's.
    public static func current(environment: [String: String] = ProcessInfo.processInfo.environment, now: Date = Date()) -> TimeZone {
        if let tz = environment["TZ"], !tz.isEmpty {
            let name = tz.hasPrefix(":") ? String(tz.dropFirst()) : tz
            return timeZone(identifier: name, now: now) ?? .current
        }
        if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/etc/localtime"),
           let range = target.range(of: "zoneinfo/") {
            return timeZone(identifier: String(target[range.upperBound...]), now: now) ?? .current
        }
        return .current
    }

    /// The UTC offset in seconds when it is the same from the last transition on and no later
    /// transition exists (in the file's 32-bit table, which runs to 2037, or its POSIX rule).
    static func fixedOffset(tzif data: Data, now: Date) -> Int? {
        let bytes = [UInt8](data)
        guard bytes.count >= 44, bytes[0] == 0x54, bytes[1] == 0x5A, bytes[2] == 0x69, bytes[3] == 0x66 else { return nil }
        func be32(_ at: Int) -> Int32 {
            Int32(bitPattern: UInt32(bytes[at]) << 24 | UInt32(bytes[at + 1]) << 16 | UInt32(bytes[at + 2]) << 8 | UInt32(bytes[at + 3]))
        }
        let isutcnt = Int(be32(20)), isstdcnt = Int(be32(24)), leapcnt = Int(be32(28))
        let timecnt = Int(be32(32)), typecnt = Int(be32(36)), charcnt = Int(be32(40))
        let times = 44, indices = times + 4 * timecnt, types = indices + timecnt
        let end = types + 6 * typecnt + charcnt + 8 * leapcnt + isstdcnt + isutcnt
        guard typecnt > 0, bytes.count >= end else { return nil }
        let nowSeconds = Int64(now.timeIntervalSince1970)
        if timecnt > 0, Int64(be32(times + 4 * (timecnt - 1))) > nowSeconds { return nil }
        // A POSIX rule in the footer with a DST part (`KST-9` has none; `EST5EDT,M3.2.0,…` has)
        // means transitions beyond the table.
        if let footerStart = bytes.lastIndex(of: 0x0A).flatMap({ last in bytes[..<last].lastIndex(of: 0x0A) }) {
            let footer = String(decoding: bytes[(footerStart + 1)...].dropLast(), as: UTF8.self)
            if footer.contains(",") { return nil }
        }
        let type = timecnt > 0 ? Int(bytes[indices + timecnt - 1]) : 0
        guard type < typecnt else { return nil }
        return Int(be32(types + 6 * type))
    }
}
