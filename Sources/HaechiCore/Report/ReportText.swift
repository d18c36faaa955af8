import Foundation

/// How a report is written out: which language for titles, which time zone for clock times.
/// Labels stay in English; titles, step names and message texts follow `language`.
public struct ReportStyle: Sendable, Hashable {
    public var language: Language
    public var timeZone: TimeZone { didSet { (dateTimeFormat, clockFormat) = Self.formats(timeZone) } }
    // Built once: making a format style (and its calendar) per timeline row cost more than the
    // rest of rendering a 10,000-row report.
    private var dateTimeFormat: Date.VerbatimFormatStyle
    private var clockFormat: Date.VerbatimFormatStyle

    public init(language: Language = .ko, timeZone: TimeZone = TimeZone(identifier: "Asia/Seoul") ?? .gmt) {
        self.language = language; self.timeZone = timeZone
        (dateTimeFormat, clockFormat) = Self.formats(timeZone)
    }

    private static func formats(_ zone: TimeZone) -> (Date.VerbatimFormatStyle, Date.VerbatimFormatStyle) {
        let calendar = Calendar(identifier: .gregorian)
        var full = Date.VerbatimFormatStyle(
            format: "\(year: .defaultDigits)-\(month: .twoDigits)-\(day: .twoDigits) \(hour: .twoDigits(clock: .twentyFourHour, hourCycle: .zeroBased)):\(minute: .twoDigits):\(second: .twoDigits) \(timeZone: .iso8601(.short))",
            timeZone: zone, calendar: calendar)
        full.locale = Locale(identifier: "en_US_POSIX")
        var clock = Date.VerbatimFormatStyle(
            format: "\(hour: .twoDigits(clock: .twentyFourHour, hourCycle: .zeroBased)):\(minute: .twoDigits):\(second: .twoDigits)",
            timeZone: zone, calendar: calendar)
        clock.locale = Locale(identifier: "en_US_POSIX")
        return (full, clock)
    }

    /// `2026-11-29 15:32:10 +0900`: the zone is always written, since a report is read in other offices.
    public func dateTime(_ date: Date) -> String { date.formatted(dateTimeFormat) }

    /// `15:32:10`, for timeline rows where the date is in the header.
    public func clock(_ date: Date) -> String { date.formatted(clockFormat) }

    public func title(_ text: Localized?) -> String? {
        guard let text else { return nil }
        let chosen = text[language]
        return chosen.isEmpty ? text[language == .ko ? .en : .ko] : chosen
    }
}

/// Small formatting rules shared by the renderers, so the three formats never disagree.
public enum ReportText {
    /// `+12:05` or `+1:02:05` from the incident's start; `-` sign for the rare line before it.
    public static func offset(_ seconds: TimeInterval) -> String {
        let whole = Int(seconds.rounded())
        let sign = whole < 0 ? "-" : "+"
        let a = abs(whole)
        let h = a / 3600, m = (a % 3600) / 60, s = a % 60
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return h > 0 ? "\(sign)\(h):\(two(m)):\(two(s))" : "\(sign)\(two(m)):\(two(s))"
    }

    /// `4 min 5 s`, `38 s`, `1 h 2 min`: for "late by" and response times.
    public static func duration(_ seconds: TimeInterval) -> String {
        let a = Int(seconds.rounded())
        let h = a / 3600, m = (a % 3600) / 60, s = a % 60
        if h > 0 { return m > 0 ? "\(h) h \(m) min" : "\(h) h" }
        if m > 0 { return s > 0 ? "\(m) min \(s) s" : "\(m) min" }
        return "\(s) s"
    }

    public static func outcome(_ step: IncidentReport.StepOutcome) -> String {
        switch step.outcome {
        case .onTime: step.deadline == nil ? "done" : "on time"
        case .late: "late by \(duration(step.lateBy ?? 0))"
        case .skipped: "skipped" + (step.reason.map { ": \($0)" } ?? " (no reason given)")
        case .notDone: step.status == .inProgress ? "never done (left in progress)" : "never done"
        case .notApplicable: step.reason.map { "n/a: \($0)" } ?? "n/a (level not reached)"
        case .notDue: "not done, not yet due"
        }
    }

    public static func delivery(_ d: IncidentReport.Delivery) -> String {
        let lang = d.language.map { " (\($0.rawValue))" } ?? ""
        let state: String = switch d.state {
        case .awaitingApproval: "awaiting a second operator's approval"
        case .waiting: "waiting for the sender"
        case .attempting: "being sent (attempt \(d.attempts))"
        case .retrying: "retrying" + (d.reason.map { ": \($0)" } ?? "")
        case .delivered: "delivered" + (d.remoteID.map { " as \($0)" } ?? "")
        case .dead: "dead" + (d.reason.map { ": \($0)" } ?? "")
        case .cancelled: "cancelled"
        case .unknown: "outcome unknown" + (d.reason.map { ": \($0)" } ?? "")
        }
        let when = d.offset.map { " at \(offset($0))" } ?? ""
        return "\(d.channel)\(lang): \(state)\(when)"
    }

    public static func level(_ level: AlertLevel) -> String { "\(level.korean) (\(level.english))" }

    /// Percent rounded down, so "100%" is only ever said of a perfect record.
    public static func percent(_ part: Int, of whole: Int) -> String {
        whole == 0 ? "–" : "\(part * 100 / whole)%"
    }
}
