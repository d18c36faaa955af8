import HaechiCore

/// Widths of the checklist's role and target columns, from what the rows hold: a target is
/// never cut (`T+24h`, not `T+144~`), and a role gets the room it needs up to a share of the
/// list, so at 100 columns and more the responsible role reads whole, while at 80 it is a
/// clear abbreviation made of whole words, never a word cut in the middle.
public struct StepColumns: Sendable, Hashable {
    public var role: Int
    public var target: Int

    public init(rows: [StepRow], app: AppState, listWidth: Int) {
        let steps = rows.compactMap(\.step)
        target = max(5, steps.map { Self.target($0.targetMinutes).count }.max() ?? 5)
        let longest = steps.map { app.t($0.role).displayWidth }.max() ?? 8
        // What the title keeps at least: marker, box, number, a readable title, state.
        let fixed = 1 + 4 + 6 + target + 1 + 10 + 3
        let titleMinimum = app.width >= 100 ? 18 : 16
        // Below 100 columns the title needs the room more: roles abbreviate past 24 columns.
        let room = max(8, min(listWidth - fixed - titleMinimum, app.width >= 100 ? Int.max : 24))
        role = max(8, min(longest, room))
    }

    /// Columns other than the title and the role (marker, box, number, target, state, gaps).
    static let fixedColumns = 31

    /// How wide the side-by-side list must be for every role of `manual` to read whole with a
    /// readable title (ChecklistScreen's layout widens the list, or stacks the panes, to get it).
    public static func listWidthNeeded(_ manual: Manual, language: Language) -> Int {
        let longest = manual.allSteps.map { $0.role[language].displayWidth }.max() ?? 0
        return longest + fixedColumns + 18
    }

    /// `T+5m`, `T+90m`, `T+2h24`, `T+24h`, `T+2d`, `T+7d`: at most six columns, never cut.
    public static func target(_ minutes: Int) -> String {
        if minutes < 100 { return "T+\(minutes)m" }
        if minutes >= 2880, minutes % 1440 == 0 { return "T+\(minutes / 1440)d" }
        if minutes % 60 == 0 || minutes >= 6000 { return "T+\(minutes / 60)h" }
        let m = minutes % 60
        return "T+\(minutes / 60)h" + (m < 10 ? "0" : "") + "\(m)"
    }

    /// A role that fits `width` columns: whole, or shortened by whole words — the last words
    /// (the post: 당직관, duty officer) kept and the organisation before them reduced to
    /// initials (`S.S.S.R. duty officer`) or dropped (Korean: `상황실 당직관` keeps words that
    /// fit from the end) — so no word is ever cut in the middle.
    public static func fit(_ role: String, width: Int) -> String {
        if role.displayWidth <= width { return role }
        let words = role.split(separator: " ").map(String.init)
        guard words.count > 1 else { return role.truncated(to: width) }
        // Latin words: initials of the organisation, the post whole.
        if role.allSatisfy({ $0.isASCII }) {
            for keep in stride(from: words.count - 1, through: 1, by: -1) {
                let initials = words[..<(words.count - keep)].compactMap { w in w.first.map { String($0).uppercased() + "." } }.joined()
                let candidate = initials + " " + words[(words.count - keep)...].joined(separator: " ")
                if candidate.displayWidth <= width { return candidate }
            }
        }
        // Trailing whole words that fit; the details pane has the whole role.
        var out = ""
        for word in words.reversed() {
            let next = out.isEmpty ? word : word + " " + out
            if next.displayWidth > width { break }
            out = next
        }
        return out.isEmpty ? role.truncated(to: width) : out
    }
}
