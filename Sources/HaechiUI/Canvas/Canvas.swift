/// What a cell means, not how it looks: the terminal backend maps tones to colours, so LIVE and
/// DRILL schemes, a monochrome terminal and the text snapshots all read the same canvas.
public enum Tone: UInt8, Sendable, Hashable, CaseIterable {
    case normal, dim, title, selected
    /// The mode banner and mode-coloured frame pieces. LIVE is white on red, DRILL white on blue.
    case liveBanner, drillBanner, liveAccent, drillAccent
    case done, inProgress, skipped, overdue
    case warning, error, ok
    case keyHint
    case levelInterest, levelCaution, levelAlert, levelSerious
    /// The screen with no incident open (Home, Review, Help).
    case neutralBanner

    public static func level(_ level: Int) -> Tone {
        [.levelInterest, .levelCaution, .levelAlert, .levelSerious][max(0, min(3, level - 1))]
    }
}

public struct Style: Sendable, Hashable {
    public var tone: Tone
    public var bold: Bool
    public var reverse: Bool
    public var underline: Bool
    public init(_ tone: Tone = .normal, bold: Bool = false, reverse: Bool = false, underline: Bool = false) {
        self.tone = tone; self.bold = bold; self.reverse = reverse; self.underline = underline
    }
    public static let normal = Style()
}

/// One terminal cell. A wide grapheme occupies its cell and marks the next one as its
/// continuation, so a backend writes it once and a later write can never split it.
public struct Cell: Sendable, Hashable {
    /// One visible grapheme cluster (already sanitised, NFC), or "" for a continuation cell.
    public var grapheme: String
    public var style: Style
    public var isContinuation: Bool { grapheme.isEmpty }
    public init(_ grapheme: String = " ", _ style: Style = .normal) { self.grapheme = grapheme; self.style = style }
    public static let blank = Cell()
}

/// An off-screen grid of cells that screens render into. Tests read it as text; the ncursesw
/// backend paints it. All writes go through `DisplayWidth`.
public struct Canvas: Sendable, Hashable {
    public let width: Int
    public let height: Int
    public private(set) var cells: [Cell]
    /// Where the terminal cursor should sit (a text field being typed into), else hidden.
    /// An input method draws its pre-edit Hangul at the cursor, so it must be right.
    public var cursor: (x: Int, y: Int)? {
        get { cursorX.map { ($0, cursorY) } }
        set { cursorX = newValue?.x; cursorY = newValue?.y ?? 0 }
    }
    private var cursorX: Int?
    private var cursorY = 0

    public init(width: Int, height: Int) {
        self.width = max(0, width)
        self.height = max(0, height)
        cells = Array(repeating: .blank, count: self.width * self.height)
    }

    public subscript(x: Int, y: Int) -> Cell {
        cells[y * width + x]
    }

    public func row(_ y: Int) -> ArraySlice<Cell> {
        cells[(y * width)..<((y + 1) * width)]
    }

    /// Writes `text` at (x, y), clipped to `maxWidth` columns (default: to the right edge),
    /// ending in `~` when something was cut so the reader knows there is more (in the details).
    /// Returns the column after the last one written. A wide grapheme that does not fit whole
    /// is replaced by a space rather than cut in half.
    @discardableResult
    public mutating func put(_ text: String, x: Int, y: Int, style: Style = .normal, maxWidth: Int? = nil,
                             ellipsis: Bool = true) -> Int {
        guard y >= 0, y < height, x < width else { return x }
        let limit = min(width, x + (maxWidth ?? width))
        var col = x
        var visible = DisplayWidth.visible(text)
        if ellipsis, x >= 0, limit - x > 1, visible.count > 1, visible.displayWidth > limit - x {
            visible = visible.truncated(to: limit - x)
        }
        for grapheme in visible {
            let w = DisplayWidth.of(grapheme)
            if w == 0 {
                // A lone combining mark: attach to the previous cell so it is not lost or drawn
                // on its own.
                if col > 0, col - 1 >= x { appendMark(grapheme, x: col - 1, y: y) }
                continue
            }
            if col + w > limit {
                if col < limit { setCell(Cell(" ", style), x: col, y: y) }
                col = limit
                break
            }
            if col >= 0 { setCell(Cell(String(grapheme), style), x: col, y: y) }
            if w == 2, col + 1 >= 0 { setCell(Cell("", style), x: col + 1, y: y) }
            col += w
        }
        return col
    }

    /// Fills a rectangle with blanks of one style (panels, banners, selection bars).
    public mutating func fill(x: Int, y: Int, width w: Int, height h: Int, style: Style) {
        for yy in max(0, y)..<min(height, y + h) {
            for xx in max(0, x)..<min(width, x + w) { setCell(Cell(" ", style), x: xx, y: yy) }
        }
    }

    /// Changes the style of existing cells without touching their text.
    public mutating func restyle(x: Int, y: Int, width w: Int, style: Style) {
        guard y >= 0, y < height else { return }
        for xx in max(0, x)..<min(width, x + w) { cells[y * width + xx].style = style }
    }

    public mutating func hline(y: Int, x: Int = 0, width w: Int? = nil, style: Style = Style(.dim)) {
        let n = w ?? (width - x)
        put(String(repeating: "─", count: max(0, n)), x: x, y: y, style: style, maxWidth: n)
    }

    private mutating func setCell(_ cell: Cell, x: Int, y: Int) {
        guard x >= 0, x < width else { return }
        let i = y * width + x
        // Overwriting half of a wide grapheme blanks its other half, so no orphan half remains.
        if cells[i].isContinuation, x > 0, !cells[i - 1].isContinuation, !cell.isContinuation {
            cells[i - 1] = Cell(" ", cells[i - 1].style)
        }
        if !cells[i].isContinuation, x + 1 < width, cells[i + 1].isContinuation, !cell.isContinuation,
           DisplayWidth.of(Character(cell.grapheme.isEmpty ? " " : cell.grapheme)) < 2 {
            cells[i + 1] = Cell(" ", cells[i + 1].style)
        }
        cells[i] = cell
    }

    private mutating func appendMark(_ mark: Character, x: Int, y: Int) {
        var xx = x
        if cells[y * width + xx].isContinuation, xx > 0 { xx -= 1 }
        cells[y * width + xx].grapheme += String(mark)
    }

    /// The canvas as plain text, one line per row, trailing spaces trimmed: what text
    /// snapshots compare and what the end-to-end tests see through tmux.
    public var text: String {
        (0..<height).map { line($0) }.joined(separator: "\n")
    }

    public func line(_ y: Int) -> String {
        var s = ""
        for cell in row(y) where !cell.isContinuation { s += cell.grapheme }
        while s.last == " " { s.removeLast() }
        return s
    }

    public static func == (a: Canvas, b: Canvas) -> Bool {
        a.width == b.width && a.height == b.height && a.cells == b.cells && a.cursorX == b.cursorX && a.cursorY == b.cursorY
    }
    public func hash(into h: inout Hasher) { h.combine(width); h.combine(height); h.combine(cells) }
}
