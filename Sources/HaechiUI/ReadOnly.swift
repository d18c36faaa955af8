import HaechiCore

/// The observer seat (`haechi --read-only`): a wall display, a supervisor, a liaison from the
/// ministry. Every screen, every incident as it changes, no action. Enforced here in the
/// reducer's path, not by hiding keys: a command that acts is refused with a message, and no
/// journal append or outbox record can leave the reducer of a read-only seat by any path.
public enum ReadOnly {
    /// Commands that change an incident, a message or a drill.
    public static func refuses(_ command: Command) -> Bool {
        switch command {
        case .markDone, .markInProgress, .markTodo, .skip, .notApplicable, .addNote, .changeLevel, .closeIncident,
             .openIncident, .composeFromStep, .composeNew, .queueMessage, .approveMessage, .cancelMessage,
             .correctMessage, .drillFaster, .drillSlower, .drillPause, .assignRole, .addStep, .pinEntry:
            return true
        default:
            return false
        }
    }

    public static func refusal(_ command: Command?, app: AppState) -> Flash {
        let what = command.flatMap { c in
            (Screen.keyTables + [KeyTable.global]).lazy.flatMap(\.bindings).first { $0.command == c }.map { app.t($0.help) }
        }
        return Flash(Localized(ko: "읽기 전용 좌석: " + (what.map { "‘\($0)’ " } ?? "") + "할 수 없습니다 (관찰만 가능)",
                               en: "Read-only seat: " + (what.map { "‘\($0)’ is " } ?? "changes are ") + "not allowed (observe only)"), .warning)
    }

    /// Drops every effect that would write, and says so when a key asked for one.
    static func enforce(_ state: inout AppState, _ effects: [Effect], tell: Bool) -> [Effect] {
        var dropped = false
        let kept = effects.filter { effect in
            switch effect {
            case .appendJournal, .enqueue: dropped = true; return false
            default: return true
            }
        }
        if dropped {
            // A prompt or compose screen left waiting for an answer that will never come.
            if case .compose(var screen) = state.screen, case .queueing = screen.stage {
                screen.stage = .editing
                state.screen = .compose(screen)
            }
            if tell { state.flash = refusal(nil, app: state) }
        }
        return kept + (dropped ? [.log("read-only seat: dropped \(effects.count - kept.count) write(s)")] : [])
    }
}
