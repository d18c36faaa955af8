import Foundation
import HaechiCore

/// Where compose and the outbox are opened from: the checklist (`m`, `M`, `o`) and Home
/// (`o`). Kept out of those screens' files so each screen's owner edits only a key line.
extension ChecklistScreen {
    mutating func openMessaging(_ command: Command, incident: Incident, rows: [StepRow], index: Int, app: inout AppState) -> [Effect] {
        guard let manual = app.manual(id: incident.manualID) else { return [] }
        let here = Screen.checklist(self)
        switch command {
        case .composeFromStep:
            guard case .step(let step, let number, _) = rows[safe: index] else { return [] }
            guard let screen = ComposeScreen.fromStep(step, manual: manual, incident: incident, number: number, returnTo: here) else {
                app.flash = Flash(Localized(ko: "이 단계에는 메시지 템플릿이 없습니다. M: 새 메시지", en: "This step has no message template. M: new message"), .warning)
                return []
            }
            app.navigate(to: .compose(screen))
        case .composeNew:
            app.navigate(to: .compose(ComposeScreen.freeForm(manual: manual, incident: incident, returnTo: here)))
        case .allClear:
            // 상황 해제: the closing step's template (or the manual's all-clear text), going to
            // every channel the active alerts went to and referencing each of them.
            let active = CAPLifecycle.activeAlerts(app.outbox.messages, incident: incident.id, now: app.now)
            let draft = ComposeDraft(allClearFor: manual, mode: incident.mode, incident: incident.id, variables: incident.variables,
                                     level: incident.level, active: active)
            app.navigate(to: .compose(ComposeScreen(draft: draft, title: Localized(ko: "상황 해제", en: "All clear"), returnTo: here)))
            app.flash = Flash(active.isEmpty
                ? Localized(ko: "상황 해제: 참조할 활성 경보가 없습니다. 문구를 확인하고 Ctrl-O", en: "All clear: no active alert to reference. Check the text, then Ctrl-O")
                : Localized(ko: "상황 해제: 활성 경보 \(active.count)건 참조. 문구를 확인하고 Ctrl-O",
                            en: "All clear: references \(active.count) active alert(s). Check the text, then Ctrl-O"))
        case .openOutbox:
            var outbox = OutboxScreen(incident: incident.id, returnTo: here)
            outbox.incidentChanged(app: app)   // lands on the newest message
            app.navigate(to: .outbox(outbox))
        default:
            break
        }
        return []
    }
}

extension HomeScreen {
    mutating func openOutbox(app: inout AppState) -> [Effect] {
        var outbox = OutboxScreen(incident: nil, returnTo: .home(self))
        outbox.incidentChanged(app: app)
        app.navigate(to: .outbox(outbox))
        return []
    }
}
