import Foundation
import HaechiCore

/// Running a scenario drill inside the checklist: opening it, playing injects when scenario time
/// reaches them, and the trainer's clock keys. Pure like the rest of the reducer: every change is
/// an `IncidentEvent` the shell appends, and the incident only changes once it is read back, so a
/// drill killed at any moment resumes with the same clock and never replays an inject.
public enum Drill {
    /// Opens a drill of a loaded scenario: the `opened` line (mode drill, scenario id, the
    /// scenario's level and variables, as `DrillSetup` builds it), then a `clock` line when it
    /// starts faster than 1×, then follows the new journal.
    static func open(scenario id: String, speed: DrillClock.Speed, app: inout AppState, env: Environment) -> [Effect] {
        guard let scenario = app.scenarios.first(where: { $0.id == id }) else {
            app.flash = Flash(Localized(ko: "훈련 시나리오 ‘\(id)’를 찾을 수 없습니다", en: "No drill scenario ‘\(id)’"), .error)
            return []
        }
        guard let manual = app.manual(id: scenario.manual) else {
            app.flash = Flash(Localized(ko: "시나리오의 매뉴얼 ‘\(scenario.manual)’이 없습니다", en: "The scenario's manual ‘\(scenario.manual)’ is not loaded"), .error)
            return []
        }
        let incident = env.newIncidentID(manual.id, app.now)
        let setup: DrillSetup
        do {
            setup = try DrillSetup(scenario: scenario, manual: manual, incident: incident, operator: app.operatorName,
                                   now: app.now, speed: speed)
        } catch {
            app.flash = Flash(Localized(ko: "훈련을 시작할 수 없습니다: \(error)", en: "Cannot start the drill: \(error)"), .error)
            return []
        }
        var effects: [Effect] = [.appendJournal(setup.opened)]
        if speed != .x1 { effects.append(.appendJournal(setup.clock.event(incident: incident, at: app.now, operator: app.operatorName))) }
        app.flash = Flash(Localized(ko: "훈련을 여는 중… \(incident)", en: "Opening the drill \(incident)…"))
        return effects + [.follow(incident: incident)]
    }

    /// The scenario of the open incident, when it is a scenario drill whose scenario is loaded.
    static func context(_ app: AppState) -> (Incident, DrillClock, Scenario)? {
        guard let incident = app.incident, let clock = incident.clock, let id = incident.scenarioID,
              let scenario = app.scenarios.first(where: { $0.id == id }) else { return nil }
        return (incident, clock, scenario)
    }

    /// Journals every inject whose scenario time has come and that the journal has not played
    /// (`InjectSchedule.due`), with the level change it orders (`DrillSetup.injectEvents`).
    /// A closed drill plays nothing more; a paused clock does not move, so nothing becomes due.
    static func playDueInjects(_ app: inout AppState) -> [Effect] {
        guard let (incident, clock, scenario) = context(app), !incident.isClosed,
              let manual = app.manual(id: incident.manualID) else { return [] }
        let due = InjectSchedule(scenario: scenario).due(elapsed: clock.elapsed(at: app.now), played: incident.playedInjects)
            .filter { !app.pendingInjects.contains(incident.id + "/" + $0.id) }
        // DrillSetup makes the inject lines; built here only for that, with the drill's own start.
        guard !due.isEmpty, let setup = try? DrillSetup(scenario: scenario, manual: manual, incident: incident.id,
                                                        operator: incident.openedBy, now: incident.openedAt) else { return [] }
        var effects: [Effect] = []
        for inject in due {
            app.pendingInjects.insert(incident.id + "/" + inject.id)
            effects += setup.injectEvents(inject, at: app.now).map(Effect.appendJournal)
        }
        return effects
    }

    /// Injects read back from the journal: no longer pending, and the newest is announced on the
    /// message line (the panel shows it too), with the level it brought. The drill's own level
    /// line arrives separately and would otherwise replace the announcement with "drill: level".
    static func injectsArrived(_ events: [IncidentEvent], app: inout AppState) {
        guard let incident = app.incident else { return }
        var announce = false
        for event in events {
            switch event {
            case .inject(_, let shown):
                app.pendingInjects.remove(incident.id + "/" + shown.inject)
                announce = true
            case .level(let stamp, _) where stamp.operator == DrillSetup.drillOperator:
                announce = true
            default:
                break
            }
        }
        guard announce, let latest = incident.injects.last else { return }
        let text = injectText(latest, app: app)
        let level = latest.inject.level.map { Localized(ko: " → \($0.korean)", en: " → \($0.english)") } ?? Localized(ko: "", en: "")
        app.flash = Flash(Localized(ko: "새 훈련 상황: " + text.ko + level.ko, en: "New inject: " + text.en + level.en), .warning)
    }

    /// When the shell should send the next `.tick` so an inject is played on time rather than up
    /// to a second late (a minute of scenario time at 60×). Nil when nothing is coming.
    public static func nextWake(_ app: AppState) -> Date? {
        guard let (incident, clock, scenario) = context(app), !incident.isClosed,
              let next = InjectSchedule(scenario: scenario).next(played: incident.playedInjects) else { return nil }
        return clock.wallDate(whenElapsed: next.at, now: app.now)
    }

    /// An inject that could not be journaled is not played: the next tick tries again.
    static func appendFailed(_ event: IncidentEvent, app: inout AppState) {
        guard case .inject(let stamp, let shown) = event else { return }
        app.pendingInjects.remove(stamp.incident + "/" + shown.inject)
    }

    /// The inject's words from the scenario (both languages); the journal's copy (Korean) when
    /// the scenario no longer has it.
    static func injectText(_ shown: Incident.ShownInject, app: AppState) -> Localized {
        let fromScenario = app.incident?.scenarioID.flatMap { id in app.scenarios.first { $0.id == id } }?
            .inject(id: shown.id)?.text
        let journaled = shown.inject.text ?? ""
        return fromScenario ?? Localized(ko: journaled, en: journaled)
    }

    /// `+`, `-`, Space on the checklist of a scenario drill: journal the clock's new state.
    static func clockCommand(_ command: Command, app: inout AppState) -> [Effect] {
        guard let (incident, clock, _) = context(app) else {
            app.flash = Flash(Localized(ko: "시나리오 훈련에서만 쓰는 키입니다", en: "Only in a scenario drill"), .warning)
            return []
        }
        if incident.isClosed {
            app.flash = Flash(Localized(ko: "종료된 훈련입니다", en: "This drill is closed"), .warning)
            return []
        }
        var next = clock
        switch command {
        case .drillFaster: next.setSpeed(clock.speed.faster, at: app.now)
        case .drillSlower: next.setSpeed(clock.speed.slower, at: app.now)
        default: next.togglePause(at: app.now)
        }
        guard next.speed != clock.speed || next.isPaused != clock.isPaused else {
            app.flash = Flash(Localized(ko: "이미 \(clock.speed) 입니다", en: "Already at \(clock.speed)"))
            return []
        }
        app.flash = Flash(next.isPaused ? Localized(ko: "훈련 시계 일시정지 (Space: 다시 시작)", en: "Drill clock paused (Space resumes)")
                                        : Localized(ko: "훈련 시계 \(next.speed)", en: "Drill clock at \(next.speed)"), .info)
        return [.appendJournal(next.event(incident: incident.id, at: app.now, operator: app.operatorName))]
    }

    /// Scenarios written for a manual, for the Start screen's choice.
    public static func scenarios(for manual: String, in app: AppState) -> [Scenario] {
        app.scenarios.filter { $0.manual == manual }.sorted { $0.id < $1.id }
    }
}
