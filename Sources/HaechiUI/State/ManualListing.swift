import HaechiCore

/// What Home lists of a manual: its id, title, category and number of steps. The TUI's first
/// frame is drawn from these (read from the parsed-manual cache's small index) while the full
/// manuals are still being read; `AppState.listedManuals` holds them until then.
public struct ManualListing: Sendable, Hashable {
    public var id: String
    public var title: Localized
    public var category: DisasterCategory
    public var stepCount: Int

    public init(id: String, title: Localized, category: DisasterCategory, stepCount: Int) {
        self.id = id; self.title = title; self.category = category; self.stepCount = stepCount
    }

    public init(_ manual: Manual) {
        self.init(id: manual.id, title: manual.title, category: manual.category, stepCount: manual.stepCount)
    }

    /// Home's order: natural disasters first, then social, each by Korean title, then id.
    public static func precedes(_ a: ManualListing, _ b: ManualListing) -> Bool {
        (a.category == .natural ? 0 : 1, a.title.ko, a.id) < (b.category == .natural ? 0 : 1, b.title.ko, b.id)
    }
}
