/// The scroll keys of read-only text screens (Help, the report): one rule for how far each
/// command moves, clamped to the text.
enum Scrolling {
    /// Applies a line or page command to `scroll`; false when `command` is not a scroll command.
    static func apply(_ command: Command, to scroll: inout Int, page height: Int, maxScroll: Int) -> Bool {
        switch command {
        case .moveDown: scroll = min(maxScroll, scroll + 1)
        case .moveUp: scroll = max(0, scroll - 1)
        case .pageDown: scroll = min(maxScroll, scroll + height - 1)
        case .pageUp: scroll = max(0, scroll - height + 1)
        case .first: scroll = 0
        case .last: scroll = maxScroll
        default: return false
        }
        return true
    }
}
