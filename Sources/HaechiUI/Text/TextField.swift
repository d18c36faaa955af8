import Foundation
import HaechiCore

/// A text being typed: a note, a reason, a variable, a search, a message. One type for every
/// field, so every field edits the same way — the readline keys officers already know from a
/// shell (←/→, Home/End, Ctrl-A/E, Alt-B/F, Ctrl-W, Ctrl-U/K, Delete, Backspace).
///
/// The cursor counts grapheme clusters, never bytes or scalars: a Hangul syllable, a letter
/// with combining marks or an emoji is one step of ← and one Backspace, and is never cut in
/// half on screen. Text is kept in NFC so what is measured, drawn and journaled is the same.
public struct TextField: Sendable, Hashable {
    private var storage: String
    /// Where the cursor is, in grapheme clusters from the start (0...text.count).
    public private(set) var cursor: Int
    /// Longest accepted value in characters (nil: no limit). Shown as a counter; a key or a
    /// paste that would pass it is refused whole, with the reason on screen.
    public var maxLength: Int?
    /// Whether a paste keeps its line breaks (compose) or has them turned into spaces.
    public var multiline: Bool

    public init(_ text: String = "", maxLength: Int? = nil, multiline: Bool = false) {
        storage = NFC.normalize(text)
        cursor = storage.count
        self.maxLength = maxLength
        self.multiline = multiline
    }

    /// Puts the cursor at a grapheme position (kept by screens between keys).
    public mutating func place(cursor position: Int) { cursor = max(0, min(count, position)) }

    /// The whole text. Setting it (a scenario's value, a reset) puts the cursor at the end.
    public var text: String {
        get { storage }
        set { storage = NFC.normalize(newValue); cursor = storage.count }
    }

    public var count: Int { storage.count }
    public var trimmed: String { storage.trimmingCharacters(in: .whitespacesAndNewlines) }

    public enum Edit: Sendable, Hashable {
        /// The text changed.
        case changed
        /// Only the cursor moved, or nothing could happen (Backspace at the start).
        case unchanged
        /// Refused: the text would pass `maxLength`; `over` is by how many characters.
        case tooLong(over: Int)
    }

    /// Whether `key` is one this field handles (so a screen lets it through before bindings).
    public static func isEditingKey(_ key: Key) -> Bool {
        switch key {
        case .char, .paste, .left, .right, .home, .end, .backspace, .delete: return true
        case .ctrl(let c): return "abefhdkuw".contains(c)
        case .alt(let c): return "bfd".contains(c)
        default: return false
        }
    }

    /// Applies an editing key; nil when the key is not one (the screen decides what it means).
    public mutating func edit(_ key: Key) -> Edit? {
        switch key {
        case .char(let c):
            return insert(String(c))
        case .paste(let text):
            var t = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
            if !multiline { t = t.replacingOccurrences(of: "\n", with: " ") }
            return insert(t)
        case .left, .ctrl("b"): return move(to: cursor - 1)
        case .right, .ctrl("f"): return move(to: cursor + 1)
        case .home, .ctrl("a"): return move(to: 0)
        case .end, .ctrl("e"): return move(to: count)
        case .alt("b"): return move(to: wordStart(before: cursor))
        case .alt("f"): return move(to: wordEnd(after: cursor))
        case .backspace, .ctrl("h"):
            guard cursor > 0 else { return .unchanged }
            return remove(cursor - 1..<cursor, cursorAfter: cursor - 1)
        case .delete, .ctrl("d"):
            guard cursor < count else { return .unchanged }
            return remove(cursor..<cursor + 1, cursorAfter: cursor)
        case .ctrl("w"):
            // unix-word-rubout: back over spaces, then over the word, as in a shell.
            var start = cursor
            let chars = Array(storage)
            while start > 0, chars[start - 1].isWhitespace { start -= 1 }
            while start > 0, !chars[start - 1].isWhitespace { start -= 1 }
            return remove(start..<cursor, cursorAfter: start)
        case .alt("d"):
            let end = wordEnd(after: cursor)
            return remove(cursor..<end, cursorAfter: cursor)
        case .ctrl("u"): return remove(0..<cursor, cursorAfter: 0)
        case .ctrl("k"): return remove(cursor..<count, cursorAfter: cursor)
        default:
            return nil
        }
    }

    // MARK: operations

    private mutating func move(to position: Int) -> Edit {
        cursor = max(0, min(count, position))
        return .unchanged
    }

    private mutating func insert(_ piece: String) -> Edit {
        guard !piece.isEmpty else { return .unchanged }
        let chars = Array(storage)
        let before = String(chars[..<cursor]) + piece
        let next = NFC.normalize(before + String(chars[cursor...]))
        if let maxLength, next.count > maxLength { return .tooLong(over: next.count - maxLength) }
        storage = next
        // A combining mark typed after a letter joins it: the cursor stays after the cluster.
        cursor = min(next.count, NFC.normalize(before).count)
        return .changed
    }

    private mutating func remove(_ range: Range<Int>, cursorAfter: Int) -> Edit {
        guard !range.isEmpty else { return .unchanged }
        var chars = Array(storage)
        chars.removeSubrange(range)
        storage = NFC.normalize(String(chars))
        cursor = max(0, min(storage.count, cursorAfter))
        return .changed
    }

    static func isWordCharacter(_ c: Character) -> Bool { c.isLetter || c.isNumber || c == "_" }

    /// readline's backward-word: back over non-word characters, then to the start of the word.
    func wordStart(before position: Int) -> Int {
        let chars = Array(storage)
        var i = position
        while i > 0, !Self.isWordCharacter(chars[i - 1]) { i -= 1 }
        while i > 0, Self.isWordCharacter(chars[i - 1]) { i -= 1 }
        return i
    }

    /// readline's forward-word: over non-word characters, then to the end of the word.
    func wordEnd(after position: Int) -> Int {
        let chars = Array(storage)
        var i = position
        while i < chars.count, !Self.isWordCharacter(chars[i]) { i += 1 }
        while i < chars.count, Self.isWordCharacter(chars[i]) { i += 1 }
        return i
    }

    // MARK: display

    /// `12/90`: how much of the limit is used, shown beside a limited field.
    public var counter: String? { maxLength.map { "\(count)/\($0)" } }

    /// What a one-line box of `width` columns shows, and the column of the cursor in it.
    ///
    /// Text longer than the box scrolls horizontally so the cursor is always visible: `<` in
    /// the first column says there is more to the left, `>` in the last that there is more to
    /// the right. Every column is counted by `DisplayWidth`, and a wide character that would
    /// straddle an edge is left out whole.
    public func window(width: Int) -> (text: String, cursorColumn: Int) {
        guard width > 2 else { return ("", 0) }
        let chars = Array(DisplayWidth.visible(storage))
        // `visible` never merges or splits clusters of NFC text except control characters,
        // which become two-character stand-ins; map the cursor through the same walk.
        let widths = chars.map { DisplayWidth.of($0) }
        let cursorIndex = Self.visibleIndex(of: cursor, in: storage)
        let total = widths.reduce(0, +)
        if total + 1 <= width {
            let col = widths[..<min(cursorIndex, widths.count)].reduce(0, +)
            return (String(chars), col)
        }
        // The first shown cluster: as far left as lets the cursor (and its cell) fit.
        var start = 0
        func columns(_ from: Int, _ to: Int) -> Int { widths[from..<to].reduce(0, +) }
        let leftMark = { (s: Int) in s > 0 ? 1 : 0 }
        while start < cursorIndex, leftMark(start) + columns(start, cursorIndex) + 1 + (cursorIndex < chars.count ? 1 : 0) > width {
            start += 1
        }
        var out = start > 0 ? "<" : ""
        var used = out.count
        var i = start
        var col = used
        while i < chars.count {
            let more = i + 1 < chars.count ? 1 : 0
            if used + widths[i] + more > width { break }
            if i == cursorIndex { col = used }
            out.append(chars[i])
            used += widths[i]
            i += 1
        }
        if i == cursorIndex { col = used }
        if i < chars.count { out += String(repeating: " ", count: max(0, width - 1 - used)) + ">" }
        return (out, col)
    }

    /// The index in `visible(text)` clusters of grapheme `index` of `text` (they differ only
    /// where a control character became a two-character stand-in such as `^[`).
    static func visibleIndex(of index: Int, in text: String) -> Int {
        var v = 0
        for (i, c) in text.enumerated() where i < index {
            v += DisplayWidth.visible(String(c)).count
        }
        return v
    }

    /// Where the cursor sits in `lines`, the text as `String.wrapped(to:)` wrapped it: walks
    /// the wrapped lines against the text, one break (a space or a newline) between lines.
    public func cursorPosition(inWrapped lines: [String]) -> (line: Int, column: Int) {
        let chars = Array(storage)
        var i = 0
        for (n, line) in lines.enumerated() {
            let lineChars = Array(line)
            var col = 0
            for lc in lineChars {
                if i == cursor { return (n, col) }
                if i < chars.count, DisplayWidth.visible(String(chars[i])).first == lc || chars[i] == lc { i += 1 }
                col += DisplayWidth.of(lc)
            }
            if i == cursor && (n == lines.count - 1 || i >= chars.count || !(chars[i] == " " || chars[i] == "\n")) {
                return (n, col)
            }
            // The break between two lines: a space or newline the wrap consumed.
            if i < chars.count, chars[i] == " " || chars[i] == "\n" {
                if i == cursor { return (n, col) }
                i += 1
            }
        }
        let last = max(0, lines.count - 1)
        return (last, lines.last.map { $0.displayWidth } ?? 0)
    }
}

/// What the message line says after an editing key: nothing for an edit, the reason for a
/// refusal (never a silent drop), the prompt's keys for a key that is not an edit.
enum FieldFeedback {
    static func flash(for edit: TextField.Edit?, field: TextField) -> Flash? {
        switch edit {
        case .tooLong(let over)?:
            let limit = field.maxLength ?? 0
            return Flash(Localized(ko: "입력 거부: 최대 \(limit)자인데 \(over)자 넘습니다 (현재 \(field.count)/\(limit))",
                                   en: "Refused: the limit is \(limit) characters, this is \(over) over (now \(field.count)/\(limit))"), .warning)
        case .changed?, .unchanged?:
            return nil
        case nil:
            return Flash(Localized(ko: "Enter: 확인 · Esc: 취소", en: "Enter confirms · Esc cancels"), .info)
        }
    }
}

/// How a one-line field is drawn everywhere: underlined, scrolled so the cursor shows, with
/// its counter (`12/90`) at the right end when it has a limit, and the terminal cursor placed
/// where the next character goes (an input method draws its pre-edit Hangul there).
public enum FieldBox {
    @discardableResult
    public static func draw(_ field: TextField, x: Int, y: Int, width: Int, focused: Bool = true,
                            style: Style = Style(.normal, underline: true), into c: inout Canvas) -> Int {
        var room = width - 1
        if let counter = field.counter {
            let full = field.maxLength.map { field.count >= $0 } ?? false
            let cx = x + width - counter.count - 1
            c.put(counter, x: cx, y: y, style: Style(full ? .warning : .dim, bold: full))
            room -= counter.count + 1
        }
        guard room > 2 else { return x }
        let (shown, column) = field.window(width: room)
        let end = c.put(shown, x: x, y: y, style: style, maxWidth: room, ellipsis: false)
        if focused { c.cursor = (min(x + column, c.width - 1), y) }
        return end
    }
}
