import Foundation
import HaechiCore

// Roles, added steps and pins (issue 13), folded from the journal like everything else:
// - `role`: the manual's role (its Korean name, as the manual writes it) held by a named
//   operator from then on; the next `role` line for the same role is a handover.
// - `step-added`: a step the manual lacks, added during the incident; ticked with ordinary
//   `step` lines, listed on the checklist and in the report.
// - `pin`: a journal line (0-based among the events) pinned to the report's timeline, or not.
extension Incident {
    public struct RoleHolder: Sendable, Hashable {
        public var assignee: String
        public var at: Date
        public var by: String
        /// Who held it before (a handover), if anyone.
        public var previous: String?
    }
    public struct AddedStep: Sendable, Hashable {
        public var id: String
        public var title: String
        public var role: String?
        public var at: Date
        public var by: String
    }

    /// Folds a role, step-added or pin line; false when the line lacks what its kind needs.
    mutating func applyRoles(_ event: IncidentEvent) -> Bool {
        switch event.kind {
        case .role:
            guard let role = event.role, let assignee = event.assignee, !assignee.isEmpty else { return false }
            roles[role] = RoleHolder(assignee: assignee, at: event.at, by: event.operator, previous: roles[role]?.assignee)
        case .stepAdded:
            guard let id = event.step, let title = event.text else { return false }
            if addedSteps.contains(where: { $0.id == id }) { return true }  // two seats, one step
            addedSteps.append(AddedStep(id: id, title: title, role: event.role, at: event.at, by: event.operator))
        case .pin:
            guard let line = event.line else { return false }
            if event.pinned ?? true { pinned.insert(line) } else { pinned.remove(line) }
        default:
            return false
        }
        return true
    }

    /// Who holds `role` (the manual's Korean role name) now.
    public func holder(of role: String) -> RoleHolder? { roles[role] }

    /// Whether `operatorName` holds the step's role: "my steps".
    public func isMine(_ step: Step, operatorName: String) -> Bool {
        !step.role.ko.isEmpty && holder(of: step.role.ko)?.assignee == operatorName
    }

    /// Target minutes of an added step: it has none, so it is never late.
    public static let noTarget = 1_000_000

    /// An added step as a checklist step (any level, no target).
    public static func step(_ added: AddedStep) -> Step {
        Step(id: added.id, title: Localized(ko: added.title, en: added.title),
             instructions: Localized(ko: "사건 중 \(added.by)님이 추가한 단계입니다.", en: "Added during the incident by \(added.by)."),
             role: Localized(ko: added.role ?? "", en: added.role ?? ""), targetMinutes: noTarget, fromLevel: .interest)
    }

    /// The journal lines of this kind, built in one place so the screens and tests agree.
    public static func roleEvent(incident: String, at: Date, by: String, role: String, assignee: String) -> IncidentEvent {
        IncidentEvent(kind: .role, incident: incident, at: at, operator: by, role: role, assignee: assignee)
    }
    public static func stepAddedEvent(incident: String, at: Date, by: String, id: String, title: String, role: String?) -> IncidentEvent {
        IncidentEvent(kind: .stepAdded, incident: incident, at: at, operator: by, step: id, text: title, role: role)
    }
    public static func pinEvent(incident: String, at: Date, by: String, line: Int, pinned: Bool) -> IncidentEvent {
        IncidentEvent(kind: .pin, incident: incident, at: at, operator: by, line: line, pinned: pinned)
    }
}
