import Foundation
import HaechiCore

/// The whole app's behaviour: state in, state out, effects as data. No terminal, file or clock
/// here; `env` supplies the time and new ids.
public func reduce(_ state: inout AppState, _ action: Action, _ env: Environment) -> [Effect] {
    let effects = reduceAction(&state, action, env)
    // An observer seat never writes: whatever path an action takes, nothing it produces may
    // reach the journal or the outbox; a key that tried is told why (ReadOnly.swift).
    guard state.readOnly else { return effects }
    if case .key = action { return ReadOnly.enforce(&state, effects, tell: true) }
    return ReadOnly.enforce(&state, effects, tell: false)
}

private func reduceAction(_ state: inout AppState, _ action: Action, _ env: Environment) -> [Effect] {
    state.now = env.now()
    switch action {
    case .tick:
        return Drill.playDueInjects(&state)

    case .openDrill(let scenario, let speed):
        return Drill.open(scenario: scenario, speed: speed, app: &state, env: env)

    case .reportLoaded(let id, let report, let problems):
        return ReportScreen.loaded(incident: id, report: report, problems: problems, app: &state)

    case .resized(let w, let h):
        state.width = max(1, w)
        state.height = max(1, h)
        return Screen.dispatch(&state) { model, app in model.incidentChanged(app: app); return [] }

    case .statusSummary(let summary):
        state.status = summary
        return []

    case .outboxLoaded, .outboxAppended, .outboxAppendFailed:
        return OutboxFlow.reduce(&state, action, env)

    case .incidentsListed(let list):
        state.incidents = list
        return Screen.dispatch(&state) { model, app in model.incidentChanged(app: app); return [] }

    case .journalLoaded(let id, let events, let problems):
        state.journalProblems = problems
        guard let incident = Incident.replay(events), incident.id == id else {
            state.flash = Flash(Localized(ko: "사건 기록을 열 수 없습니다: \(id) (시작 기록 없음)",
                                          en: "Cannot open incident \(id): its journal has no opening"), .error)
            state.incident = nil
            if case .checklist = state.screen { state.screen = .home(HomeScreen()) }
            return [.stopFollowing, .listIncidents]
        }
        state.incident = incident
        state.flash = nil
        if !problems.isEmpty {
            state.flash = Flash(Localized(ko: "기록에 읽을 수 없는 줄 \(problems.count)개 (로그 참조)",
                                          en: "\(problems.count) unreadable journal line(s), see the log"), .warning)
        }
        switch state.screen {
        case .checklist, .help: break
        default: state.screen = .checklist(ChecklistScreen())
        }
        return Screen.dispatch(&state) { model, app in model.incidentChanged(app: app); return [] }
            + problems.map { .log("journal \(id): \($0)") } + Drill.playDueInjects(&state)

    case .journalEvents(let id, let events, let problems):
        guard var incident = state.incident, incident.id == id else { return [] }
        for event in events {
            incident.apply(event)
            if event.operator != state.operatorName {
                state.flash = Flash(otherOperatorNote(event, state: state), .info)
            }
        }
        state.incident = incident
        state.journalProblems += problems
        Drill.injectsArrived(events, app: &state)
        return Screen.dispatch(&state) { model, app in model.incidentChanged(app: app); return [] }
            + problems.map { .log("journal \(id): \($0)") } + Drill.playDueInjects(&state)

    case .journalAppendFailed(let event, let reason):
        Drill.appendFailed(event, app: &state)
        state.flash = Flash(Localized(ko: "저장 안 됨! \(reason) — 다시 시도하세요",
                                      en: "NOT SAVED: \(reason). Nothing was recorded; try again"), .error)
        return [.log("journal append failed for \(event.incident) \(event.kind): \(reason)")]

    case .key(let key):
        return keyAction(&state, key, env)
    }
}

private func keyAction(_ state: inout AppState, _ key: Key, _ env: Environment) -> [Effect] {
    if state.palette != nil { return Palette.key(&state, key, env) }
    if state.prompt != nil { return promptKey(&state, key, env) }
    if case .mouse(let event) = key { return Pointer.reduce(&state, event, env) }
    // Global keys first, then the screen's own table; but a focused text field takes
    // printable characters before any binding does.
    if !state.screen.capturesText(key, app: state), let command = state.keyTable(KeyTable.global).command(for: key) ?? state.keyTable(state.screen.keys).command(for: key) {
        if state.readOnly, ReadOnly.refuses(command) {
            state.flash = ReadOnly.refusal(command, app: state)
            return []
        }
        state.flash = nil
        return perform(&state, command, env)
    }
    var handled: [Effect]?
    _ = Screen.dispatch(&state) { model, app in handled = model.handleUnbound(key, app: &app, env: env); return [] }
    guard let handled else {
        state.flash = Flash(Localized(ko: "‘\(key)’ 키는 여기서 쓰지 않습니다 — ?를 누르면 키 목록",
                                      en: "‘\(key)’ does nothing here. Press ? for the keys"), .warning)
        return []
    }
    return handled
}

func perform(_ state: inout AppState, _ command: Command, _ env: Environment) -> [Effect] {
    switch command {
    case .help:
        if case .help = state.screen { return [] }
        state.screen = .help(HelpScreen(returnTo: state.screen))
        return []
    case .toggleLanguage:
        state.language = state.language == .ko ? .en : .ko
        return []
    case .quit:
        return [.stopFollowing, .quit]
    case .palette:
        state.palette = Palette()
        state.flash = nil
        return []
    default:
        return Screen.dispatch(&state) { model, app in model.handle(command, app: &app, env: env) }
    }
}

private func promptKey(_ state: inout AppState, _ key: Key, _ env: Environment) -> [Effect] {
    guard var prompt = state.prompt else { return [] }
    switch key {
    case .escape:
        state.prompt = nil
        state.flash = Flash(Localized(ko: "취소했습니다", en: "Cancelled"), .info)
        return []
    case .enter:
        let text = prompt.field.trimmed
        if prompt.required && text.isEmpty {
            state.flash = Flash(Localized(ko: "내용을 입력하세요 (Esc: 취소)", en: "Type something first (Esc cancels)"), .warning)
            return []
        }
        state.prompt = nil
        state.flash = nil
        return Screen.dispatch(&state) { model, app in model.promptAnswered(prompt.purpose, text: text, app: &app, env: env) }
    case .left, .right:
        if case .level(let level) = prompt.purpose {
            let all = AlertLevel.allCases
            let i = all.firstIndex(of: level)! + (key == .left ? -1 : 1)
            prompt.purpose = .level(all[max(0, min(all.count - 1, i))])
            state.prompt = prompt
            return []
        }
        fallthrough
    default:
        if case .level = prompt.purpose {
            state.flash = Flash(Localized(ko: "←/→로 단계를 고르고 Enter", en: "Pick the level with ←/→, then Enter"), .warning)
            return []
        }
        let edit = prompt.field.edit(key)
        state.flash = FieldFeedback.flash(for: edit, field: prompt.field)
        state.prompt = prompt
        return []
    }
}

private func otherOperatorNote(_ event: IncidentEvent, state: AppState) -> Localized {
    let who = event.operator
    func title(_ id: String) -> String {
        state.incident.flatMap { state.manual(id: $0.manualID)?.step(id: id) }.map { state.t($0.title) } ?? id
    }
    switch event {
    case .step(_, let change):
        return Localized(ko: "\(who): ‘\(title(change.step))’ → \(StatusText.ko(change.status))",
                         en: "\(who): ‘\(title(change.step))’ → \(StatusText.en(change.status))")
    case .note(_, let note):
        guard let step = note.step else { return Localized(ko: "\(who)님이 메모를 남겼습니다", en: "\(who) added a note") }
        return Localized(ko: "\(who)님이 ‘\(title(step))’에 메모를 남겼습니다", en: "\(who) added a note to ‘\(title(step))’")
    case .level(_, let set):
        return Localized(ko: "\(who): 경보 단계 → \(set.level.korean)", en: "\(who): alert level → \(set.level.english)")
    case .stage(_, let set):
        return Localized(ko: "\(who): 시 비상근무 → \(set.stage.korean)", en: "\(who): city duty stage → \(set.stage.english)")
    case .closed: return Localized(ko: "\(who)님이 사건을 종료했습니다", en: "\(who) closed the incident")
    case .message(_, let m):
        return Localized(ko: "\(who): 메시지 \(m.message) — \(m.text ?? "")", en: "\(who): message \(m.message): \(m.text ?? "")")
    case .unknown(_, let u):
        return Localized(ko: "\(who): 알 수 없는 기록 ‘\(u.kind)’", en: "\(who): unknown journal line ‘\(u.kind)’")
    case .opened, .inject, .clock:
        return Localized(ko: "\(who): \(event.kind)", en: "\(who): \(event.kind)")
    case .role(_, let r):
        return Localized(ko: "\(who): ‘\(r.role)’ 담당 → \(r.assignee)", en: "\(who): ‘\(r.role)’ now held by \(r.assignee)")
    case .stepAdded(_, let a):
        return Localized(ko: "\(who)님이 단계를 추가했습니다: \(a.title)", en: "\(who) added a step: \(a.title)")
    case .pin:
        return Localized(ko: "\(who)님이 보고서 타임라인 고정을 바꿨습니다", en: "\(who) changed a pin on the report's timeline")
    case .quietHoursOverride(_, let o):
        return Localized(ko: "\(who): 메시지 \(o.message)를 심야 발송 제한 시간에 예외로 등록 — 사유: \(o.reason)",
                         en: "\(who): message \(o.message) queued in quiet hours — reason: \(o.reason)")
    }
}

/// Status words, shared by the list, the details pane and messages.
public enum StatusText {
    public static func ko(_ s: StepStatus) -> String {
        switch s { case .todo: "할 일"; case .inProgress: "진행 중"; case .done: "완료"; case .skipped: "건너뜀"; case .notApplicable: "해당 없음" }
    }
    public static func en(_ s: StepStatus) -> String {
        switch s { case .todo: "to do"; case .inProgress: "in progress"; case .done: "done"; case .skipped: "skipped"; case .notApplicable: "n/a" }
    }
    public static func localized(_ s: StepStatus) -> Localized { Localized(ko: ko(s), en: en(s)) }
    /// Three ASCII cells, so the column never depends on ambiguous-width symbols.
    public static func box(_ s: StepStatus) -> String {
        switch s { case .todo: "[ ]"; case .inProgress: "[>]"; case .done: "[x]"; case .skipped: "[s]"; case .notApplicable: "[-]" }
    }
}
