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
        (year, month, day) = Timestamp.civilFromDays(days)
    }

    /// `YYYY-MM-DD`: the calendar day, as manuals write dates (`revised`, a limit's `from`).
    public var calendarDay: String { "\(year)-" + Self.two(month) + "-" + Self.two(day) }

    /// `7` → `07`, without `String(format:)` (which pages in Foundation's formatter).
    public static func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
}
