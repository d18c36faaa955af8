import Foundation

/// How a report is written out: which language for labels, titles and step names, which time
/// zone for clock times. A Korean report is Korean throughout (labels, outcomes, the timeline);
/// message texts are shown in every language they were written in.
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

    /// A label in the report's language: a Korean report is Korean throughout.
    public func t(_ ko: String, _ en: String) -> String { language == .ko ? ko : en }

    /// The incident's variables, labelled as the manual labels them, in the manual's order
    /// (ids only where the manual is missing or no longer has the variable).
    public func variables(_ report: IncidentReport) -> [(label: String, value: String)] {
        let labels = report.variableLabels ?? [:]
        return report.variables.sorted { a, b in
            switch (labels[a.key] != nil, labels[b.key] != nil) {
            case (true, false): return true
            case (false, true): return false
            default: return a.key < b.key
            }
        }.map { (title(labels[$0.key]) ?? $0.key, $0.value) }
    }

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

    /// `4 min 5 s`, `38 s`, `1 h 2 min` (Korean: `4분 5초`, `38초`, `1시간 2분`): for "late by"
    /// and response times.
    public static func duration(_ seconds: TimeInterval, _ language: Language = .en) -> String {
        let a = Int(seconds.rounded())
        let h = a / 3600, m = (a % 3600) / 60, s = a % 60
        let (hu, mu, su) = language == .ko ? ("시간", "분", "초") : (" h", " min", " s")
        let sep = language == .ko ? " " : " "
        if h > 0 { return m > 0 ? "\(h)\(hu)\(sep)\(m)\(mu)" : "\(h)\(hu)" }
        if m > 0 { return s > 0 ? "\(m)\(mu)\(sep)\(s)\(su)" : "\(m)\(mu)" }
        return "\(s)\(su)"
    }

    public static func outcome(_ step: IncidentReport.StepOutcome, _ language: Language = .en) -> String {
        if language == .ko {
            return switch step.outcome {
            case .onTime: step.deadline == nil ? "완료" : "목표 내 완료"
            case .late: "지연 \(duration(step.lateBy ?? 0, .ko))"
            case .skipped: "건너뜀" + (step.reason.map { ": \($0)" } ?? " (사유 없음)")
            case .notDone: step.status == .inProgress ? "미완료 (진행 중에 멈춤)" : "미완료"
            case .notApplicable: step.reason.map { "해당 없음: \($0)" } ?? "해당 없음 (단계 미도달)"
            case .notDue: "미완료, 기한 전"
            }
        }
        return switch step.outcome {
        case .onTime: step.deadline == nil ? "done" : "on time"
        case .late: "late by \(duration(step.lateBy ?? 0))"
        case .skipped: "skipped" + (step.reason.map { ": \($0)" } ?? " (no reason given)")
        case .notDone: step.status == .inProgress ? "never done (left in progress)" : "never done"
        case .notApplicable: step.reason.map { "n/a: \($0)" } ?? "n/a (level not reached)"
        case .notDue: "not done, not yet due"
        }
    }

    public static func delivery(_ d: IncidentReport.Delivery, _ language: Language = .en) -> String {
        let lang = d.language.map { " (\($0.rawValue))" } ?? ""
        let when = d.offset.map { (language == .ko ? " " : " at ") + offset($0) } ?? ""
        if language == .ko {
            let state: String = switch d.state {
            case .awaitingApproval: "다른 근무자의 승인 대기 중"
            case .waiting: "발송기 대기 중"
            case .attempting: "발송 중 (\(d.attempts)번째 시도)"
            case .retrying: "재시도 예정" + (d.reason.map { ": \($0)" } ?? "")
            case .delivered: "전달됨" + (d.remoteID.map { " (게시 번호 \($0))" } ?? "")
            case .dead: "실패" + (d.reason.map { ": \($0)" } ?? "")
            case .cancelled: "취소됨"
            case .unknown: "결과 불명" + (d.reason.map { ": \($0)" } ?? "")
            }
            return "\(d.channel)\(lang): \(state)\(when)"
        }
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
        return "\(d.channel)\(lang): \(state)\(when)"
    }

    public static func level(_ level: AlertLevel, _ language: Language = .en) -> String {
        language == .ko ? level.korean : "\(level.korean) (\(level.english))"
    }

    /// The timeline's event column.
    public static func kind(_ kind: IncidentReport.TimelineEntry.Kind, _ language: Language) -> String {
        guard language == .ko else { return kind.rawValue }
        return switch kind {
        case .opened: "시작"
        case .step: "단계"
        case .note: "메모"
        case .level: "경보 단계"
        case .message: "메시지"
        case .inject: "상황 부여"
        case .closed: "종료"
        case .approved: "승인"
        case .cancelled: "취소"
        case .corrected: "정정"
        case .delivered: "전달"
        case .dead: "실패"
        case .unknown: "결과 불명"
        case .retry: "재시도"
        }
    }

    /// Step status words in the report's language.
    public static func status(_ status: StepStatus, _ language: Language) -> String {
        guard language == .ko else { return status.rawValue }
        return switch status {
        case .todo: "할 일"
        case .inProgress: "진행 중"
        case .done: "완료"
        case .skipped: "건너뜀"
        case .notApplicable: "해당 없음"
        }
    }

    /// What an expectation asked for: `message 위급 on cbs`, `no message on cbs`, `correction of
    /// a critical message`, `level 경계`, `stage 1단계`, `steps HR-01, HR-04`.
    public static func expected(_ r: IncidentReport.ExpectationResult, _ language: Language = .en) -> String {
        let ko = language == .ko
        func kind(_ m: MessageMatch) -> String {
            guard let k = m.kind else { return "" }
            return ko ? "\(k.korean) " : "\(k.rawValue) "
        }
        func on(_ m: MessageMatch) -> String {
            guard !m.channels.isEmpty else { return "" }
            return ko ? " (\(m.channels.joined(separator: ", ")))" : " on \(m.channels.joined(separator: ", "))"
        }
        return switch r.expected {
        case .steps(let steps): (ko ? "단계 " : "steps ") + steps.joined(separator: ", ")
        case .message(let m): ko ? "\(kind(m))메시지 등록\(on(m))" : "a \(kind(m))message\(on(m))"
        case .noMessage(let m): ko ? "\(kind(m))메시지 보내지 않기\(on(m))" : "no \(kind(m))message\(on(m))"
        case .correction(let m): ko ? "\(kind(m))메시지 정정·취소\(on(m))" : "a correction or cancel of a \(kind(m))message\(on(m))"
        case .level(let l): (ko ? "경보 단계 " : "level ") + level(l, language)
        case .stage(let s): (ko ? "비상근무 " : "duty stage ") + s.name(language)
        }
    }

    /// How it went: `met after 3 min 5 s (m-…)`, `missed`, `VIOLATED after 2 min by m-…`.
    public static func verdict(_ r: IncidentReport.ExpectationResult, _ language: Language = .en) -> String {
        let ko = language == .ko
        let after = r.after.map { duration($0, language) }
        let by = r.message.map { " (\($0))" } ?? ""
        return switch r.verdict {
        case .met: ko ? "충족" + (after.map { " \($0)" } ?? "") + by : "met" + (after.map { " after \($0)" } ?? "") + by
        case .missed: ko ? "미충족" : "missed"
        case .violated: ko ? "위반 \(after ?? "")\(by)" : "VIOLATED after \(after ?? "?")\(by)"
        case .pending: ko ? "시간 남음" : "window still open"
        case .notPlayed: ko ? "제시 안 됨" : "not played"
        }
    }

    /// An inject's answer in a word or a line: `yes`, `not played`, `no (missing HR-06; a message on cbs)`.
    public static func answered(_ i: IncidentReport.InjectScore, _ language: Language = .en) -> String {
        let ko = language == .ko
        let results = i.results ?? []
        if results.isEmpty && i.expected.isEmpty { return "–" }
        if i.answered { return ko ? "예" : "yes" }
        if i.shown == nil { return ko ? "제시 안 됨" : "not played" }
        var open: [String] = []
        if !i.missing.isEmpty { open.append((ko ? "누락 " : "missing ") + i.missing.joined(separator: ", ")) }
        open += results.filter { $0.kind != .steps && $0.verdict != .met }.map { expected($0, language) + " – " + verdict($0, language) }
        if open.isEmpty { return ko ? "아니오" : "no" }
        return (ko ? "아니오 (" : "no (") + open.joined(separator: "; ") + ")"
    }

    /// Percent rounded down, so "100%" is only ever said of a perfect record.
    public static func percent(_ part: Int, of whole: Int) -> String {
        whole == 0 ? "–" : "\(part * 100 / whole)%"
    }
}
