import Foundation
import HaechiCore

/// Review: browse any manual read-only; `/` searches titles and instructions in both languages
/// across all manuals. This is how manual owners check their steps.
public struct ReviewScreen: ScreenModel {
    public var manualIndex: Int
    public var selected = 0
    public var scroll = 0
    public var detailsScroll = 0
    /// The active search, or nil to browse one manual.
    public var query: String?
    public init(manualIndex: Int, returnTo: Screen?) { self.manualIndex = manualIndex }

    public var wrapped: Screen { .review(self) }
    public func mode(in app: AppState) -> Mode? { nil }

    public static let keys = KeyTable(title: Localized(ko: "매뉴얼 검토", en: "Review a manual"), [
        KeyBinding([.up, .char("k")], .moveUp, Localized(ko: "이전 단계", en: "Previous step")),
        KeyBinding([.down, .char("j")], .moveDown, Localized(ko: "다음 단계", en: "Next step")),
        KeyBinding([.pageUp], .pageUp, Localized(ko: "한 쪽 위로", en: "Page up")),
        KeyBinding([.pageDown], .pageDown, Localized(ko: "한 쪽 아래로", en: "Page down")),
        KeyBinding([.char("/")], .search, Localized(ko: "검색 (제목·지침, 한/영 모두)", en: "Search titles and instructions (both languages)"),
                   hint: Localized(ko: "/ 검색", en: "/ search")),
        KeyBinding([.char("]"), .right], .nextManual, Localized(ko: "다음 매뉴얼", en: "Next manual"), hint: Localized(ko: "[] 매뉴얼", en: "[] manual")),
        KeyBinding([.char("["), .left], .previousManual, Localized(ko: "이전 매뉴얼", en: "Previous manual")),
        KeyBinding([.char("J")], .scrollDetailsDown, Localized(ko: "상세 내용 아래로", en: "Scroll details down")),
        KeyBinding([.char("K")], .scrollDetailsUp, Localized(ko: "상세 내용 위로", en: "Scroll details up")),
        KeyBinding([.char("q"), .escape], .back, Localized(ko: "검색 지우기 / 홈으로", en: "Clear the search · back to Home"), hint: Localized(ko: "q 뒤로", en: "q back")),
    ])

    /// Case-insensitive match on NFC text, in either language.
    public static func matches(_ step: Step, _ query: String) -> Bool {
        let q = NFC.normalize(query).lowercased()
        return [step.title.ko, step.title.en, step.instructions.ko, step.instructions.en].contains {
            NFC.normalize($0).lowercased().contains(q)
        }
    }

    public func rows(_ app: AppState) -> [StepRow] {
        let manuals = HomeScreen.orderedManuals(app)
        var rows: [StepRow] = []
        let searched = query.map { q in manuals } ?? (manuals[safe: manualIndex].map { [$0] } ?? [])
        for manual in searched {
            var manualShown = false
            for (p, phase) in manual.phases.enumerated() {
                let steps = phase.steps.filter { s in query.map { Self.matches(s, $0) } ?? true }
                if steps.isEmpty { continue }
                rows.append(.phase(title: phase.title, number: p + 1, manual: query != nil && !manualShown ? manual.title : nil))
                manualShown = true
                for step in steps {
                    rows.append(.step(step, number: "\(p + 1).\((phase.steps.firstIndex(of: step) ?? 0) + 1)", manualID: manual.id))
                }
            }
        }
        return rows
    }

    static func layout(_ app: AppState) -> SplitLayout { SplitLayout(width: app.width, height: app.height, top: 3) }

    public mutating func handle(_ command: Command, app: inout AppState, env: Environment) -> [Effect] {
        let rows = rows(app)
        let count = HomeScreen.orderedManuals(app).count
        let height = Self.layout(app).listHeight
        func move(_ to: Int, _ d: Int) {
            var i = max(0, min(rows.count - 1, to))
            while rows.indices.contains(i), rows[i].step == nil { i += d }
            if !rows.indices.contains(i) { i = d > 0 ? (rows.lastIndex { $0.step != nil } ?? 0) : (rows.firstIndex { $0.step != nil } ?? 0) }
            if i != selected { detailsScroll = 0 }
            selected = i
            scroll = keepVisible(selected: i > 0 && rows[i - 1].step == nil && d < 0 ? i - 1 : i, scroll: scroll, visible: height, count: rows.count)
            scroll = keepVisible(selected: i, scroll: scroll, visible: height, count: rows.count)
        }
        switch command {
        case .moveUp: move(selected - 1, -1)
        case .moveDown: move(selected + 1, 1)
        case .pageUp: move(selected - height + 1, -1)
        case .pageDown: move(selected + height - 1, 1)
        case .nextManual, .previousManual:
            guard query == nil, count > 0 else { return [] }
            manualIndex = (manualIndex + (command == .nextManual ? 1 : -1) + count) % count
            selected = 1; scroll = 0; detailsScroll = 0
        case .scrollDetailsDown: detailsScroll += 3
        case .scrollDetailsUp: detailsScroll = max(0, detailsScroll - 3)
        case .search:
            app.prompt = Prompt(.search, label: Localized(ko: "검색:", en: "Search:"), field: TextField(query ?? "", maxLength: 100), required: false)
        case .back:
            if query != nil {
                query = nil; selected = 1; scroll = 0
            } else {
                app.navigate(to: .home(HomeScreen()))
            }
        default: break
        }
        return []
    }

    public mutating func promptAnswered(_ purpose: Prompt.Purpose, text: String, app: inout AppState, env: Environment) -> [Effect] {
        guard purpose == .search else { return [] }
        query = text.isEmpty ? nil : text
        scroll = 0; detailsScroll = 0
        let rows = rows(app)
        selected = rows.firstIndex { $0.step != nil } ?? 0
        if query != nil, rows.isEmpty {
            app.flash = Flash(Localized(ko: "‘\(text)’: 찾는 단계가 없습니다", en: "‘\(text)’: no step matches"), .warning)
        }
        return []
    }

    public func render(_ app: AppState, into c: inout Canvas) {
        let manuals = HomeScreen.orderedManuals(app)
        let rows = rows(app)
        let stepCount = rows.filter { $0.step != nil }.count
        if let query {
            Chrome.header(app, into: &c, title: " " + app.t("검토 · 검색 ‘\(query)’", "Review · search ‘\(query)’"),
                          right: app.t("\(stepCount)건 · 읽기 전용 ", "\(stepCount) found · read-only "))
        } else if let manual = manuals[safe: manualIndex] {
            Chrome.header(app, into: &c, title: " " + app.t("검토 · ", "Review · ") + app.t(manual.title) + " (\(manualIndex + 1)/\(manuals.count))",
                          right: app.t("읽기 전용 ", "read-only "))
            let info = app.t(manual.department) + " · " + app.t("개정 ", "revised ") + manual.revised
                + (manual.owner.map { " · " + app.t("책임 ", "owner ") + app.t($0) } ?? "")
                + (manual.reviewed.map { " · " + app.t("검토 ", "reviewed ") + $0 } ?? "") + (manual.file.map { " · " + $0 } ?? "")
            c.put(info, x: 1, y: 2, style: Style(.dim))
        }
        let layout = Self.layout(app)
        layout.drawSeparator(into: &c)
        let start = max(0, min(scroll, max(0, rows.count - layout.listHeight)))
        for (r, row) in rows.dropFirst(start).prefix(layout.listHeight).enumerated() {
            let y = layout.listY + r
            switch row {
            case .phase(let title, let number, let manual):
                let prefix = manual.map { app.t($0) + " › " } ?? ""
                c.put(prefix + "\(number). " + app.t(title), x: 1, y: y, style: Style(.title, bold: true), maxWidth: layout.listWidth - 2)
            case .step(let step, let number, _):
                let isSelected = start + r == selected
                // A gutter rather than a full-width bar, as on the checklist.
                let gutter = isSelected ? Chrome.selectionStyle(app) : Style.normal
                let target = " T+\(step.targetMinutes)m \(step.fromLevel.korean)"
                let x = c.put((isSelected ? ">" : " ") + " " + number, x: layout.listX, y: y, style: gutter)
                c.put(" " + app.t(step.title), x: x, y: y, maxWidth: layout.listWidth - x - target.displayWidth - 1)
                c.put(target, x: layout.listX + layout.listWidth - target.displayWidth - 1, y: y, style: Style(.dim))
            }
        }
        if case .step(let step, let number, let manualID)? = rows[safe: selected] {
            let lines = StepDetails.lines(step, number: number, manual: app.manual(id: manualID), incident: nil, app: app, width: layout.detailsWidth)
            StepDetails.draw(lines, scroll: detailsScroll, x: layout.detailsX, y: layout.detailsY,
                             width: layout.detailsWidth, height: layout.detailsHeight, into: &c)
        }
    }
}

extension ReviewScreen {
    /// Opens on the first step (row 0 is its phase heading).
    public init(manualIndex: Int) { self.init(manualIndex: manualIndex, returnTo: nil); selected = 1 }
}
