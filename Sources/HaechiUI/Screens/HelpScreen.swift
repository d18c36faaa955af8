import HaechiCore

/// Help: every key of every screen, generated from the same key tables the screens use, so it
/// cannot drift from what the keys do.
public struct HelpScreen: ScreenModel {
    public var returnTo: Screen
    public var scroll = 0
    public init(returnTo: Screen) { self.returnTo = returnTo }

    public var wrapped: Screen { .help(self) }
    public func mode(in app: AppState) -> Mode? { returnTo.mode(in: app) }

    public static let keys = KeyTable(title: Localized(ko: "도움말", en: "Help"), [
        KeyBinding([.down, .char("j")], .moveDown, Localized(ko: "아래로", en: "Scroll down")),
        KeyBinding([.up, .char("k")], .moveUp, Localized(ko: "위로", en: "Scroll up")),
        KeyBinding([.pageDown, .char(" ")], .pageDown, Localized(ko: "한 쪽 아래로", en: "Page down")),
        KeyBinding([.pageUp], .pageUp, Localized(ko: "한 쪽 위로", en: "Page up")),
        KeyBinding([.escape, .char("q")], .back, Localized(ko: "돌아가기", en: "Back"), hint: Localized(ko: "q 돌아가기", en: "q back")),
    ])

    /// The help text: the screen Help was opened from first, then the shared keys, then the rest.
    public func lines(_ app: AppState) -> [(String, Style)] {
        let current = app.keyTable(returnTo.keys)
        let tables = [current, app.keyTable(KeyTable.global)] + Screen.keyTables.filter { $0.title != current.title }.map(app.keyTable)
        var out: [(String, Style)] = []
        for table in tables {
            out.append((app.t(table.title), Style(.title, bold: true, underline: true)))
            for b in table.bindings {
                let keys = b.keys.map(\.description).joined(separator: " ")
                out.append(("  " + keys.padded(to: 18) + " " + app.t(b.help), .normal))
            }
            out.append(("", .normal))
        }
        out.append((app.t("한글 입력기가 켜져 있어도 명령 키는 그대로 동작합니다 (ㅇ = d).",
                          "Command keys work with a Hangul input method on (ㅇ = d)."), Style(.dim)))
        return out
    }

    public mutating func handle(_ command: Command, app: inout AppState, env: Environment) -> [Effect] {
        let height = app.height - 4
        let maxScroll = max(0, lines(app).count - height)
        if Scrolling.apply(command, to: &scroll, page: height, maxScroll: maxScroll) { return [] }
        if case .back = command { app.navigate(to: returnTo) }
        return []
    }

    public mutating func incidentChanged(app: AppState) {
        // Journal lines keep arriving while Help is open; the screen underneath must follow.
        guard case .checklist(var s) = returnTo else { return }
        s.incidentChanged(app: app)
        returnTo = .checklist(s)
    }

    public func render(_ app: AppState, into c: inout Canvas) {
        Chrome.header(app, into: &c, title: " " + app.t("도움말 · 키 목록", "Help · keys"), right: "? F1 ")
        let top = 2
        for (i, line) in lines(app).dropFirst(scroll).prefix(c.height - 4).enumerated() {
            c.put(line.0, x: 1, y: top + i, style: line.1, maxWidth: c.width - 2)
        }
    }
}
