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
