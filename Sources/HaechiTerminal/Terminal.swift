#if canImport(Glibc)
import Glibc
#endif
import CNCursesW
import HaechiUI

/// What the terminal produced: a key, a new size, or nothing before the timeout.
public enum TerminalInput: Sendable, Equatable {
    case key(Key)
    case resized(width: Int, height: Int)
}

/// The ncursesw backend: paints canvases and reads wide keys. Not thread-safe; one per process,
/// used from the main loop only.
///
/// ncurses keeps its own picture of the screen and sends only the difference on refresh; on top
/// of that, rows equal to the previous canvas are not even handed to ncurses, so a frame where
/// the selection moved one line costs two rows of work.
public final class Terminal {
    private var previous: Canvas?
    private var screen: OpaquePointer?
    public private(set) var isRunning = false
    public private(set) var hasColors = false
    /// Colours per tone (the config file's theme).
    public var theme: Theme = .standard
    /// Mouse clicks and wheel, where the terminal reports them (config `mouse: false` turns off).
    public var mouse = true
    /// How long ncurses waits after ESC for the rest of an escape sequence. It is also the
    /// window in which a key following ESC counts as Alt+key: a terminal sends Alt-B as ESC
    /// and `b` in one write, while a person pressing Esc and then `b` is tens of milliseconds
    /// slower, so a short window keeps Esc-then-key two keys.
    public var escapeDelayMilliseconds: Int32 = 10

    public init() {}

    /// Must run before `start`: ncursesw needs a UTF-8 locale or Hangul vanishes and borders
    /// turn into `lqqk`. Uses the environment's locale, or C.UTF-8 when that is not UTF-8.
    /// Returns the locale problem to log, if there was one.
    /// `characterTypeOnly`: only LC_CTYPE, which is all ncursesw and `wcwidth` read (the TUI's
    /// first frame needs no more; loading every category cost it a tenth of a millisecond), with
    /// the same fallback; a later call without it sets the rest as before.
    @discardableResult
    public static func prepareLocale(characterTypeOnly: Bool = false) -> String? {
        func use(_ name: String) -> Bool {
            let set = characterTypeOnly ? haechi_setlocale_ctype(name) : name.isEmpty ? haechi_setlocale_all() : haechi_setlocale_named(name)
            return set != 0
        }
        _ = use("")
        if haechi_locale_is_utf8() != 0 { return nil }
        if use("C.UTF-8"), haechi_locale_is_utf8() != 0 {
            return "the environment's locale is not UTF-8; using C.UTF-8"
        }
        return "no UTF-8 locale available: Hangul will not display"
    }

    /// Takes over the controlling terminal.
    public func start() {
        _ = initscr()
        setUp()
    }

    /// Takes over a terminal on given descriptors instead (benchmarks, tests): `type` is a
    /// terminfo name such as `xterm-256color`.
    public func start(type: String, output: Int32, input: Int32, width: Int, height: Int) -> Bool {
        guard let s = haechi_newterm(type, output, input) else { return false }
        screen = s
        _ = set_term(s)
        setUp()
        _ = resizeterm(Int32(height), Int32(width))
        return true
    }

    private func setUp() {
        _ = raw()          // Ctrl-C, Ctrl-O arrive as keys; the shell decides what they mean
        _ = noecho()
        _ = nonl()
        _ = haechi_keypad(1)
        haechi_set_escdelay(escapeDelayMilliseconds)  // otherwise Esc waits a second for a possible escape sequence
        haechi_define_paste_keys()
        haechi_write_terminal("\u{1B}[?2004h")  // bracketed paste on: a paste arrives marked, never as typed commands
        if mouse { _ = haechi_mouse(1) }
        _ = curs_set(0)
        hasColors = has_colors()
        if hasColors {
            _ = start_color()
            _ = use_default_colors()
            definePairs()
        }
        isRunning = true
    }

    public func stop() {
        guard isRunning else { return }
        isRunning = false
        haechi_write_terminal("\u{1B}[?2004l")
        if mouse { _ = haechi_mouse(0) }
        if let screen {
            haechi_endterm(screen)
            self.screen = nil
        } else {
            _ = endwin()
        }
    }

    public var size: (width: Int, height: Int) { (Int(haechi_cols()), Int(haechi_lines())) }

    /// Whether the terminal's input has hung up (its pty closed): after that ncurses returns
    /// "no key" at once, forever, and the main loop must stop rather than spin.
    public var inputHungUp: Bool {
        var fds = pollfd(fd: 0, events: Int16(POLLIN), revents: 0)
        guard poll(&fds, 1, 0) >= 0 else { return false }
        return fds.revents & Int16(POLLHUP | POLLERR | POLLNVAL) != 0
    }

    /// Waits up to `timeoutMilliseconds` for input.
    public func read(timeoutMilliseconds: Int32) -> TerminalInput? {
        haechi_timeout(timeoutMilliseconds)
        var wch: wint_t = 0
        let r = haechi_get_wch(&wch)
        if r == ERR { return nil }
        if r == KEY_CODE_YES {
            if Int32(wch) == KEY_RESIZE {
                previous = nil  // ncurses cleared its picture; repaint every row
                return .resized(width: size.width, height: size.height)
            }
            if Int32(wch) == haechi_key_paste_begin() { return .key(.paste(readPaste())) }
            if Int32(wch) == haechi_key_mouse() {
                var x: Int32 = 0, y: Int32 = 0
                switch haechi_read_mouse(&x, &y) {
                case 1: return .key(.mouse(MouseEvent(x: Int(x), y: Int(y), kind: .click)))
                case 2: return .key(.mouse(MouseEvent(x: Int(x), y: Int(y), kind: .wheelUp)))
                case 3: return .key(.mouse(MouseEvent(x: Int(x), y: Int(y), kind: .wheelDown)))
                default: return nil
                }
            }
            return Self.functionKey(Int32(wch)).map(TerminalInput.key)
        }
        if wch == 27 { return .key(altOrEscape()) }
        return Self.characterKey(UInt32(wch)).map(TerminalInput.key)
    }

    /// ESC alone, or Alt with the key that came with it. ncurses has already waited
    /// `escapeDelayMilliseconds` after the ESC; a key already waiting arrived with it.
    private func altOrEscape() -> Key {
        haechi_timeout(0)
        var next: wint_t = 0
        let r = haechi_get_wch(&next)
        if r == ERR { return .escape }
        if r == KEY_CODE_YES {
            _ = haechi_ungetch(Int32(next))  // Alt+arrow and the like: Esc, then the key
            return .escape
        }
        return Self.altKey(UInt32(next)) ?? { _ = haechi_unget_wch(wchar_t(bitPattern: next)); return .escape }()
    }

    /// Alt with a printable key; nil for ESC ESC or a control character (read separately).
    static func altKey(_ v: UInt32) -> Key? {
        guard v >= 32, v != 127, let scalar = UnicodeScalar(v) else { return nil }
        return .alt(Character(scalar))
    }

    /// The text up to the end marker, as one key. Line ends (CR from most terminals) become
    /// "\n"; other control characters stay in the text and are shown, never executed.
    private func readPaste() -> String {
        var scalars = String.UnicodeScalarView()
        haechi_timeout(1000)
        while true {
            var wch: wint_t = 0
            let r = haechi_get_wch(&wch)
            if r == ERR { break }  // the end marker never came: keep what arrived
            if r == KEY_CODE_YES {
                if Int32(wch) == haechi_key_paste_end() { break }
                continue
            }
            if wch == 13 || wch == 10 { scalars.append("\n"); continue }
            if let s = UnicodeScalar(UInt32(wch)) { scalars.append(s) }
        }
        return String(scalars)
    }

    static func characterKey(_ v: UInt32) -> Key? {
        switch v {
        case 10, 13: return .enter
        case 27: return .escape
        case 127, 8: return .backspace
        case 9: return .tab
        case 0: return nil
        case 1...26: return .ctrl(Character(UnicodeScalar(v + 96)!))
        case 28...31: return nil
        default:
            guard let scalar = UnicodeScalar(v) else { return nil }
            return .char(Character(scalar))
        }
    }

    static func functionKey(_ code: Int32) -> Key? {
        switch code {
        case KEY_UP: return .up
        case KEY_DOWN: return .down
        case KEY_LEFT: return .left
        case KEY_RIGHT: return .right
        case KEY_PPAGE: return .pageUp
        case KEY_NPAGE: return .pageDown
        case KEY_HOME: return .home
        case KEY_END: return .end
        case KEY_ENTER: return .enter
        case KEY_BACKSPACE: return .backspace
        case KEY_DC: return .delete
        case KEY_BTAB: return .backTab
        default:
            let f0 = haechi_key_f0()
            if code > f0, code <= f0 + 12 { return .function(Int(code - f0)) }
            return nil
        }
    }

    /// Paints a canvas. Rows unchanged since the last canvas are skipped.
    public func draw(_ canvas: Canvas) {
        let full = previous == nil || previous!.width != canvas.width || previous!.height != canvas.height
        if full { _ = haechi_clear() }
        let rows = min(canvas.height, Int(haechi_lines()))
        let cols = min(canvas.width, Int(haechi_cols()))
        for y in 0..<rows {
            if !full, previous!.row(y).elementsEqual(canvas.row(y)) { continue }
            var x = 0
            for cell in canvas.row(y) {
                defer { x += 1 }
                if cell.isContinuation || x >= cols { continue }
                put(cell, x: x, y: y)
            }
        }
        if let cursor = canvas.cursor {
            _ = curs_set(1)
            _ = haechi_move(Int32(cursor.y), Int32(cursor.x))
        } else {
            _ = curs_set(0)
        }
        _ = haechi_refresh()
        haechi_flush_term()
        previous = canvas
    }

    /// Forgets what is on screen so the next draw repaints everything (after a resize).
    public func invalidate() { previous = nil }

    private func put(_ cell: Cell, x: Int, y: Int) {
        // A cell holds one grapheme: a base and at most a few combining marks (CCHARW_MAX = 5).
        var chars: [wchar_t] = cell.grapheme.unicodeScalars.prefix(5).map { wchar_t(bitPattern: $0.value) }
        chars.append(0)
        let (attrs, pair) = attributes(cell.style)
        _ = chars.withUnsafeBufferPointer { haechi_put_cell(Int32(y), Int32(x), $0.baseAddress, attrs, pair) }
    }

    // MARK: colours

    /// Colour pair numbers, one per tone.
    private func pairNumber(_ tone: Tone) -> Int16 { Int16(tone.rawValue) + 1 }

    private func definePairs() {
        let orange: Int16 = haechi_colors() >= 256 ? 208 : Int16(COLOR_YELLOW)
        for tone in Tone.allCases {
            let (fg, bg) = colours(tone, orange: orange)
            _ = init_pair(pairNumber(tone), fg, bg)
        }
    }

    private func colours(_ tone: Tone, orange: Int16) -> (Int16, Int16) {
        let pair = theme.colours(tone)
        return (code(pair.foreground, orange: orange), code(pair.background, orange: orange))
    }

    private func code(_ colour: ThemeColour, orange: Int16) -> Int16 {
        switch colour {
        case .terminalDefault: -1
        case .black: Int16(COLOR_BLACK)
        case .red: Int16(COLOR_RED)
        case .green: Int16(COLOR_GREEN)
        case .yellow: Int16(COLOR_YELLOW)
        case .blue: Int16(COLOR_BLUE)
        case .magenta: Int16(COLOR_MAGENTA)
        case .cyan: Int16(COLOR_CYAN)
        case .white: Int16(COLOR_WHITE)
        case .orange: orange
        }
    }

    private func attributes(_ style: Style) -> (attr_t, Int16) {
        var a = haechi_a_normal()
        if style.bold || theme.colours(style.tone).bold { a |= haechi_a_bold() }
        if style.reverse { a |= haechi_a_reverse() }
        if style.underline { a |= haechi_a_underline() }
        switch style.tone {
        case .dim, .skipped: a |= haechi_a_dim()
        case .selected: a |= haechi_a_reverse()
        default: break
        }
        if !hasColors {
            // Monochrome: banners and selection still stand out by reverse video.
            switch style.tone {
            case .liveBanner, .drillBanner, .neutralBanner, .selected: a |= haechi_a_reverse()
            case .overdue, .error, .liveAccent: a |= haechi_a_bold()
            default: break
            }
            return (a, 0)
        }
        return (a, pairNumber(style.tone))
    }
}

/// A pseudo-terminal pair, for running a TUI under measurement (the benchmark's first frame).
public enum PseudoTerminal {
    /// The master descriptor and the path of the slave side, or nil.
    public static func open() -> (master: Int32, slave: String)? {
        var name = [CChar](repeating: 0, count: 128)
        let fd = haechi_open_pty(&name, name.count)
        guard fd >= 0 else { return nil }
        return (fd, String(cString: name))
    }
}
