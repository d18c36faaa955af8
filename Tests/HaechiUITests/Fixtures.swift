import Foundation
import HaechiCore
@testable import HaechiUI
import Synchronization

/// A clock tests move by hand.
final class TestClock: Sendable {
    private let time: Mutex<Date>
    init(_ start: Date) { time = Mutex(start) }
    var now: Date { time.withLock { $0 } }
    func advance(minutes: Double) { time.withLock { $0 = $0.addingTimeInterval(minutes * 60) } }
    func advance(seconds: Double) { time.withLock { $0 = $0.addingTimeInterval(seconds) } }
}

enum Fixture {
    /// 2026-11-29 03:00:00 KST: the 3 a.m. duty officer.
    static let start = Date(timeIntervalSince1970: 1_795_888_800)
    static let seoul = TimeZone(identifier: "Asia/Seoul")!

    static func step(_ id: String, _ ko: String, _ en: String, minutes: Int, from: AlertLevel,
                     role: Localized = Localized(ko: "상황관리반", en: "Situation team"), message: MessageTemplate? = nil) -> Step {
        Step(id: id, title: Localized(ko: ko, en: en),
             instructions: Localized(ko: "\(ko)을(를) 하고 결과를 상황판에 기록합니다. 관계 기관(소방, 경찰, 구청)에 전파합니다.",
                                     en: "\(en), then record the result on the board. Relay to fire, police and the district office."),
             role: role, targetMinutes: minutes, fromLevel: from,
             contacts: [Contact(name: Localized(ko: "서울종합방재센터", en: "Seoul fire & disaster HQ"), phone: "02-2181-0119")],
             message: message)
    }

    static let earthquake = Manual(
        id: "earthquake", title: Localized(ko: "지진", en: "Earthquake"), category: .natural,
        department: Localized(ko: "안전총괄실", en: "Safety HQ"), revised: "2026-10-01",
        variables: [
            IncidentVariable(id: "district", label: Localized(ko: "자치구", en: "District"), maxLength: 10, example: "마포구"),
            IncidentVariable(id: "magnitude", label: Localized(ko: "규모", en: "Magnitude"), maxLength: 5, required: false),
        ],
        phases: [
            Phase(id: "p1", title: Localized(ko: "초기 대응", en: "First response"), steps: [
                step("receive", "상황 접수 및 전파", "Receive and relay the report", minutes: 5, from: .interest),
                step("alert-text", "재난문자 발송 요청", "Request the emergency text", minutes: 10, from: .interest,
                     message: MessageTemplate(messageClass: .emergency, channels: ["x", "mastodon"],
                                              text: Localized(ko: "[서울시] {district} 지진 발생. 낙하물에 주의하세요.", en: "[Seoul] Earthquake in {district}."))),
                step("scene", "현장 피해 확인", "Check the damage on site", minutes: 15, from: .caution,
                     role: Localized(ko: "현장대응반", en: "Field team")),
            ]),
            Phase(id: "p2", title: Localized(ko: "확대 대응", en: "Escalation"), steps: [
                step("hq", "재난안전대책본부 가동", "Activate the disaster HQ", minutes: 30, from: .alert),
                step("shelter", "임시 대피소 개방", "Open temporary shelters", minutes: 45, from: .serious,
                     role: Localized(ko: "구호반", en: "Relief team")),
            ]),
        ])

    static let fire = Manual(
        id: "fire", title: Localized(ko: "대형 화재", en: "Major fire"), category: .social,
        department: Localized(ko: "소방재난본부", en: "Fire HQ"), revised: "2026-09-15",
        variables: [IncidentVariable(id: "place", label: Localized(ko: "장소", en: "Place"), maxLength: 30)],
        phases: [Phase(id: "p1", title: Localized(ko: "초기 대응", en: "First response"), steps: [
            step("report", "화재 신고 확인", "Confirm the fire report", minutes: 3, from: .interest),
            step("smoke", "연기 확산 안내", "Warn about the smoke", minutes: 20, from: .caution),
        ])])

    /// A manual with `count` steps over ten phases (render benchmarks and scrolling tests).
    static func large(_ count: Int) -> Manual {
        let perPhase = max(1, count / 10)
        let phases = stride(from: 0, to: count, by: perPhase).enumerated().map { p, start in
            Phase(id: "p\(p)", title: Localized(ko: "단계 묶음 \(p + 1)", en: "Phase \(p + 1)"),
                  steps: (start..<min(count, start + perPhase)).map {
                      step("s\($0)", "점검 항목 \($0 + 1) 확인", "Check item \($0 + 1)", minutes: 5 + $0, from: .interest)
                  })
        }
        return Manual(id: "large", title: Localized(ko: "대규모 점검", en: "Large checklist"), category: .social,
                      department: Localized(ko: "시험", en: "Test"), revised: "2026-01-01", variables: [], phases: phases)
    }
}

/// The state directory in memory, behind the interface the shell's effect handler
/// (`EffectRunner`) uses: the harness runs that handler itself, not a copy of it.
struct MemoryFiles: ShellFiles {
    struct Refused: Error, CustomStringConvertible { var description: String }
    var journals: [String: [IncidentEvent]] = [:]
    var followed: String?
    var followedCount = 0
    /// When set, appends fail with this reason (disk full).
    var failAppends: String?
    var outbox: [OutboxRecord] = []
    var ledger: [DeliveryRecord] = []
    var failOutbox: String?
    /// How much of the outbox and ledger the last read saw: a read answers only when they grew.
    var outboxSeen = -1
    // What the shell loaded at start (channels.yaml, manuals, scenarios), kept in step by the harness.
    var channels = ChannelProfiles([])
    var manuals: [Manual] = []
    var scenarios: [Scenario] = []
    var logged: [String] = []

    mutating func appendJournal(_ event: IncidentEvent) throws {
        if let failAppends { throw Refused(description: failAppends) }
        journals[event.incident, default: []].append(event)
    }

    mutating func followJournal(_ incident: String) -> (events: [IncidentEvent], problems: [String]) {
        followed = incident
        let events = journals[incident] ?? []
        followedCount = events.count
        return (events, [])
    }

    mutating func readFollowed() -> (events: [IncidentEvent], problems: [String]) {
        guard let id = followed, let events = journals[id], events.count > followedCount else { return ([], []) }
        let new = Array(events[followedCount...])
        followedCount = events.count
        return (new, [])
    }

    mutating func stopFollowing() { followed = nil }

    func allJournals() -> [(id: String, events: [IncidentEvent])] { journals.map { ($0.key, $0.value) } }

    mutating func appendOutbox(_ record: OutboxRecord) throws {
        if let failOutbox { throw Refused(description: failOutbox) }
        outbox.append(record)
    }

    mutating func readOutbox(now: Date) -> OutboxFeed? {
        guard outbox.count + ledger.count != outboxSeen else { return nil }
        outboxSeen = outbox.count + ledger.count
        return OutboxFeed(messages: OutboxLedgerJoin.join(outbox: outbox, ledger: ledger, channels: channels), loadedAt: now)
    }

    func reportInput(_ incident: String) -> Result<(input: ReportInput, warnings: [String]), ReportSourceProblem> {
        guard let journal = journals[incident], let replayed = Incident.replay(journal) else {
            return .failure(ReportSourceProblem("no journal \(incident)"))
        }
        let manual = manuals.first { $0.id == replayed.manualID }
        let scenario = replayed.scenarioID.flatMap { id in scenarios.first { $0.id == id } }
        return .success((ReportInput(journal: journal, outbox: outbox, ledger: ledger, manual: manual, scenario: scenario), []))
    }

    func reason(_ error: any Error) -> String { "\(error)" }

    func log(_ line: String) {}
}

/// Drives the reducer the way the shell does, with the shell's own effect handler
/// (`EffectRunner`) on an in-memory state directory: appended events are read back as
/// `.journalEvents`, so flows run exactly as they would against the files.
struct Harness {
    var state: AppState
    let clock: TestClock
    let env: Environment
    var runner = EffectRunner(files: MemoryFiles())
    /// Every effect the reducer returned, in order.
    var effects: [Effect] = []
    var quit = false

    // The in-memory files, for tests to read and to break.
    var journals: [String: [IncidentEvent]] { get { runner.files.journals } set { runner.files.journals = newValue } }
    var followed: String? { runner.followed }
    var failAppends: String? { get { runner.files.failAppends } set { runner.files.failAppends = newValue } }
    /// The outbox and the sender's ledger in memory (ComposeTests.swift).
    var outbox: [OutboxRecord] { get { runner.files.outbox } set { runner.files.outbox = newValue } }
    var ledger: [DeliveryRecord] { get { runner.files.ledger } set { runner.files.ledger = newValue } }
    var failOutbox: String? { get { runner.files.failOutbox } set { runner.files.failOutbox = newValue } }

    init(width: Int = 80, height: Int = 24, language: Language = .ko, manuals: [Manual] = [Fixture.earthquake, Fixture.fire]) {
        clock = TestClock(Fixture.start)
        let c = clock
        env = Environment(now: { c.now }, newIncidentID: { manual, _ in "20261129-030000-\(manual)-0001" },
                          newMessageID: sequentialMessageIDs())
        state = AppState(manuals: manuals, operatorName: "kim", now: Fixture.start, timeZone: Fixture.seoul,
                         width: width, height: height, language: language)
    }

    @discardableResult
    mutating func send(_ action: Action) -> [Effect] {
        let out = reduce(&state, action, env)
        effects += out
        for effect in out { perform(effect) }
        return out
    }

    mutating func key(_ k: Key) { send(.key(k)) }
    mutating func type(_ text: String) { for c in text { key(.char(c)) } }

    mutating func perform(_ effect: Effect) {
        if effect == .quit { quit = true; return }
        // What the shell loaded at start; tests may set these on the state after `init`.
        runner.files.channels = state.channels
        runner.files.manuals = state.manuals
        runner.files.scenarios = state.scenarios
        runner.use(state.manuals)
        for action in runner.perform(effect, now: clock.now) { send(action) }
    }

    /// What the shell's quarter-second poll does.
    mutating func poll() {
        if let action = runner.pollFollowed() { send(action) }
    }

    /// Another operator's TUI appending to the same journal.
    mutating func appendFromElsewhere(_ event: IncidentEvent) { runner.files.journals[event.incident, default: []].append(event) }

    var screenText: String { render(state).text }

    /// Opens a drill of the earthquake manual with 마포구 at the given level.
    mutating func openDrill(level: AlertLevel = .interest, mode: Mode = .drill) {
        key(.enter)                  // Home: first manual (earthquake) → Start
        if mode == .live { key(.right) }  // on the mode field: DRILL → LIVE
        key(.down)
        for _ in 0..<(level.rawValue - 1) { key(.right) }
        key(.down)
        type("마포구")
        key(.ctrl("o"))
        if mode == .live { type("LIVE"); key(.enter) }
    }

    var checklist: ChecklistScreen? { if case .checklist(let s) = state.screen { s } else { nil } }
    // The other screens, for `try #require(h.startScreen)`: a test on the wrong screen fails.
    var homeScreen: HomeScreen? { if case .home(let s) = state.screen { s } else { nil } }
    var startScreen: StartScreen? { if case .start(let s) = state.screen { s } else { nil } }
    var reviewScreen: ReviewScreen? { if case .review(let s) = state.screen { s } else { nil } }
    var reportScreen: ReportScreen? { if case .report(let s) = state.screen { s } else { nil } }
}
