import Foundation

/// The clock of a drill: scenario time runs at a speed the trainer picks (so a 40-minute script
/// can be practised in 4) and stops while paused. Wall time always comes in as a value, so the
/// TUI feeds it the real clock and tests feed it whatever they like.
///
/// It keeps its whole history of speed changes and pauses, not only the current segment, so any
/// past wall time (a journal line, a ledger line) can be mapped to the scenario time it happened at.
public struct DrillClock: Sendable, Hashable, Codable {
    /// The speeds the trainer cycles through; a fixed set keeps the keys simple (`+`/`-`).
    public enum Speed: Int, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
        case x1 = 1, x2 = 2, x5 = 5, x10 = 10, x60 = 60
        public var factor: Double { Double(rawValue) }
        public var description: String { "\(rawValue)×" }
        public var faster: Speed { Self.allCases.first { $0.rawValue > rawValue } ?? self }
        public var slower: Speed { Self.allCases.last { $0.rawValue < rawValue } ?? self }
    }

    /// From `wall` on, scenario time ran at `speed` (or stood still when `paused`), starting at `elapsed`.
    public struct Segment: Sendable, Hashable, Codable {
        public var wall: Date
        public var elapsed: TimeInterval
        public var speed: Speed
        public var paused: Bool
    }

    public private(set) var segments: [Segment]

    public init(startedAt wall: Date, speed: Speed = .x1, paused: Bool = false) {
        segments = [Segment(wall: wall, elapsed: 0, speed: speed, paused: paused)]
    }

    /// Rebuilds a clock from its recorded changes (speed set, paused, resumed), in order. This is
    /// how a report or a resumed drill gets scenario time back once the TUI journals the changes.
    public init(startedAt wall: Date, speed: Speed = .x1, replaying changes: [(at: Date, speed: Speed, paused: Bool)]) {
        self.init(startedAt: wall, speed: speed)
        for change in changes {
            if change.speed != self.speed { setSpeed(change.speed, at: change.at) }
            if change.paused != isPaused { togglePause(at: change.at) }
        }
    }

    public var started: Date { segments[0].wall }
    public var speed: Speed { segments[segments.count - 1].speed }
    public var isPaused: Bool { segments[segments.count - 1].paused }

    /// Scenario seconds since the start at wall time `wall`. Before the start it is 0: nothing of
    /// the drill had happened yet.
    public func elapsed(at wall: Date) -> TimeInterval {
        // Segments are few (one per key press), so a backwards scan beats a binary search in clarity.
        guard let segment = segments.last(where: { $0.wall <= wall }) else { return 0 }
        if segment.paused { return segment.elapsed }
        return segment.elapsed + wall.timeIntervalSince(segment.wall) * segment.speed.factor
    }

    /// The date a journal line would carry had the drill run in real time: start + scenario time.
    public func scenarioDate(at wall: Date) -> Date { started.addingTimeInterval(elapsed(at: wall)) }

    /// When scenario time will reach `elapsed`, at the current speed: the TUI's next wake-up for an
    /// inject. Nil while paused (it never will until resumed); `now` when it already has.
    public func wallDate(whenElapsed target: TimeInterval, now: Date) -> Date? {
        let current = elapsed(at: now)
        if current >= target { return now }
        if isPaused { return nil }
        return now.addingTimeInterval((target - current) / speed.factor)
    }

    public mutating func pause(at wall: Date) {
        guard !isPaused else { return }
        change(at: wall) { $0.paused = true }
    }

    public mutating func resume(at wall: Date) {
        guard isPaused else { return }
        change(at: wall) { $0.paused = false }
    }

    public mutating func togglePause(at wall: Date) {
        if isPaused { resume(at: wall) } else { pause(at: wall) }
    }

    public mutating func setSpeed(_ speed: Speed, at wall: Date) {
        guard speed != self.speed else { return }
        change(at: wall) { $0.speed = speed }
    }

    /// Starts a new segment at `wall`, carrying scenario time over so it never jumps.
    /// A wall time earlier than the last change (a clock stepped back by NTP) is treated as that
    /// change's time, so scenario time can never run backwards.
    private mutating func change(at wall: Date, _ edit: (inout Segment) -> Void) {
        let last = segments[segments.count - 1]
        let when = max(wall, last.wall)
        var next = Segment(wall: when, elapsed: elapsed(at: when), speed: last.speed, paused: last.paused)
        edit(&next)
        if last.wall == when { segments[segments.count - 1] = next } else { segments.append(next) }
    }
}

/// Which injects of a scenario have been played, which are due, and which come next. The journal
/// is the memory: an inject is played once its `inject` event is journaled, so a drill resumed
/// after a crash neither repeats nor skips one.
public struct InjectSchedule: Sendable {
    public var scenario: Scenario
    public init(scenario: Scenario) { self.scenario = scenario }

    /// Ids of injects already journaled in this incident.
    public static func played(in journal: [IncidentEvent]) -> Set<String> {
        Set(journal.compactMap { if case .inject(_, let shown) = $0 { shown.inject } else { nil } })
    }

    /// Injects whose time has come at scenario time `elapsed` and that the journal has not played,
    /// in script order: the TUI shows and journals exactly these.
    public func due(elapsed: TimeInterval, journal: [IncidentEvent]) -> [Inject] {
        due(elapsed: elapsed, played: Self.played(in: journal))
    }

    public func due(elapsed: TimeInterval, played: Set<String>) -> [Inject] {
        scenario.injects.filter { $0.at <= elapsed && !played.contains($0.id) }
    }

    /// The next inject not played yet, for the countdown on screen.
    public func next(journal: [IncidentEvent]) -> Inject? { next(played: Self.played(in: journal)) }

    public func next(played: Set<String>) -> Inject? { scenario.injects.first { !played.contains($0.id) } }

    /// True once every inject has been played.
    public func finished(journal: [IncidentEvent]) -> Bool { next(journal: journal) == nil }
}
