import HaechiCore

/// What Home shows of a manual: its id, title, category and steps (the number in the manuals
/// list; each step's id, level and stage for an incident's progress figures), and the variable
/// an incident line names. The TUI's first frame is drawn from these (read from the
/// parsed-manual cache's small index) while the full manuals are still being read;
/// `AppState.listedManuals` holds them until then.
public struct ManualListing: Sendable, Hashable {
    public var id: String
    public var title: Localized
    public var category: DisasterCategory
    /// Every step in manual order, with what decides whether it is on an incident's checklist.
    public var steps: [StepApplicability]
    /// The id of the manual's first variable (Home shows its value beside an incident).
    public var firstVariable: String?

    public init(id: String, title: Localized, category: DisasterCategory, steps: [StepApplicability], firstVariable: String? = nil) {
        self.id = id; self.title = title; self.category = category; self.steps = steps; self.firstVariable = firstVariable
    }

    public init(_ manual: Manual) {
        self.init(id: manual.id, title: manual.title, category: manual.category, steps: manual.allSteps.map(\.applicability),
                  firstVariable: manual.variables.first?.id)
    }

    public var stepCount: Int { steps.count }

    /// Home's order: natural disasters first, then social, each by Korean title, then id.
    public static func precedes(_ a: ManualListing, _ b: ManualListing) -> Bool {
        (a.category == .natural ? 0 : 1, a.title.ko, a.id) < (b.category == .natural ? 0 : 1, b.title.ko, b.id)
    }
}
