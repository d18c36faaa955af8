import Foundation

/// The city's time zone: the one zone every clock on every screen, every `{time}` and `{date}` in
/// a message and every report is written in, whatever zone the server happens to run in. A duty
/// desk in Seoul reads Seoul time; a server on UTC must not make the header say 13:44 while the
/// message being composed says "22:44부터".
///
/// It is a setting: `--time-zone NAME`, else `$HAECHI_TIME_ZONE`, else Asia/Seoul. The shell
/// resolves it once with `zone(named:environment:)` and hands the value to everything else.
public enum CityTime {
    public static let defaultIdentifier = "Asia/Seoul"
    public static let environmentVariable = "HAECHI_TIME_ZONE"
    /// Asia/Seoul (UTC+9, no daylight saving since 1988), also when tzdata is missing.
    public static let `default`: TimeZone = TimeZone(identifier: defaultIdentifier) ?? TimeZone(secondsFromGMT: 9 * 3600)!

    public struct UnknownZone: Error, Sendable, Hashable, CustomStringConvertible {
        public var name: String
        public var source: String
        public var description: String { "unknown time zone '\(name)' (\(source)); use an IANA name such as Asia/Seoul" }
    }

    /// The zone the setting names: the option when given, else the environment variable, else Seoul.
    public static func zone(named option: String?, environment: [String: String]) throws -> TimeZone {
        try resolve(option, environment, TimeZone.init(identifier:)) ?? Self.default
    }

    /// The same zone for the TUI, read from the tz database (`ZoneInfo`): a fixed offset where
    /// that is exact (Seoul), so the TUI never pages in Foundation's ICU time zones (its memory
    /// goal is < 30 MB). Its identifier is then `GMT+0900`; reports keep `zone(named:)`.
    public static func lightZone(named option: String?, environment: [String: String]) throws -> TimeZone {
        try resolve(option, environment, { ZoneInfo.timeZone(identifier: $0) })
            ?? ZoneInfo.timeZone(identifier: defaultIdentifier) ?? TimeZone(secondsFromGMT: 9 * 3600)!
    }

    /// nil: the setting is not given (the default applies).
    static func resolve(_ option: String?, _ environment: [String: String], _ make: (String) -> TimeZone?) throws -> TimeZone? {
        let (name, source): (String?, String) = if let option, !option.isEmpty { (option, "--time-zone") }
            else { (environment[environmentVariable], "$\(environmentVariable)") }
        guard let name, !name.trimmingCharacters(in: .whitespaces).isEmpty else { return nil }
        guard let zone = make(name.trimmingCharacters(in: .whitespaces)) else { throw UnknownZone(name: name, source: source) }
        return zone
    }
}
