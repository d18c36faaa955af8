import HaechiCore

/// Fuzzy matching for the palette: the query's characters in order, anywhere in the text,
/// scored so an exact id, a prefix and consecutive runs at word starts come first. Case and
/// Unicode form do not matter (NFC, lower-cased).
public enum Fuzzy {
    /// Nil when `query` is not a subsequence of `text`; otherwise higher is better.
    public static func score(_ query: String, _ text: String) -> Int? {
        let q = Array(NFC.normalize(query).lowercased())
        let t = Array(NFC.normalize(text).lowercased())
        if q.isEmpty { return 0 }
        if q == t { return 10_000 }
        var score = 0
        var ti = 0
        var previous = -2
        for qc in q {
            while ti < t.count, t[ti] != qc { ti += 1 }
            guard ti < t.count else { return nil }
            score += 10
            if ti == previous + 1 { score += 15 }
            if ti == 0 || !(t[ti - 1].isLetter || t[ti - 1].isNumber) { score += 20 }
            previous = ti
            ti += 1
        }
        if t.starts(with: q) { score += 500 }
        // Shorter texts with the same matches are closer to what was typed.
        return score - t.count / 4
    }
}

/// The `:` command palette: type a few letters of a command, a manual, an incident or a step
/// id (`:HR-07`), Enter goes there. Commands come from the current screen's key table (the
/// same one Help is generated from) and each shows its key, so the palette teaches the keys.
public struct Palette: Sendable, Hashable {
    public enum Target: Sendable, Hashable {
        case command(Command)
        case manual(String)
        case incident(String)
        case step(String)
    }
    public struct Entry: Sendable, Hashable {
        public var target: Target
        public var kind: Localized
        public var title: String
        /// The key that does the same thing (commands), or the id.
        public var key: String
        /// Everything the query is matched against.
        var searchable: [String]
    }

    public var field = TextField(maxLength: 60)
    public var selected = 0
    public init(query: String = "") { field = TextField(query, maxLength: 60) }

    /// Every entry the palette can offer on this screen.
    public static func entries(_ app: AppState) -> [Entry] {
        var out: [Entry] = []
        let tables = [app.keyTable(app.screen.keys), app.keyTable(KeyTable.global)]
        for table in tables {
            for b in table.bindings where b.command != .palette {
                let keys = b.keys.map(\.description).joined(separator: " ")
                out.append(Entry(target: .command(b.command), kind: Localized(ko: "명령", en: "command"), title: app.t(b.help), key: keys,
                                 searchable: [b.help.ko, b.help.en, KeyOverrides.name(b.command)]))
            }
        }
        if let incident = app.incident, let manual = app.manual(id: incident.manualID) {
            for step in manual.allSteps + incident.addedSteps.map(Incident.step) {
                out.append(Entry(target: .step(step.id), kind: Localized(ko: "단계", en: "step"), title: app.t(step.title), key: step.id,
                                 searchable: [step.id, step.title.ko, step.title.en]))
            }
        }
        for summary in app.incidents where summary.closedAt == nil {
            let manual = app.manual(id: summary.manualID).map { app.t($0.title) } ?? summary.manualID
            out.append(Entry(target: .incident(summary.id), kind: Localized(ko: "사건", en: "incident"),
                             title: manual + (summary.firstVariable.map { " · " + $0 } ?? "") + " · " + (summary.mode == .live ? "LIVE" : "DRILL"),
                             key: summary.id, searchable: [summary.id, manual, summary.firstVariable ?? ""]))
        }
        for manual in app.manuals {
            out.append(Entry(target: .manual(manual.id), kind: Localized(ko: "매뉴얼", en: "manual"), title: app.t(manual.title), key: manual.id,
                             searchable: [manual.id, manual.title.ko, manual.title.en]))
        }
        return out
    }

    /// The entries matching the query, best first (all of them, in order, for an empty query).
    public func matches(_ app: AppState) -> [Entry] {
        let all = Self.entries(app)
        let query = field.trimmed
        if query.isEmpty { return all }
        let scored = all.enumerated().compactMap { i, e -> (Int, Int, Entry)? in
            guard let s = e.searchable.compactMap({ Fuzzy.score(query, $0) }).max() else { return nil }
            return (s, i, e)
        }
        return scored.sorted { $0.0 != $1.0 ? $0.0 > $1.0 : $0.1 < $1.1 }.map(\.2)
    }

    static func key(_ state: inout AppState, _ key: Key, _ env: Environment) -> [Effect] {
        guard var palette = state.palette else { return [] }
        switch key {
        case .escape:
            state.palette = nil
            return []
        case .up, .ctrl("p"):
            palette.selected = max(0, palette.selected - 1)
        case .down, .ctrl("n"), .tab:
            palette.selected = min(max(0, palette.matches(state).count - 1), palette.selected + 1)
        case .enter:
            let found = palette.matches(state)
            guard let entry = found[safe: palette.selected] else {
                state.flash = Flash(Localized(ko: "‘\(palette.field.text)’에 맞는 항목이 없습니다", en: "Nothing matches ‘\(palette.field.text)’"), .warning)
                return []
            }
            state.palette = nil
            return go(entry.target, &state, env)
        default:
            let edit = palette.field.edit(key)
            if edit == .changed { palette.selected = 0 }
            state.flash = edit == nil ? Flash(Localized(ko: "Enter: 실행 · ↑↓: 고르기 · Esc: 닫기", en: "Enter runs · ↑↓ choose · Esc closes")) : FieldFeedback.flash(for: edit, field: palette.field)
        }
        state.palette = palette
        return []
    }

    /// Runs an entry: a command exactly as its key would (read-only refusals included).
    static func go(_ target: Target, _ state: inout AppState, _ env: Environment) -> [Effect] {
        switch target {
        case .command(let command):
            if state.readOnly, ReadOnly.refuses(command) {
                state.flash = ReadOnly.refusal(command, app: state)
                return []
            }
            state.flash = nil
            return perform(&state, command, env)
        case .manual(let id):
            guard let manual = state.manual(id: id) else { return [] }
            if state.readOnly {
                let ordered = HomeScreen.orderedManuals(state)
                state.screen = .review(ReviewScreen(manualIndex: ordered.firstIndex { $0.id == id } ?? 0, returnTo: nil))
            } else {
                state.screen = .start(StartScreen(manual: manual, app: state))
            }
            return []
        case .incident(let id):
            state.flash = Flash(Localized(ko: "사건 기록을 읽는 중… \(id)", en: "Reading the journal of \(id)…"))
            return [.follow(incident: id)]
        case .step(let id):
            var screen: ChecklistScreen
            if case .checklist(let s) = state.screen { screen = s } else { screen = ChecklistScreen() }
            let shown = screen.select(step: id, app: state)
            state.screen = .checklist(screen)
            if !shown {
                state.flash = Flash(Localized(ko: "\(id) 단계는 현재 경보 단계에서 목록에 없습니다", en: "Step \(id) is not listed at the current alert level"), .warning)
            }
            return []
        }
    }

    public func render(_ app: AppState, into c: inout Canvas) {
        let x = 2
        let width = c.width - 4
        let found = matches(app)
        let rows = min(found.count, max(3, min(12, c.height - 8)))
        let top = 2
        c.fill(x: x, y: top, width: width, height: rows + 3, style: .normal)
        let frame = Style(.title, bold: true)
        c.put("┌" + String(repeating: "─", count: width - 2) + "┐", x: x, y: top, style: frame)
        c.put(app.t(" 명령 팔레트 ", " Command palette "), x: x + 2, y: top, style: frame)
        let qx = c.put("│ :", x: x, y: top + 1, style: frame)
        FieldBox.draw(field, x: qx, y: top + 1, width: width - (qx - x) - 2, into: &c)
        c.put("│", x: x + width - 1, y: top + 1, style: frame)
        let first = max(0, min(selected - rows + 1, found.count - rows))
        for (i, entry) in found.dropFirst(first).prefix(rows).enumerated() {
            let y = top + 2 + i
            let chosen = first + i == selected
            let style = chosen ? Chrome.selectionStyle(app) : Style.normal
            c.put("│", x: x, y: y, style: frame)
            c.fill(x: x + 1, y: y, width: width - 2, height: 1, style: style)
            let kind = app.t(entry.kind).padded(to: 9)
            let keyWidth = min(18, max(8, entry.key.displayWidth))
            var cx = c.put(" " + kind, x: x + 1, y: y, style: chosen ? style : Style(.dim))
            cx = c.put(entry.title, x: cx, y: y, style: style, maxWidth: width - (cx - x) - keyWidth - 3)
            c.put(entry.key, x: x + width - keyWidth - 2, y: y, style: chosen ? style : Style(.title), maxWidth: keyWidth)
            c.put("│", x: x + width - 1, y: y, style: frame)
        }
        let y = top + 2 + rows
        c.put("└" + String(repeating: "─", count: width - 2) + "┘", x: x, y: y, style: frame)
        let count = "\(found.count)"
        c.put(" " + count + app.t("개 ", " found "), x: x + 2, y: y, style: Style(.dim))
    }
}

extension ChecklistScreen {
    /// Moves the selection to a step by id (the palette's `:HR-07`); false when the step is not
    /// on the list at the incident's current level.
    mutating func select(step id: String, app: AppState) -> Bool {
        guard let (_, _, rows) = context(app), let i = rows.firstIndex(where: { $0.step?.id == id }) else { return false }
        move(to: i, rows, app: app, direction: 1)
        return true
    }
}
