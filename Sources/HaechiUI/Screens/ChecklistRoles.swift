import Foundation
import HaechiCore

/// Roles, added steps, "my steps" and pins on the checklist (issue 13). `a` gives the selected
/// step's role to a named operator (a handover when someone holds it), `F` shows only the steps
/// whose role this operator holds, `A` adds a step the manual lacks, `P` pins the selected
/// step's latest journal line to the report's timeline (again: unpins). All journaled.
extension ChecklistScreen {
    static let roleKeys: [KeyBinding] = [
        KeyBinding([.char("a")], .assignRole, Localized(ko: "이 단계의 역할을 근무자에게 배정·인계 (기록됨)", en: "Give this step's role to an operator, or hand it over (logged)")),
        KeyBinding([.char("F")], .filterMine, Localized(ko: "내 단계만 보기 / 모두 보기", en: "Only my steps / all steps")),
        KeyBinding([.char("N")], .addStep, Localized(ko: "매뉴얼에 없는 단계 추가 (기록·보고서에 표시)", en: "Add a step the manual lacks (logged, in the report)")),
        KeyBinding([.char("P")], .pinEntry, Localized(ko: "이 단계의 최근 기록을 보고서 타임라인에 고정/해제", en: "Pin this step's latest entry to the report's timeline (again: unpin)")),
    ]

    /// The rows this screen lists: the manual's, then the added steps, filtered to "my steps"
    /// when `mineOnly` is on.
    func rows(_ incident: Incident, _ manual: Manual, app: AppState) -> [StepRow] {
        var rows = Self.rows(incident, manual)
        if !incident.addedSteps.isEmpty {
            rows.append(.phase(title: Localized(ko: "추가된 단계", en: "Added steps"), number: manual.phases.count + 1, manual: nil))
            for (i, added) in incident.addedSteps.enumerated() {
                rows.append(.step(Incident.step(added), number: "\(manual.phases.count + 1).\(i + 1)", manualID: manual.id))
            }
        }
        guard mineOnly else { return rows }
        var out: [StepRow] = []
        var heading: StepRow?
        for row in rows {
            guard let step = row.step else { heading = row; continue }
            guard incident.isMine(step, operatorName: app.operatorName) else { continue }
            if let h = heading { out.append(h); heading = nil }
            out.append(row)
        }
        return out
    }

    /// The role column: who holds the role when someone does (`@lee`), else the role itself.
    static func roleCell(_ step: Step, incident: Incident, app: AppState, width: Int) -> String {
        if let holder = incident.holder(of: step.role.ko) { return "@" + holder.assignee }
        return StepColumns.fit(app.t(step.role), width: width)
    }

    mutating func roleCommand(_ command: Command, step: Step?, incident: Incident, app: inout AppState) -> [Effect] {
        switch command {
        case .filterMine:
            mineOnly.toggle()
            app.flash = Flash(mineOnly ? Localized(ko: "내 단계만 표시 (\(app.operatorName) 담당 역할) · F: 모두", en: "Only steps whose role \(app.operatorName) holds · F: all")
                                       : Localized(ko: "모든 단계 표시", en: "All steps"))
            incidentChanged(app: app)
            return []
        case .assignRole:
            guard let step, !step.role.ko.isEmpty else {
                app.flash = Flash(Localized(ko: "이 단계에는 담당 역할이 없습니다", en: "This step has no role"), .warning)
                return []
            }
            let now = incident.holder(of: step.role.ko)
            app.prompt = Prompt(.assignRole(role: step.role.ko),
                                label: Localized(ko: "‘\(step.role.ko)’ 담당자" + (now.map { " (현재 \($0.assignee))" } ?? "") + ":",
                                                 en: "‘\(step.role.en)’ held by" + (now.map { " (now \($0.assignee))" } ?? "") + ":"),
                                field: TextField(maxLength: 40), required: true)
            return []
        case .addStep:
            app.prompt = Prompt(.addStep, label: Localized(ko: "추가할 단계:", en: "Step to add:"), field: TextField(maxLength: 80), required: true)
            return []
        case .pinEntry:
            guard let step, let line = incident.lastEntry[step.id] else {
                app.flash = Flash(Localized(ko: "이 단계에는 아직 기록이 없습니다 (고정할 것이 없음)", en: "Nothing recorded on this step yet: nothing to pin"), .warning)
                return []
            }
            let pin = !incident.pinned.contains(line)
            app.flash = Flash(pin ? Localized(ko: "보고서 타임라인에 고정했습니다", en: "Pinned to the report's timeline")
                                  : Localized(ko: "고정을 해제했습니다", en: "Unpinned"), .success)
            return [.appendJournal(Incident.pinEvent(incident: incident.id, at: app.now, by: app.operatorName, line: line, pinned: pin))]
        default:
            return []
        }
    }

    /// Answers to the role and added-step prompts; nil for other prompts.
    mutating func rolePromptAnswered(_ purpose: Prompt.Purpose, text: String, incident: Incident, app: inout AppState) -> [Effect]? {
        switch purpose {
        case .assignRole(let role):
            if incident.holder(of: role)?.assignee == text {
                app.flash = Flash(Localized(ko: "이미 \(text) 담당입니다", en: "\(text) already holds it"))
                return []
            }
            let before = incident.holder(of: role)?.assignee
            app.flash = Flash(Localized(ko: "‘\(role)’ " + (before.map { "\($0) → " } ?? "") + text, en: "‘\(role)’ " + (before.map { "\($0) → " } ?? "") + text), .success)
            return [.appendJournal(Incident.roleEvent(incident: incident.id, at: app.now, by: app.operatorName, role: role, assignee: text))]
        case .addStep:
            let c = CivilTime(app.now, app.timeZone)
            let id = "X-" + CivilTime.two(c.hour) + CivilTime.two(c.minute) + CivilTime.two(c.second)
            app.flash = Flash(Localized(ko: "단계 추가: \(id) \(text)", en: "Step added: \(id) \(text)"), .success)
            return [.appendJournal(Incident.stepAddedEvent(incident: incident.id, at: app.now, by: app.operatorName, id: id, title: text, role: nil))]
        default:
            return nil
        }
    }
}
