import Foundation

/// A drill scenario: which manual is practised, how the incident starts, and the timed injects
/// the trainer plays into it. Loaded from `manuals/scenarios/*.yaml` by `ScenarioLoader`.
public struct Scenario: Codable, Sendable, Hashable, Identifiable {
    public var id: String
    public var title: Localized
    /// What the trainer reads out before the clock starts; optional.
    public var brief: Localized?
    /// The manual (disaster type) the trainees work through.
    public var manual: String
    public var startLevel: AlertLevel
    /// Values for the manual's incident variables, filled in as the drill opens.
    public var variables: [String: String]
    /// Sorted by time, ids unique (the loader refuses anything else).
    public var injects: [Inject]
    public var file: String?

    public init(id: String, title: Localized, brief: Localized? = nil, manual: String, startLevel: AlertLevel,
                variables: [String: String] = [:], injects: [Inject], file: String? = nil) {
        self.id = id; self.title = title; self.brief = brief; self.manual = manual; self.startLevel = startLevel
        self.variables = variables; self.injects = injects; self.file = file
    }

    public func inject(id: String) -> Inject? { injects.first { $0.id == id } }

    /// The scenario time of the last inject plus its response window: when a drill has nothing
    /// left to play or wait for.
    public var duration: TimeInterval {
        injects.map { $0.at + ($0.expect?.within ?? 0) }.max() ?? 0
    }
}

/// One timed event of a drill: "T+3: the Jamsu bridge gauge reads 5.5 m; raise to 경계".
public struct Inject: Codable, Sendable, Hashable, Identifiable {
    /// Stable within the scenario; the journal's `inject` events name it, so editing the text later
    /// does not break the scoring of past drills.
    public var id: String
    /// Scenario time (seconds from the drill's start) at which it is played.
    public var at: TimeInterval
    public var text: Localized
    /// A level change the inject orders (the trainees are expected to raise or lower it).
    public var level: AlertLevel?
    public var expect: Expectation?
    public var location: SourceLocation?

    public init(id: String, at: TimeInterval, text: Localized, level: AlertLevel? = nil, expect: Expectation? = nil,
                location: SourceLocation? = nil) {
        self.id = id; self.at = at; self.text = text; self.level = level; self.expect = expect; self.location = location
    }
}

/// What the trainees should do in answer to an inject, and how long they have. Steps test the
/// checklist; the rest tests judgement: a message of a kind, no message (the weather service's
/// text already went out), a correction or cancel of an earlier message, a level or duty-stage
/// decision. Each is scored by `DrillJudgement` (rules in docs/steps.md).
public struct Expectation: Codable, Sendable, Hashable {
    /// Step ids of the scenario's manual that should be done (or, if already done, stay done).
    public var steps: [String]
    /// Response window in seconds of scenario time, counted from the inject.
    public var within: TimeInterval
    /// A message like this should be queued in the window (`message:`).
    public var message: MessageMatch?
    /// No message like this may be queued in the window (`no_message:`).
    public var noMessage: MessageMatch?
    /// A correction or cancel of an earlier message like this should be queued in the window (`correction:`).
    public var correction: MessageMatch?
    /// The trainees should set the national alert level to this (`level:`).
    public var level: AlertLevel?
    /// The city should decide this duty stage (`stage:`).
    public var stage: DutyStage?

    public init(steps: [String] = [], within: TimeInterval, message: MessageMatch? = nil, noMessage: MessageMatch? = nil,
                correction: MessageMatch? = nil, level: AlertLevel? = nil, stage: DutyStage? = nil) {
        self.steps = steps; self.within = within; self.message = message; self.noMessage = noMessage
        self.correction = correction; self.level = level; self.stage = stage
    }

    /// Whether anything at all is expected (an `expect:` with only `within` is refused by the loader).
    public var isEmpty: Bool {
        steps.isEmpty && message == nil && noMessage == nil && correction == nil && level == nil && stage == nil
    }
}

/// Which messages an expectation is about: of a class (the message's `kind`, 위급/긴급/안전안내/정보)
/// and on channels. Either may be left out: `{}` is any message.
public struct MessageMatch: Codable, Sendable, Hashable {
    /// The message class (`kind` of the outbox record); nil: any.
    public var kind: MessageClass?
    public var channels: [String]
    public init(kind: MessageClass? = nil, channels: [String] = []) { self.kind = kind; self.channels = channels }

    /// A message expected to be sent: of the class, and posting on every listed channel.
    public func covers(_ message: OutboxMessage) -> Bool {
        (kind == nil || message.kind == kind) && channels.allSatisfy(message.channels.contains)
    }

    /// A message that breaks "none like this": of the class, and posting on any listed channel
    /// (any channel at all when none are listed).
    public func touches(_ message: OutboxMessage) -> Bool {
        (kind == nil || message.kind == kind) && (channels.isEmpty || channels.contains { message.channels.contains($0) })
    }
}

/// `T+3`, `T+2:30`, `T+75:00` — how injects and response windows are written and shown.
public enum ScenarioTime {
    /// Formats seconds as `T+m` or `T+m:ss`.
    public static func format(_ seconds: TimeInterval) -> String {
        let whole = Int(seconds.rounded())
        let sign = whole < 0 ? "-" : "+"
        let m = abs(whole) / 60, s = abs(whole) % 60
        return s == 0 ? "T\(sign)\(m)" : "T\(sign)\(m):" + (s < 10 ? "0\(s)" : "\(s)")
    }

    /// Parses `3`, `2.5`, `T+3`, `T+2:30` or `2:30` into seconds; nil for anything else or a negative time.
    public static func parse(_ text: String) -> TimeInterval? {
        var s = Substring(Trimming.whitespace(text))
        if s.hasPrefix("T+") || s.hasPrefix("t+") { s = s.dropFirst(2) }
        let parts = s.split(separator: ":", omittingEmptySubsequences: false)
        switch parts.count {
        case 1:
            guard let minutes = Double(parts[0]), minutes >= 0, minutes.isFinite else { return nil }
            return minutes * 60
        case 2:
            guard let m = Int(parts[0]), let sec = Int(parts[1]), m >= 0, (0..<60).contains(sec), parts[1].count == 2
            else { return nil }
            return TimeInterval(m * 60 + sec)
        default:
            return nil
        }
    }
}
