import Foundation

/// Year, month, day, hour, minute, second of an instant in a time zone, by arithmetic on the
/// zone's offset (Howard Hinnant's civil-from-days). The screens draw a clock every second;
/// Foundation's `Calendar` pages in about a megabyte of ICU code for the same answer, which the
/// TUI's memory goal (< 30 MB) cannot spare. The offset still comes from the `TimeZone`, so
/// daylight saving and historical changes are honoured.
public struct CivilTime: Sendable, Hashable {
    public var year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int

    public init(_ date: Date, _ zone: TimeZone) {
        let local = Int(floor(date.timeIntervalSince1970)) + zone.secondsFromGMT(for: date)
        let days = Int(floor(Double(local) / 86_400))
        let secs = local - days * 86_400
        hour = secs / 3600; minute = secs / 60 % 60; second = secs % 60
        // civil_from_days: days since 1970-01-01 to (y, m, d) in the proleptic Gregorian calendar.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        day = doy - (153 * mp + 2) / 5 + 1
        month = mp < 10 ? mp + 3 : mp - 9
        year = yoe + era * 400 + (month <= 2 ? 1 : 0)
    }

    /// `7` → `07`, without `String(format:)` (which pages in Foundation's formatter).
    public static func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
}
