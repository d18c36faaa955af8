import Foundation
import HaechiCore

/// Checklist: the open incident's phases and steps with status, elapsed and target times,
/// overdue marks and roles; the details pane; notes; level changes; closing with a summary.
/// Every change is an `IncidentEvent` appended to the journal; the screen shows what the journal
/// says once it is read back, never what it hoped to write.
public struct ChecklistScreen: ScreenModel {
    /// The selected step, by id, so selection survives level changes and other operators' edits.
    public var selected: String?
    public var scroll = 0
    public var detailsScroll = 0
    /// Only the steps whose role this operator holds (`F`).
    public var mineOnly = false
    public init(selected: String? = nil) { self.selected = selected }

    public var wrapped: Screen { .checklist(self) }
    public func mode(in app: AppState) -> Mode? { app.incident?.mode }

    public static let keys = KeyTable(title: Localized(ko: "체크리스트", en: "Checklist"), [
        KeyBinding([.up, .char("k")], .moveUp, Localized(ko: "이전 단계", en: "Previous step")),
        KeyBinding([.down, .char("j")], .moveDown, Localized(ko: "다음 단계", en: "Next step")),
        KeyBinding([.pageUp], .pageUp, Localized(ko: "한 쪽 위로", en: "Page up")),
        KeyBinding([.pageDown], .pageDown, Localized(ko: "한 쪽 아래로", en: "Page down")),
        KeyBinding([.home], .first, Localized(ko: "첫 단계", en: "First step")),
        KeyBinding([.end], .last, Localized(ko: "마지막 단계", en: "Last step")),
        // Not Enter: a second Enter after answering a prompt must not tick the next step.
        KeyBinding([.char("d")], .markDone, Localized(ko: "완료로 표시", en: "Mark done"), hint: Localized(ko: "d 완료", en: "d done")),
        KeyBinding([.char("p")], .markInProgress, Localized(ko: "진행 중으로 표시", en: "Mark in progress"), hint: Localized(ko: "p 진행", en: "p doing")),
        KeyBinding([.char("s")], .skip, Localized(ko: "건너뛰기 (사유 입력)", en: "Skip (asks for a reason)"), hint: Localized(ko: "s 건너뜀", en: "s skip")),
        KeyBinding([.char("x")], .notApplicable, Localized(ko: "해당 없음으로 표시", en: "Mark not applicable"), hint: Localized(ko: "x 해당없음", en: "x n/a")),
        KeyBinding([.char("u")], .markTodo, Localized(ko: "할 일로 되돌리기", en: "Back to to-do (undo a status)")),
        KeyBinding([.char("n")], .addNote, Localized(ko: "메모 추가 (한글 가능)", en: "Add a note"), hint: Localized(ko: "n 메모", en: "n note")),
        KeyBinding([.char("l")], .changeLevel, Localized(ko: "경보 단계 변경 (기록됨)", en: "Change the alert level (logged)"), hint: Localized(ko: "l 단계", en: "l level")),
        KeyBinding([.char("g")], .raiseStage, Localized(ko: "시 비상근무 단계 올리기 (준비→1→2→3단계, 기록됨)", en: "Raise the city's duty stage (standby→1→2→3, logged)")),
        KeyBinding([.char("G")], .lowerStage, Localized(ko: "시 비상근무 단계 내리기 (기록됨)", en: "Lower the city's duty stage (logged)")),
        KeyBinding([.char("J")], .scrollDetailsDown, Localized(ko: "상세 내용 아래로", en: "Scroll details down")),
        KeyBinding([.char("K")], .scrollDetailsUp, Localized(ko: "상세 내용 위로", en: "Scroll details up")),
        KeyBinding([.char("c")], .closeIncident, Localized(ko: "사건 종료 (요약 입력)", en: "Close the incident (asks for a summary)"), hint: Localized(ko: "c 종료", en: "c close")),
        KeyBinding([.char("q"), .escape], .back, Localized(ko: "홈으로 (사건은 계속)", en: "Back to Home (the incident stays open)"), hint: Localized(ko: "q 홈", en: "q home")),
        KeyBinding([.char("m")], .composeFromStep, Localized(ko: "이 단계의 메시지 작성 (템플릿과 사건 정보로 채움)", en: "Compose this step's message (template + incident variables)")),
        KeyBinding([.char("M")], .composeNew, Localized(ko: "새 메시지 작성 (자유 작성)", en: "Compose a new free-form message")),
        KeyBinding([.char("A")], .allClear, Localized(ko: "상황 해제 메시지 작성 (이 사건의 활성 경보를 모두 참조)",
                                                      en: "All-clear message (references every active alert of this incident)")),
        KeyBinding([.char("o")], .openOutbox, Localized(ko: "발송함 (이 사건의 메시지와 전달 상태)", en: "Outbox (this incident's messages and their delivery)")),
        // Drills (issue 6): the trainer's clock, and the report (also for live incidents).
        KeyBinding([.char("+"), .char("=")], .drillFaster, Localized(ko: "훈련 시계 빠르게 (1×→2×→5×→10×→60×)", en: "Drill clock faster (1×→2×→5×→10×→60×)")),
        KeyBinding([.char("-")], .drillSlower, Localized(ko: "훈련 시계 느리게", en: "Drill clock slower")),
        KeyBinding([.char(" ")], .drillPause, Localized(ko: "훈련 시계 일시정지/다시 시작", en: "Pause/resume the drill clock")),
        KeyBinding([.char("R")], .openReport, Localized(ko: "사후 검토 보고서 보기", en: "View the after-action report")),
    ] + roleKeys)

    // MARK: rows

    public static func rows(_ incident: Incident, _ manual: Manual) -> [StepRow] {
        var rows: [StepRow] = []
        for (p, phase) in manual.phases.enumerated() {
            let steps = incident.visibleSteps(of: phase)
            if steps.isEmpty { continue }
            rows.append(.phase(title: phase.title, number: p + 1, manual: nil))
            for step in steps {
                let n = (phase.steps.firstIndex(of: step) ?? 0) + 1
                rows.append(.step(step, number: "\(p + 1).\(n)", manualID: manual.id))
            }
        }
        return rows
    }

    static func layout(_ app: AppState) -> SplitLayout {
        let needs = app.incident.flatMap { app.manual(id: $0.manualID) }.map { StepColumns.listWidthNeeded($0, language: app.language) } ?? 0
        return SplitLayout(width: app.width, height: app.height, top: 3 + DrillPanel.height(app), listNeeds: app.width >= 100 ? needs : 0)
    }

    func context(_ app: AppState) -> (Incident, Manual, [StepRow])? {
        guard let incident = app.incident, let manual = app.manual(id: incident.manualID) else { return nil }
        return (incident, manual, rows(incident, manual, app: app))
    }

    func selectedIndex(_ rows: [StepRow]) -> Int? {
        let current = selected.flatMap { id in rows.firstIndex { $0.step?.id == id } }
        return current ?? rows.firstIndex { $0.step != nil }
    }

    public mutating func incidentChanged(app: AppState) {
        guard let (incident, _, rows) = context(app) else { return }
        if selected == nil {
            // Opening or resuming: land on the first step still to be done.
            selected = rows.lazy.compactMap(\.step).first { [.todo, .inProgress].contains(incident.status(of: $0.id)) }?.id
        }
        // A selected step that is no longer listed (the level went down) gives way to the first.
        selected = selectedIndex(rows).flatMap { rows[$0].step?.id }
        if let i = selectedIndex(rows) {
            scroll = keepVisible(selected: i, scroll: scroll, visible: Self.layout(app).listHeight, count: rows.count)
        }
    }

    mutating func move(to index: Int, _ rows: [StepRow], app: AppState, direction: Int) {
        var i = max(0, min(rows.count - 1, index))
        // Phase headings are not selectable: step over them in the direction of travel.
        while rows.indices.contains(i), rows[i].step == nil { i += direction }
        if !rows.indices.contains(i) {
            i = direction > 0 ? (rows.lastIndex { $0.step != nil } ?? 0) : (rows.firstIndex { $0.step != nil } ?? 0)
        }
        if rows[safe: i]?.step?.id != selected { detailsScroll = 0 }
        selected = rows[safe: i]?.step?.id
        // Scroll so that the phase heading above the first step stays in view at the top.
        let anchor = i > 0 && rows[i - 1].step == nil && direction < 0 ? i - 1 : i
        scroll = keepVisible(selected: anchor, scroll: scroll, visible: Self.layout(app).listHeight, count: rows.count)
        scroll = keepVisible(selected: i, scroll: scroll, visible: Self.layout(app).listHeight, count: rows.count)
    }

    func stamp(_ incident: Incident, _ app: AppState) -> IncidentEvent.Stamp {
        IncidentEvent.Stamp(incident: incident.id, at: app.now, operator: app.operatorName)
    }

    public mutating func handle(_ command: Command, app: inout AppState, env: Environment) -> [Effect] {
        guard let (incident, _, rows) = context(app) else {
            if command == .back { app.navigate(to: .home(HomeScreen())); return [.stopFollowing, .listIncidents] }
            return []
        }
        let index = selectedIndex(rows) ?? 0
        let page = max(1, Self.layout(app).listHeight - 1)
        let step = rows[safe: index]?.step
        switch command {
        case .moveUp: move(to: index - 1, rows, app: app, direction: -1)
        case .moveDown: move(to: index + 1, rows, app: app, direction: 1)
        case .pageUp: move(to: index - page, rows, app: app, direction: -1)
        case .pageDown: move(to: index + page, rows, app: app, direction: 1)
        case .first: move(to: 0, rows, app: app, direction: 1)
        case .last: move(to: rows.count - 1, rows, app: app, direction: -1)
        case .scrollDetailsDown:
            // Clamped to the text, so scrolling back up answers at once after a long scroll down.
            let layout = Self.layout(app)
            let lines = step.map { StepDetails.lines($0, number: "", manual: nil, incident: incident, app: app, width: layout.detailsWidth).count } ?? 0
            detailsScroll = min(detailsScroll + 3, max(0, lines - layout.detailsHeight))
        case .scrollDetailsUp: detailsScroll = max(0, detailsScroll - 3)
        case .composeFromStep, .composeNew, .openOutbox, .allClear:
            return openMessaging(command, incident: incident, rows: rows, index: index, app: &app)
        case .back:
            app.navigate(to: .home(HomeScreen()))
            app.incident = nil
            return [.stopFollowing, .listIncidents]
        case .drillFaster, .drillSlower, .drillPause: return Drill.clockCommand(command, app: &app)
        case .raiseStage, .lowerStage:
            if incident.isClosed {
                app.flash = Flash(Localized(ko: "종료된 사건입니다 (읽기 전용)", en: "This incident is closed (read-only)"), .warning)
                return []
            }
            return changeStage(up: command == .raiseStage, incident: incident, app: &app)
        case .openReport: return ReportScreen.open(incident: incident.id, app: &app)
        case .filterMine:
            return roleCommand(command, step: step, incident: incident, app: &app)
        case .markDone, .markInProgress, .markTodo, .skip, .notApplicable, .addNote, .changeLevel, .closeIncident,
             .assignRole, .addStep, .pinEntry:
            if incident.isClosed {
                app.flash = Flash(Localized(ko: "종료된 사건입니다 (읽기 전용)", en: "This incident is closed (read-only)"), .warning)
                return []
            }
            guard let step else { return [] }
            return change(command, step: step, incident: incident, rows: rows, app: &app)
        default: break
        }
        return []
    }

    mutating func change(_ command: Command, step: Step, incident: Incident, rows: [StepRow], app: inout AppState) -> [Effect] {
        let current = incident.status(of: step.id)
        func setStatus(_ status: StepStatus, reason: String? = nil) -> [Effect] {
            if current == status && reason == nil {
                app.flash = Flash(Localized(ko: "이미 ‘\(StatusText.ko(status))’ 상태입니다", en: "Already \(StatusText.en(status))"))
                return []
            }
            return [.appendJournal(.step(stamp(incident, app), .init(step: step.id, status: status, reason: reason)))]
        }
        switch command {
        case .markDone:
            let effects = setStatus(.done)
            // Done moves on to the next step still to do, like ticking a paper list.
            if !effects.isEmpty, let i = rows.firstIndex(where: { $0.step?.id == step.id }) {
                let next = rows[(i + 1)...].first { r in r.step.map { incident.status(of: $0.id) == .todo || incident.status(of: $0.id) == .inProgress } ?? false }
                if let next, let ni = rows.firstIndex(of: next) { move(to: ni, rows, app: app, direction: 1) }
            }
            return effects
        case .markInProgress: return setStatus(.inProgress)
        case .markTodo: return setStatus(.todo)
        case .skip:
            app.prompt = Prompt(.skipReason(step: step.id), label: Localized(ko: "건너뛰는 사유:", en: "Reason for skipping:"), required: true)
        case .notApplicable:
            app.prompt = Prompt(.notApplicableReason(step: step.id), label: Localized(ko: "해당 없음 사유 (선택):", en: "Why not applicable (optional):"), required: false)
        case .addNote:
            app.prompt = Prompt(.note(step: step.id), label: Localized(ko: "메모:", en: "Note:"), required: true)
        case .changeLevel:
            app.prompt = Prompt(.level(incident.level), label: Localized(ko: "경보 단계:", en: "Alert level:"), required: false)
        case .assignRole, .addStep, .pinEntry:
            return roleCommand(command, step: step, incident: incident, app: &app)
        case .closeIncident:
            let open = ChecklistScreen.rows(incident, app.manual(id: incident.manualID)!).compactMap(\.step)
                .filter { [.todo, .inProgress].contains(incident.status(of: $0.id)) }.count
            let warn = open > 0 ? Localized(ko: "미완료 \(open)개! ", en: "\(open) steps still open! ") : Localized(ko: "", en: "")
            app.prompt = Prompt(.closeSummary, label: Localized(ko: warn.ko + "종료 요약:", en: warn.en + "Closing summary:"),
                                field: TextField(maxLength: 2000), required: true)
        default: break
        }
        return []
    }

    public mutating func promptAnswered(_ purpose: Prompt.Purpose, text: String, app: inout AppState, env: Environment) -> [Effect] {
        guard let incident = app.incident else { return [] }
        if let effects = rolePromptAnswered(purpose, text: text, incident: incident, app: &app) { return effects }
        switch purpose {
        case .note(let step):
            return [.appendJournal(.note(stamp(incident, app), .init(step: step, text: text)))]
        case .skipReason(let step):
            return [.appendJournal(.step(stamp(incident, app), .init(step: step, status: .skipped, reason: text)))]
        case .notApplicableReason(let step):
            return [.appendJournal(.step(stamp(incident, app), .init(step: step, status: .notApplicable, reason: text.isEmpty ? nil : text)))]
        case .level(let level):
            guard level != incident.level else {
                app.flash = Flash(Localized(ko: "단계가 그대로입니다", en: "Level unchanged"))
                return []
            }
            let e = IncidentEvent.level(stamp(incident, app), .init(level: level))
            let manual = app.manual(id: incident.manualID)
            let newSteps = manual.map { m in m.allSteps.filter { $0.fromLevel > incident.level && $0.fromLevel <= level }.count } ?? 0
            app.flash = Flash(Localized(ko: "경보 단계 \(incident.level.korean) → \(level.korean)" + (newSteps > 0 ? ", 단계 \(newSteps)개 추가" : ""),
                                        en: "Alert level \(incident.level.english) → \(level.english)" + (newSteps > 0 ? ", \(newSteps) more steps" : "")),
                              .success)
            return [.appendJournal(e)]
        case .closeSummary:
            let e = IncidentEvent.closed(stamp(incident, app), summary: text)
            app.flash = Flash(Localized(ko: "사건을 종료했습니다. q: 홈으로", en: "Incident closed. q: back to Home"), .success)
            return [.appendJournal(e)]
        default:
            return []
        }
    }

    /// One stage up or down; the city's decision, journaled beside the national level.
    func changeStage(up: Bool, incident: Incident, app: inout AppState) -> [Effect] {
        let next: DutyStage?
        if let current = incident.stage {
            next = DutyStage(rawValue: current.rawValue + (up ? 1 : -1))
        } else {
            next = up ? .standby : nil
        }
        guard let next else {
            app.flash = Flash(Localized(ko: "시 비상근무 단계를 더 바꿀 수 없습니다", en: "The city's duty stage cannot go further"), .warning)
            return []
        }
        let manual = app.manual(id: incident.manualID)
        let newSteps = manual.map { m in m.allSteps.filter { $0.applies(level: incident.level, stage: next) && !incident.isListed($0) }.count } ?? 0
        app.flash = Flash(Localized(ko: "시 비상근무 → \(next.korean)" + (newSteps > 0 ? ", 단계 \(newSteps)개 추가" : ""),
                                    en: "City duty stage → \(next.english)" + (newSteps > 0 ? ", \(newSteps) more steps" : "")), .success)
        return [.appendJournal(.stage(stamp(incident, app), .init(stage: next)))]
    }

    // MARK: render

    public func render(_ app: AppState, into c: inout Canvas) {
        guard let (incident, manual, rows) = context(app) else {
            Chrome.header(app, into: &c, title: app.t("사건 기록을 읽는 중…", "Reading the journal…"))
            return
        }
        let counts = incident.counts(in: manual)
        let elapsed = Format.elapsed(incident.elapsed(now: app.now))
        // Both dimensions: the national alert level (the agency's) and the city's duty stage.
        let stage = incident.stage.map { app.t(" · 시 ", " · city ") + $0.name(app.language) } ?? app.t(" · 시 단계 미정", " · city stage not set")
        Chrome.header(app, into: &c, title: app.t(manual.title) + " · " + incident.level.korean + " " + incident.level.english + stage,
                      right: app.t("경과 ", "elapsed ") + elapsed + " · \(counts.resolved)/\(counts.total) ")
        // Row 2: the incident's variables, its id, and who opened it; or its closing.
        var info = manual.variables.compactMap { v in
            let value = app.language == .en ? incident.variables[IncidentVariable.englishKey(v.id)] ?? incident.variables[v.id] : incident.variables[v.id]
            return value.map { app.t(v.label) + " " + $0 }
        }.joined(separator: " · ")
        if info.isEmpty { info = incident.id }
        if let change = incident.levelChanges.last {
            info += " · " + change.from.name(app.language) + "→" + change.to.name(app.language) + " "
                + Format.time(change.at, app.timeZone) + " " + change.by
        }
        if incident.isClosed {
            c.put(app.t("종료됨 ", "CLOSED ") + Format.time(incident.closedAt!, app.timeZone) + " " + (incident.closedBy ?? "") + ": " + (incident.summary ?? ""),
                  x: 1, y: 2, style: Style(.warning, bold: true))
        } else {
            let x = c.put(" " + incident.level.name(app.language) + " ", x: 1, y: 2, style: Style(Tone.level(incident.level.rawValue), bold: true, reverse: true))
            // The public-update cadence (issue 12) on the right of the same row.
            var room = c.width - x - 2
            let walk = PublicUpdateLine.walk(incident, manual: manual, app: app)
            if let walk, let line = PublicUpdates.line(walk, language: app.language) {
                let shown = " " + line + " "
                let w = shown.displayWidth
                c.put(shown, x: c.width - w - 1, y: 2, style: walk.isOverdue ? Style(.overdue, bold: true, reverse: true) : Style(.inProgress))
                room -= w + 1
            }
            c.put(info, x: x + 1, y: 2, style: Style(.dim), maxWidth: max(0, room))
        }

        DrillPanel.render(app, into: &c, y: 3)
        let layout = Self.layout(app)
        layout.drawSeparator(into: &c)
        let selectedIndex = selectedIndex(rows)
        let start = max(0, min(scroll, max(0, rows.count - layout.listHeight)))
        let columns = StepColumns(rows: rows, app: app, listWidth: layout.listWidth)
        for (r, row) in rows.dropFirst(start).prefix(layout.listHeight).enumerated() {
            drawRow(row, selected: start + r == selectedIndex, incident: incident, app: app,
                    x: layout.listX, y: layout.listY + r, width: layout.listWidth, columns: columns, into: &c)
        }
        if rows.count > layout.listHeight {
            let pos = "\(start + 1)-\(min(rows.count, start + layout.listHeight))/\(rows.count)"
            c.put(pos, x: layout.listX + layout.listWidth - pos.count - 1, y: layout.listY + layout.listHeight - 1, style: Style(.dim))
        }
        if let i = selectedIndex, case .step(let step, let number, _) = rows[i] {
            let lines = StepDetails.lines(step, number: number, manual: manual, incident: incident, app: app, width: layout.detailsWidth)
            StepDetails.draw(lines, scroll: detailsScroll, x: layout.detailsX, y: layout.detailsY,
                             width: layout.detailsWidth, height: layout.detailsHeight, into: &c)
        }
    }

    /// `[x] 1.2 Title ............ Role      T+10m  done 12m`
    func drawRow(_ row: StepRow, selected: Bool, incident: Incident, app: AppState, x: Int, y: Int, width: Int,
                 columns: StepColumns? = nil, into c: inout Canvas) {
        switch row {
        case .phase(let title, let number, _):
            c.put("\(number). " + app.t(title), x: x + 1, y: y, style: Chrome.accent(incident.mode), maxWidth: width - 2)
        case .step(let step, let number, _):
            let status = incident.status(of: step.id)
            let timing = incident.timing(of: step, now: app.now)
            var style: Style
            switch status {
            case .done: style = Style(.done)
            case .inProgress: style = Style(.inProgress, bold: true)
            case .skipped, .notApplicable: style = Style(.skipped)
            case .todo: style = .normal
            }
            switch timing.verdict {
            case .overdue: style = Style(.overdue, bold: true)
            case .late: style = Style(.overdue)
            default: break
            }
            // The selection is a gutter in the mode's colour (marker, status box and number),
            // not a full-width bar: moving it repaints a dozen ASCII cells instead of two rows of
            // Hangul, which keeps a keypress under 300 bytes on a thin SSH link. Each row has one
            // style otherwise, for the same reason (every colour switch is an escape sequence).
            let gutter = selected ? Chrome.selectionStyle(app) : style
            let roleWidth = columns?.role ?? (width >= 70 ? 12 : 10)
            let stateWidth = 10
            let targetWidth = columns?.target ?? 6
            let titleWidth = width - 1 - 4 - (number.count + 1) - roleWidth - targetWidth - stateWidth - 3
            var cx = c.put(selected ? ">" : " ", x: x, y: y, style: gutter)
            cx = c.put(StatusText.box(status) + " " + number, x: cx, y: y, style: gutter)
            cx = c.put(" ", x: cx, y: y, style: style)
            let noteMark = incident.notes[step.id].map { _ in " *" } ?? ""
            c.put(app.t(step.title) + noteMark, x: cx, y: y, style: style, maxWidth: titleWidth)
            cx += titleWidth + 1
            c.put(Self.roleCell(step, incident: incident, app: app, width: roleWidth), x: cx, y: y, style: style, maxWidth: roleWidth)
            cx += roleWidth + 1
            c.put((step.targetMinutes == Incident.noTarget ? "–" : StepColumns.target(step.targetMinutes)).padded(to: targetWidth), x: cx, y: y, style: style)
            cx += targetWidth + 1
            let stateText: String
            switch timing.verdict {
            case .overdue(let late):
                stateText = app.t("지연", "LATE") + " +" + Format.minutes(late)
            case .late:
                // Done, but after its deadline: the report will say late, so the list does too.
                stateText = app.t("늦음 ", "late ") + Format.minutes(timing.completed ?? 0)
            case .onTime:
                stateText = app.t("완료 ", "done ") + Format.minutes(timing.completed ?? 0)
            default:
                stateText = status == .todo ? "" : app.t(StatusText.localized(status))
            }
            c.put(stateText, x: cx, y: y, style: style, maxWidth: stateWidth)
        }
    }
}
