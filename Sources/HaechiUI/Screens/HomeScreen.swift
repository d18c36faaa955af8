import Foundation
import HaechiCore

/// Home: the manuals by category, incidents and drills in progress and recently closed, the
/// clock (in the banner), and the outbox/sender status area.
public struct HomeScreen: ScreenModel {
    public enum Focus: Sendable, Hashable { case manuals, incidents }
    public var focus: Focus = .manuals
    public var manualIndex = 0
    public var incidentIndex = 0
    public init() {}

    public var wrapped: Screen { .home(self) }
    public func mode(in app: AppState) -> Mode? { nil }

    public static let keys = KeyTable(title: Localized(ko: "홈", en: "Home"), [
        KeyBinding([.up, .char("k")], .moveUp, Localized(ko: "위로", en: "Move up")),
        KeyBinding([.down, .char("j")], .moveDown, Localized(ko: "아래로", en: "Move down")),
        KeyBinding([.tab, .backTab, .left, .right], .nextSection, Localized(ko: "매뉴얼 ↔ 사건 목록 전환", en: "Switch between manuals and incidents"),
                   hint: Localized(ko: "Tab 전환", en: "Tab switch")),
        KeyBinding([.enter], .select, Localized(ko: "매뉴얼: 새 사건 시작 / 사건: 이어서 하기", en: "Manual: start an incident · Incident: resume it"),
                   hint: Localized(ko: "Enter 시작/재개", en: "Enter start/resume")),
        KeyBinding([.char("r")], .review, Localized(ko: "매뉴얼 검토 (읽기 전용, / 검색)", en: "Review the manual (read-only, / to search)"),
                   hint: Localized(ko: "r 검토", en: "r review")),
        KeyBinding([.char("o")], .openOutbox, Localized(ko: "발송함 (모든 메시지와 전달 상태)", en: "Outbox (every message and its delivery)"),
                   hint: Localized(ko: "o 발송함", en: "o outbox")),
        KeyBinding([.char("g")], .refresh, Localized(ko: "사건 목록 새로 읽기", en: "Reload the incident list")),
        KeyBinding([.char("R")], .openReport, Localized(ko: "선택한 사건의 사후 검토 보고서", en: "After-action report of the selected incident")),
        KeyBinding([.char("q")], .quit, Localized(ko: "종료 (진행 중 사건은 계속 기록됨)", en: "Quit (open incidents stay open)"),
                   hint: Localized(ko: "q 종료", en: "q quit")),
    ])

    /// Manuals in display order: natural disasters first, then social, each by Korean title.
    public static func orderedManuals(_ app: AppState) -> [Manual] {
        app.manuals.sorted { ManualListing.precedes(ManualListing($0), ManualListing($1)) }
    }

    /// What Home lists, in the same order: the cache's index while the full manuals are still
    /// being read (the first frame), else the manuals themselves.
    public static func orderedListing(_ app: AppState) -> [ManualListing] {
        (app.listedManuals ?? app.manuals.map(ManualListing.init)).sorted(by: ManualListing.precedes)
    }

    /// The title of the manual `id`: from the cache's index in the first frame, else from the
    /// manual itself (the first of that id, as `AppState.manual(id:)`).
    static func title(of id: String, in app: AppState) -> Localized? {
        if let listed = app.listedManuals { return listed.first { $0.id == id }?.title }
        return app.manual(id: id)?.title
    }

    /// Open incidents (newest first), then up to ten recently closed ones.
    public static func orderedIncidents(_ app: AppState) -> [IncidentSummary] {
        let open = app.incidents.filter { $0.closedAt == nil }.sorted { $0.openedAt > $1.openedAt }
        let closed = app.incidents.filter { $0.closedAt != nil }.sorted { $0.closedAt! > $1.closedAt! }.prefix(10)
        return open + closed
    }

    public mutating func handle(_ command: Command, app: inout AppState, env: Environment) -> [Effect] {
        let manuals = Self.orderedManuals(app)
        let incidents = Self.orderedIncidents(app)
        switch command {
        case .moveUp, .moveDown:
            let d = command == .moveUp ? -1 : 1
            if focus == .manuals { manualIndex = max(0, min(manuals.count - 1, manualIndex + d)) }
            else { incidentIndex = max(0, min(incidents.count - 1, incidentIndex + d)) }
        case .nextSection:
            if focus == .manuals, incidents.isEmpty {
                app.flash = Flash(Localized(ko: "진행 중이거나 최근 종료된 사건이 없습니다", en: "No incidents in progress or recently closed"))
            } else {
                focus = focus == .manuals ? .incidents : .manuals
            }
        case .select:
            if focus == .manuals {
                guard manuals.indices.contains(manualIndex) else {
                    app.flash = Flash(Localized(ko: "매뉴얼이 없습니다: --manuals 디렉터리를 확인하세요", en: "No manuals loaded: check --manuals"), .error)
                    return []
                }
                app.navigate(to: .start(StartScreen(manual: manuals[manualIndex], app: app)))
            } else {
                guard incidents.indices.contains(incidentIndex) else { return [] }
                let id = incidents[incidentIndex].id
                app.flash = Flash(Localized(ko: "사건 기록을 읽는 중… \(id)", en: "Reading the journal of \(id)…"))
                return [.follow(incident: id)]
            }
        case .review:
            let id: String? = focus == .manuals ? manuals[safe: manualIndex]?.id : incidents[safe: incidentIndex]?.manualID
            guard !manuals.isEmpty else {
                app.flash = Flash(Localized(ko: "검토할 매뉴얼이 없습니다", en: "No manuals to review"), .error)
                return []
            }
            app.navigate(to: .review(ReviewScreen(manualIndex: manuals.firstIndex { $0.id == id } ?? 0, returnTo: nil)))
        case .refresh:
            return [.listIncidents]
        case .openReport:
            guard focus == .incidents, let id = incidents[safe: incidentIndex]?.id else {
                app.flash = Flash(Localized(ko: "Tab으로 사건 목록에서 사건을 고른 뒤 R", en: "Pick an incident first (Tab), then R"), .warning)
                return []
            }
            return ReportScreen.open(incident: id, app: &app)
        case .openOutbox:
            return openOutbox(app: &app)
        default:
            break
        }
        return []
    }

    public mutating func incidentChanged(app: AppState) {
        let n = Self.orderedIncidents(app).count
        incidentIndex = max(0, min(incidentIndex, n - 1))
        if n == 0 { focus = .manuals }
    }

    public func render(_ app: AppState, into c: inout Canvas) {
        let manuals = Self.orderedListing(app)
        let incidents = Self.orderedIncidents(app)
        let openCount = incidents.filter { $0.closedAt == nil }.count
        Chrome.header(app, into: &c, title: " " + app.t("홈 · 근무자 ", "Home · operator ") + app.operatorName,
                      right: app.t("매뉴얼 \(manuals.count)개 · 진행 중 \(openCount)건 ", "\(manuals.count) manuals · \(openCount) open "))
        let statusTop = c.height - 6
        let leftWidth = c.width / 2 - 1
        let rightX = c.width / 2 + 1
        let rightWidth = c.width - rightX - 1

        // Manuals by category.
        let top = 3
        c.put(app.t("매뉴얼", "Manuals"), x: 1, y: top - 1, style: Style(.title, bold: true, underline: focus == .manuals))
        var rows: [(String, Int?, Style)] = []
        var lastCategory: DisasterCategory?
        for (i, m) in manuals.enumerated() {
            if m.category != lastCategory {
                rows.append((app.t(m.category.title), nil, Style(.dim, bold: true)))
                lastCategory = m.category
            }
            rows.append((app.t(m.title), i, .normal))
        }
        let visible = statusTop - top
        let selectedRow = rows.firstIndex { $0.1 == manualIndex } ?? 0
        let scroll = max(0, selectedRow - visible + 1)
        for (r, row) in rows.dropFirst(scroll).prefix(visible).enumerated() {
            let y = top + r
            if let i = row.1 {
                let count = app.t("\(manuals[i].stepCount)단계", "\(manuals[i].stepCount) steps")
                let selected = i == manualIndex && focus == .manuals
                let style = selected ? Chrome.selectionStyle(app) : row.2
                if selected { c.fill(x: 1, y: y, width: leftWidth, height: 1, style: style) }
                c.put("  " + row.0, x: 1, y: y, style: style, maxWidth: leftWidth - count.displayWidth - 2)
                c.put(count, x: 1 + leftWidth - count.displayWidth - 1, y: y, style: selected ? style : Style(.dim))
            } else {
                c.put(row.0, x: 1, y: y, style: row.2, maxWidth: leftWidth)
            }
        }
        if manuals.isEmpty {
            c.put(app.t("매뉴얼이 없습니다 (--manuals DIR)", "No manuals loaded (--manuals DIR)"), x: 3, y: top, style: Style(.error))
        }

        // Incidents: open first, then recently closed.
        c.put(app.t("진행 중인 사건·훈련", "In progress"), x: rightX, y: top - 1, style: Style(.title, bold: true, underline: focus == .incidents))
        var y = top
        if openCount == 0 {
            c.put(app.t("없음", "none"), x: rightX + 2, y: y, style: Style(.dim)); y += 1
        }
        for (i, inc) in incidents.enumerated() where y < statusTop {
            if i == openCount {
                y += 1
                c.put(app.t("최근 종료", "Recently closed"), x: rightX, y: y, style: Style(.title, bold: true)); y += 1
                if y >= statusTop { break }
            }
            let selected = focus == .incidents && i == incidentIndex
            let modeStyle = Style(inc.mode == .live ? .liveAccent : .drillAccent, bold: true)
            if selected { c.fill(x: rightX, y: y, width: rightWidth, height: 1, style: Chrome.selectionStyle(app)) }
            let base = selected ? Chrome.selectionStyle(app) : Style.normal
            var x = c.put(inc.mode == .live ? " LIVE " : "DRILL ", x: rightX, y: y, style: selected ? base : modeStyle)
            let title = Self.title(of: inc.manualID, in: app).map { app.t($0) } ?? inc.manualID
            let place = inc.firstVariable.map { " · " + $0 } ?? ""
            let tail: String
            if let closed = inc.closedAt {
                tail = " " + app.t("종료 ", "closed ") + Format.time(closed, app.timeZone)
            } else {
                tail = " " + Format.elapsed(inc.elapsed(now: app.now)) + " \(inc.resolvedSteps)/\(inc.totalSteps)"
            }
            x = c.put(title + place, x: x, y: y, style: base, maxWidth: rightWidth - 6 - tail.displayWidth)
            c.put(tail, x: rightX + rightWidth - tail.displayWidth, y: y, style: selected ? base : Style(.dim))
            y += 1
        }

        Self.renderStatus(app, into: &c, top: statusTop)
    }

    /// The reserved area: outbox counts and sender status (`StatusSummary`), and load problems.
    static func renderStatus(_ app: AppState, into c: inout Canvas, top: Int) {
        c.hline(y: top)
        let s = app.status
        func n(_ v: Int?) -> String { v.map(String.init) ?? "–" }
        let outbox = app.t("발송함: 대기 \(n(s.queued)) · 승인 대기 \(n(s.awaitingApproval)) · 실패 \(n(s.failed)) · 전달 \(n(s.delivered))",
                           "Outbox: queued \(n(s.queued)) · awaiting approval \(n(s.awaitingApproval)) · failed \(n(s.failed)) · delivered \(n(s.delivered))")
        c.put(outbox, x: 1, y: top + 1, style: (s.failed ?? 0) > 0 ? Style(.error, bold: true) : .normal)
        let sender: (String, Tone)
        switch s.sender {
        case .unknown: sender = (app.t("발송기: 확인 중", "Sender: checking"), .dim)
        case .alive(let at): sender = (app.t("발송기: 동작 중 (", "Sender: alive (") + Format.time(at, app.timeZone) + ")", .ok)
        case .stale(let at): sender = (app.t("발송기: 응답 없음! 마지막 ", "Sender: STALE, last seen ") + Format.time(at, app.timeZone), .error)
        case .absent: sender = (app.t("발송기: 실행 중 아님", "Sender: not running"), .warning)
        }
        let count = s.sendersAlive.map { app.t(" · 발송기 \($0)대 동작", " · \($0) senders alive") } ?? ""
        c.put(sender.0 + count, x: 1, y: top + 2, style: Style(sender.1, bold: sender.1 == .error))
        if !app.manualProblems.isEmpty {
            c.put(app.t("매뉴얼 문제 \(app.manualProblems.count)건: ", "\(app.manualProblems.count) manual problem(s): ") + app.manualProblems[0],
                  x: 1, y: top + 3, style: Style(.warning))
        }
    }
}

extension Array {
    subscript(safe i: Int) -> Element? { indices.contains(i) ? self[i] : nil }
}
