import HaechiCore

/// Mouse reports, where the terminal sends them: a click on a list row selects it, the wheel
/// scrolls the list (or the details pane when the pointer is over it). Each becomes the same
/// command a key would give, so read-only refusals, journaling and help stay in one place.
enum Pointer {
    static func reduce(_ state: inout AppState, _ event: MouseEvent, _ env: Environment) -> [Effect] {
        switch state.screen {
        case .checklist(var screen):
            let layout = ChecklistScreen.layout(state)
            let overDetails = layout.sideBySide ? event.x > layout.listWidth : event.y >= layout.detailsY
            switch event.kind {
            case .wheelUp, .wheelDown:
                let command: Command = overDetails ? (event.kind == .wheelUp ? .scrollDetailsUp : .scrollDetailsDown)
                                                   : (event.kind == .wheelUp ? .moveUp : .moveDown)
                return perform(&state, command, env)
            case .click:
                guard !overDetails, event.y >= layout.listY, event.y < layout.listY + layout.listHeight,
                      let (_, _, rows) = screen.context(state) else { return [] }
                let start = max(0, min(screen.scroll, max(0, rows.count - layout.listHeight)))
                let index = start + event.y - layout.listY
                guard let id = rows[safe: index]?.step?.id else { return [] }
                _ = screen.select(step: id, app: state)
                state.screen = .checklist(screen)
                return []
            }
        default:
            switch event.kind {
            case .wheelUp: return perform(&state, .moveUp, env)
            case .wheelDown: return perform(&state, .moveDown, env)
            case .click: return []
            }
        }
    }
}
