import Foundation

// Roles, added steps and pins (issue 13), three journal kinds folded by `Incident.apply`:
// - `role`: the manual's role (its Korean name, as the manual writes it) held by a named
//   operator from then on: `{"kind":"role","role":"서울안전상황실 당직관","assignee":"lee"}`; the
//   next `role` line for the same role is a handover, and the journal keeps the history.
// - `step-added`: a step the manual lacks, added during the incident
//   (`{"kind":"step-added","step":"X-031205","text":"교통 우회 안내판 설치"}`); it is ticked with
//   ordinary `step` lines and listed on the checklist and in the report.
// - `pin`: a journal line (0-based among the incident's events) pinned to the report's timeline
//   (`{"kind":"pin","line":7,"pinned":true}`), or unpinned with `pinned: false`.
extension IncidentEvent {
    public struct RoleAssigned: Sendable, Hashable {
        public var role: String
        public var assignee: String
        public init(role: String, assignee: String) { self.role = role; self.assignee = assignee }
    }
    public struct StepAdded: Sendable, Hashable {
        public var step: String
        public var title: String
        public var role: String?
        public init(step: String, title: String, role: String? = nil) { self.step = step; self.title = title; self.role = role }
    }
    public struct Pin: Sendable, Hashable {
        public var line: Int
        public var pinned: Bool
        public init(line: Int, pinned: Bool) { self.line = line; self.pinned = pinned }
    }
    public var roleAssigned: RoleAssigned? { if case .role(_, let x) = self { x } else { nil } }
    public var stepAdded: StepAdded? { if case .stepAdded(_, let x) = self { x } else { nil } }
    public var pinSet: Pin? { if case .pin(_, let x) = self { x } else { nil } }
}

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

    /// The journal lines of these kinds, built in one place so the screens and tests agree.
    public static func roleEvent(incident: String, at: Date, by: String, role: String, assignee: String) -> IncidentEvent {
        .role(IncidentEvent.Stamp(incident: incident, at: at, operator: by), IncidentEvent.RoleAssigned(role: role, assignee: assignee))
    }
    public static func stepAddedEvent(incident: String, at: Date, by: String, id: String, title: String, role: String?) -> IncidentEvent {
        .stepAdded(IncidentEvent.Stamp(incident: incident, at: at, operator: by), IncidentEvent.StepAdded(step: id, title: title, role: role))
    }
    public static func pinEvent(incident: String, at: Date, by: String, line: Int, pinned: Bool) -> IncidentEvent {
        .pin(IncidentEvent.Stamp(incident: incident, at: at, operator: by), IncidentEvent.Pin(line: line, pinned: pinned))
    }
}
