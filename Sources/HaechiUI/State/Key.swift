import HaechiCore

/// A key as the core sees it; the terminal backend translates ncurses codes into these.
public enum Key: Sendable, Hashable, CustomStringConvertible {
    case char(Character)
    case ctrl(Character)
    case up, down, left, right, pageUp, pageDown, home, end
    case enter, escape, backspace, delete, tab, backTab
    case function(Int)
    /// Alt (Meta) with a key: the terminal sends ESC and the key in one write (Alt-B, Alt-F).
    case alt(Character)
    /// Text pasted in one go (bracketed paste): may hold line breaks; never read as commands.
    case paste(String)
    /// A click or the wheel, where the terminal reports the mouse.
    case mouse(MouseEvent)

    public var description: String {
        switch self {
        case .char(" "): "Space"
        case .char(let c): String(c)
        case .ctrl(let c): "Ctrl-" + String(c).uppercased()
        case .up: "↑"
        case .down: "↓"
        case .left: "←"
        case .right: "→"
        case .pageUp: "PgUp"
        case .pageDown: "PgDn"
        case .home: "Home"
        case .end: "End"
        case .enter: "Enter"
        case .escape: "Esc"
        case .backspace: "Backspace"
        case .delete: "Del"
        case .tab: "Tab"
        case .backTab: "Shift-Tab"
        case .function(let n): "F\(n)"
        case .alt(let c): "Alt-" + String(c).uppercased()
        case .paste: "Paste"
        case .mouse(let m): "Mouse \(m.kind) \(m.x),\(m.y)"
        }
    }

    /// The Latin key a Hangul 2-beolsik jamo sits on. An officer whose input method is left in
    /// Hangul mode presses `d` and the terminal sends `ㅇ`; commands still work.
    public var latinEquivalent: Key {
        guard case .char(let c) = self, let latin = Key.dubeolsik[c] else { return self }
        return .char(latin)
    }

    static let dubeolsik: [Character: Character] = [
        "ㅂ": "q", "ㅈ": "w", "ㄷ": "e", "ㄱ": "r", "ㅅ": "t", "ㅛ": "y", "ㅕ": "u", "ㅑ": "i", "ㅐ": "o", "ㅔ": "p",
        "ㅁ": "a", "ㄴ": "s", "ㅇ": "d", "ㄹ": "f", "ㅎ": "g", "ㅗ": "h", "ㅓ": "j", "ㅏ": "k", "ㅣ": "l",
        "ㅋ": "z", "ㅌ": "x", "ㅊ": "c", "ㅍ": "v", "ㅠ": "b", "ㅜ": "n", "ㅡ": "m",
        "ㅃ": "Q", "ㅉ": "W", "ㄸ": "E", "ㄲ": "R", "ㅆ": "T", "ㅒ": "O", "ㅖ": "P",
    ]
}

/// A mouse report: where (cell column and row) and what.
public struct MouseEvent: Sendable, Hashable {
    public enum Kind: Sendable, Hashable { case click, wheelUp, wheelDown }
    public var x: Int
    public var y: Int
    public var kind: Kind
    public init(x: Int, y: Int, kind: Kind) { self.x = x; self.y = y; self.kind = kind }
}

/// Everything a key can ask for. Screens bind keys to commands in their key tables; the
/// reducer interprets commands. Help is generated from the same tables.
public enum Command: Sendable, Hashable {
    // everywhere
    case help, toggleLanguage, back, quit
    // lists
    case moveUp, moveDown, pageUp, pageDown, first, last, nextSection
    case select
    // home
    case review, refresh
    // start
    case nextField, previousField, choiceLeft, choiceRight, openIncident
    // checklist
    case markDone, markInProgress, markTodo, skip, notApplicable, addNote, changeLevel, closeIncident
    /// The city's own duty stage, one step up or down (journaled like the level).
    case raiseStage, lowerStage
    case scrollDetailsDown, scrollDetailsUp
    // review
    case search, nextManual, previousManual
    // compose and outbox
    case composeFromStep, composeNew, openOutbox, queueMessage, toggleChannel
    case approveMessage, cancelMessage, correctMessage, toggleOutboxFilter
    // drills and the report
    case drillFaster, drillSlower, drillPause, openReport
    // the public-alert lifecycle (issue 12)
    case allClear
    // ergonomics: the palette, roles, ad-hoc steps, pins, "my steps"
    case palette, assignRole, filterMine, addStep, pinEntry
}

/// One line of a key table: which keys, what they do, and the words for help and the status line.
public struct KeyBinding: Sendable, Hashable {
    public var keys: [Key]
    public var command: Command
    public var help: Localized
    /// Shown in the status line's key hints when set (short, so several fit in 80 columns).
    public var hint: Localized?
    public init(_ keys: [Key], _ command: Command, _ help: Localized, hint: Localized? = nil) {
        self.keys = keys; self.command = command; self.help = help; self.hint = hint
    }
}


public struct KeyTable: Sendable {
    public var title: Localized
    public var bindings: [KeyBinding]
    public init(title: Localized, _ bindings: [KeyBinding]) { self.title = title; self.bindings = bindings }

    public func command(for key: Key) -> Command? {
        if let b = bindings.first(where: { $0.keys.contains(key) }) { return b.command }
        let latin = key.latinEquivalent
        if latin != key { return bindings.first(where: { $0.keys.contains(latin) })?.command }
        return nil
    }

    /// Keys every screen shares; listed once in help.
    public static let global = KeyTable(title: Localized(ko: "공통", en: "Everywhere"), [
        KeyBinding([.char("?"), .function(1)], .help, Localized(ko: "도움말 (키 목록)", en: "Help (this list of keys)"),
                   hint: Localized(ko: "?도움말", en: "?help")),
        KeyBinding([.char("L"), .function(2)], .toggleLanguage, Localized(ko: "표시 언어 한국어/영어 전환", en: "Switch display language Korean/English"),
                   hint: Localized(ko: "L 언어", en: "L lang")),
        KeyBinding([.char(":")], .palette, Localized(ko: "명령 팔레트 (명령·매뉴얼·사건·단계 찾기, 예 :HR-07)", en: "Command palette (commands, manuals, incidents, steps; e.g. :HR-07)"),
                   hint: Localized(ko: ":명령", en: ":cmd")),
        KeyBinding([.ctrl("c")], .quit, Localized(ko: "프로그램 종료 (사건은 기록에 남아 계속됩니다)", en: "Quit (incidents stay open in their journals)")),
    ])
}
