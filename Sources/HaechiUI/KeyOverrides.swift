import HaechiCore

/// Keys rebound in the config file (`keys: {mark-done: D}`): a command gets the listed keys in
/// every table that has it, and those keys are taken from any other command of the same table,
/// so a key never means two things. Help, hints and the palette read the same tables.
public struct KeyOverrides: Sendable, Hashable {
    public var keys: [Command: [Key]] = [:]
    public init(_ keys: [Command: [Key]] = [:]) { self.keys = keys }
    public var isEmpty: Bool { keys.isEmpty }

    public func apply(_ table: KeyTable) -> KeyTable {
        guard !keys.isEmpty else { return table }
        var t = table
        let taken = Set(t.bindings.compactMap { keys[$0.command] }.flatMap { $0 })
        for i in t.bindings.indices {
            if let mine = keys[t.bindings[i].command] {
                t.bindings[i].keys = mine
                if let hint = t.bindings[i].hint, let first = mine.first {
                    // "d 완료" → "D 완료": the hint leads with the key.
                    t.bindings[i].hint = Localized(ko: Self.rekey(hint.ko, first), en: Self.rekey(hint.en, first))
                }
            } else {
                t.bindings[i].keys.removeAll { taken.contains($0) }
            }
        }
        return t
    }

    static func rekey(_ hint: String, _ key: Key) -> String {
        guard let space = hint.firstIndex(of: " ") else { return hint }
        return key.description + hint[space...]
    }

    /// `mark-done` for `.markDone`: the names the config file uses.
    public static func name(_ command: Command) -> String {
        var out = ""
        for c in String(describing: command) {
            if c.isUppercase { out += "-" + c.lowercased() } else { out.append(c) }
        }
        return out
    }

    /// Every command a key table binds, by its config name.
    public static let commandsByName: [String: Command] = {
        var out: [String: Command] = [:]
        for table in Screen.keyTables + [KeyTable.global] {
            for b in table.bindings { out[name(b.command)] = b.command }
        }
        return out
    }()

    /// A key as the config file writes it: `d`, `D`, `Ctrl-O` / `C-o`, `Alt-b` / `M-b`, `F5`,
    /// `Enter`, `Esc`, `Space`, `Up`, … Nil for a name that is no key.
    public static func parseKey(_ text: String) -> Key? {
        let t = text.trimmingCharacters(in: .whitespaces)
        if t.count == 1, let c = t.first { return .char(c) }
        let lower = t.lowercased()
        for prefix in ["ctrl-", "c-", "^"] where lower.hasPrefix(prefix) && t.count == prefix.count + 1 {
            return .ctrl(Character(String(lower.last!)))
        }
        for prefix in ["alt-", "m-", "meta-"] where lower.hasPrefix(prefix) && t.count == prefix.count + 1 {
            return .alt(t.last!)
        }
        if lower.hasPrefix("f"), let n = Int(lower.dropFirst()), (1...12).contains(n) { return .function(n) }
        let named: [String: Key] = ["enter": .enter, "return": .enter, "esc": .escape, "escape": .escape, "space": .char(" "),
                                    "tab": .tab, "up": .up, "down": .down, "left": .left, "right": .right,
                                    "home": .home, "end": .end, "pgup": .pageUp, "pageup": .pageUp, "pgdn": .pageDown,
                                    "pagedown": .pageDown, "backspace": .backspace, "del": .delete, "delete": .delete]
        return named[lower]
    }
}

extension AppState {
    /// A screen's key table with the config file's overrides applied.
    public func keyTable(_ table: KeyTable) -> KeyTable { keyOverrides.apply(table) }
}
