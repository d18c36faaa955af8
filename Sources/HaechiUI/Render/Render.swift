import Foundation
import HaechiCore

/// Draws the whole app into a canvas: the mode banner, the screen, the message line and the
/// key hints. Below 80×24 it draws only the "enlarge the terminal" screen.
public func render(_ app: AppState) -> Canvas {
    var canvas = Canvas(width: app.width, height: app.height)
    if app.isTooSmall {
        Chrome.tooSmall(app, into: &canvas)
        return canvas
    }
    app.screen.render(app, into: &canvas)
    app.palette?.render(app, into: &canvas)
    Chrome.banner(app, into: &canvas)
    Chrome.messageLine(app, into: &canvas)
    Chrome.keyHints(app, into: &canvas)
    return canvas
}

/// The parts every screen shares. The first and last rows never scroll and always say, in
/// colour and in words, whether this is LIVE or a DRILL.
public enum Chrome {
    /// First body row and the number of body rows a screen may use.
    public static func body(_ app: AppState) -> (top: Int, height: Int) { (2, app.height - 4) }

    public static func bannerStyle(_ mode: Mode?) -> Style {
        switch mode {
        case .live: Style(.liveBanner, bold: true)
        case .drill: Style(.drillBanner, bold: true)
        case nil: Style(.neutralBanner, bold: true)
        }
    }

    public static func accent(_ mode: Mode?) -> Style {
        switch mode {
        case .live: Style(.liveAccent, bold: true)
        case .drill: Style(.drillAccent, bold: true)
        case nil: Style(.title, bold: true)
        }
    }

    public static func modeWord(_ mode: Mode) -> String { mode == .live ? "LIVE 실제" : "DRILL 훈련" }

    public static func banner(_ app: AppState, into c: inout Canvas) {
        let mode = app.modeInContext
        let style = bannerStyle(mode)
        c.fill(x: 0, y: 0, width: c.width, height: 1, style: style)
        let text: String
        switch mode {
        case .live: text = " LIVE · 실제 상황 · REAL INCIDENT — 실제 발송될 수 있음"
        case .drill: text = " DRILL · 훈련 상황 · EXERCISE — NOT A REAL INCIDENT"
        case nil: text = " HAECHI 해치 · " + app.t("서울특별시 재난 초기대응", "Seoul disaster initial response")
        }
        let clock = Format.clock(app.now, app.timeZone) + " "
        // The shared database does not answer: what this seat does is held here, not queued.
        let offline = app.status.offlineHeld.map {
            app.t("DB 연결 끊김 — 이 자리에 \($0)건 보관 중 ", "DB offline — \($0) actions held here ")
        } ?? ""
        let right = offline.displayWidth + clock.displayWidth
        c.put(text, x: 0, y: 0, style: style, maxWidth: c.width - right - 1)
        if !offline.isEmpty {
            c.put(offline, x: c.width - right, y: 0, style: Style(.error, bold: true, reverse: true))
        }
        c.put(clock, x: c.width - clock.displayWidth, y: 0, style: style)
    }

    /// Row 1: the screen's title, always led by the mode word when there is one.
    public static func header(_ app: AppState, into c: inout Canvas, title: String, right: String = "") {
        var x = 0
        if let mode = app.modeInContext {
            x = c.put(" \(modeWord(mode)) ", x: 0, y: 1, style: Style(mode == .live ? .liveBanner : .drillBanner, bold: true))
            x += 1
        }
        if app.readOnly {
            x = c.put(app.t(" 읽기 전용 ", " READ-ONLY "), x: x, y: 1, style: Style(.warning, bold: true, reverse: true)) + 1
        }
        let rw = right.displayWidth
        c.put(title, x: x, y: 1, style: accent(app.modeInContext), maxWidth: c.width - x - rw - 1)
        if !right.isEmpty { c.put(right, x: c.width - rw, y: 1, style: Style(.dim)) }
    }

    public static func messageLine(_ app: AppState, into c: inout Canvas) {
        let y = c.height - 2
        c.fill(x: 0, y: y, width: c.width, height: 1, style: .normal)
        if let prompt = app.prompt {
            var x = c.put(app.t(prompt.label) + " ", x: 0, y: y, style: Style(.title, bold: true))
            if case .level(let level) = prompt.purpose {
                for l in AlertLevel.allCases {
                    let chosen = l == level
                    x = c.put(chosen ? "[\(l.name(app.language))]" : " \(l.name(app.language)) ", x: x, y: y,
                              style: chosen ? Style(Tone.level(l.rawValue), bold: true, reverse: true) : Style(Tone.level(l.rawValue)))
                    x += 1
                }
                return
            }
            FieldBox.draw(prompt.field, x: x, y: y, width: c.width - x, into: &c)
            return
        }
        guard let flash = app.flash else { return }
        let tone: Tone
        switch flash.kind {
        case .info: tone = .normal
        case .success: tone = .ok
        case .warning: tone = .warning
        case .error: tone = .error
        }
        c.put(app.t(flash.text), x: 0, y: y, style: Style(tone, bold: flash.kind != .info))
    }

    public static func keyHints(_ app: AppState, into c: inout Canvas) {
        let y = c.height - 1
        let style = bannerStyle(app.modeInContext)
        c.fill(x: 0, y: y, width: c.width, height: 1, style: style)
        var hints: [String]
        if app.prompt != nil, let flash = app.flash {
            // The message line holds the prompt: a refusal while typing is said here instead.
            c.put(" " + app.t(flash.text), x: 0, y: y, style: Style(flash.kind == .info ? .normal : .warning, bold: true, reverse: true))
            return
        }
        if let prompt = app.prompt {
            if case .level = prompt.purpose {
                hints = [app.t("←/→ 단계 선택", "←/→ choose"), app.t("Enter 변경", "Enter change"), app.t("Esc 취소", "Esc cancel")]
            } else {
                hints = [app.t("Enter 확인", "Enter confirm"), app.t("Esc 취소", "Esc cancel"), app.t("←→ ^A ^E ^W ^U ^K 편집", "←→ ^A ^E ^W ^U ^K edit")]
            }
        } else {
            hints = (app.keyTable(app.screen.keys).bindings + app.keyTable(KeyTable.global).bindings)
                .filter { !(app.readOnly && ReadOnly.refuses($0.command)) }.compactMap { $0.hint.map(app.t) }
        }
        var x = 1
        for hint in hints {
            let w = hint.displayWidth
            if x + w > c.width - 1 { break }
            x = c.put(hint, x: x, y: y, style: style) + 2
        }
    }

    public static func tooSmall(_ app: AppState, into c: inout Canvas) {
        let mode = app.modeInContext
        let style = bannerStyle(mode)
        c.fill(x: 0, y: 0, width: c.width, height: 1, style: style)
        c.put(mode.map(modeWord) ?? "HAECHI 해치", x: 0, y: 0, style: style)
        let lines = [
            "터미널 창을 키워 주세요",
            "Enlarge the terminal",
            "\(AppState.minimumWidth)×\(AppState.minimumHeight) 이상 필요 · now \(c.width)×\(c.height)",
        ]
        for (i, line) in lines.enumerated() {
            let y = min(c.height - 1, max(1, c.height / 2 - 1 + i))
            c.put(line, x: max(0, (c.width - line.displayWidth) / 2), y: y, style: Style(.warning, bold: i < 2))
        }
    }

    /// Draws a vertical list with a scroll position and a selected row highlighted in the mode's
    /// colour (LIVE red, DRILL blue), so even the selection bar says which mode this is.
    public static func selectionStyle(_ app: AppState) -> Style {
        switch app.modeInContext {
        case .live: Style(.liveBanner, bold: true)
        case .drill: Style(.drillBanner, bold: true)
        case nil: Style(.selected, bold: true)
        }
    }
}

public enum Format {
    public static func components(_ date: Date, _ tz: TimeZone) -> DateComponents {
        let c = CivilTime(date, tz)
        return DateComponents(year: c.year, month: c.month, day: c.day, hour: c.hour, minute: c.minute, second: c.second)
    }

    /// `11-29 16:12:03` in the desk's time zone.
    public static func clock(_ date: Date, _ tz: TimeZone) -> String {
        let c = CivilTime(date, tz)
        return CivilTime.two(c.month) + "-" + CivilTime.two(c.day) + " " + CivilTime.two(c.hour) + ":" + CivilTime.two(c.minute) + ":" + CivilTime.two(c.second)
    }

    /// `16:12`
    public static func time(_ date: Date, _ tz: TimeZone) -> String {
        let c = CivilTime(date, tz)
        return CivilTime.two(c.hour) + ":" + CivilTime.two(c.minute)
    }

    /// `1:02:03`, `12:03`
    public static func elapsed(_ seconds: TimeInterval) -> String {
        let s = Int(max(0, seconds))
        return s >= 3600 ? "\(s / 3600):" + CivilTime.two(s / 60 % 60) + ":" + CivilTime.two(s % 60) : CivilTime.two(s / 60) + ":" + CivilTime.two(s % 60)
    }

    /// `12m`, `1h05m`
    public static func minutes(_ seconds: TimeInterval) -> String {
        let m = Int(max(0, seconds)) / 60
        return m >= 60 ? "\(m / 60)h" + CivilTime.two(m % 60) + "m" : "\(m)m"
    }
}

/// Keeps a selected row inside a window of `visible` rows by moving `scroll` as little as
/// possible, so moving the selection by one line repaints two lines rather than the list.
func keepVisible(selected: Int, scroll: Int, visible: Int, count: Int) -> Int {
    guard visible > 0 else { return 0 }
    var s = scroll
    if selected < s { s = selected }
    if selected >= s + visible { s = selected - visible + 1 }
    return max(0, min(s, max(0, count - visible)))
}
