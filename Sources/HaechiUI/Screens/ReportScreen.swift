import Foundation
import HaechiCore

/// The after-action report of one incident or drill, scrollable: the same `IncidentReport` the
/// `haechi report` command renders (journal + outbox + ledger, built by the shell), laid out for
/// the terminal in the display language. Opened from the checklist and from Home's incidents.
public struct ReportScreen: ScreenModel {
    public var incident: String
    public var returnTo: Screen
    /// Nil until the shell has built it (or when it could not: see `problems`).
    public var report: IncidentReport?
    public var problems: [String] = []
    public var loading = true
    public var scroll = 0

    public init(incident: String, returnTo: Screen) { self.incident = incident; self.returnTo = returnTo }

    public var wrapped: Screen { .report(self) }
    public func mode(in app: AppState) -> Mode? { report?.mode ?? returnTo.mode(in: app) }

    public static let keys = KeyTable(title: Localized(ko: "사후 검토 보고서", en: "After-action report"), [
        KeyBinding([.down, .char("j")], .moveDown, Localized(ko: "아래로", en: "Scroll down")),
        KeyBinding([.up, .char("k")], .moveUp, Localized(ko: "위로", en: "Scroll up")),
        KeyBinding([.pageDown, .char(" ")], .pageDown, Localized(ko: "한 쪽 아래로", en: "Page down"), hint: Localized(ko: "Space 다음 쪽", en: "Space page")),
        KeyBinding([.pageUp], .pageUp, Localized(ko: "한 쪽 위로", en: "Page up")),
        KeyBinding([.home], .first, Localized(ko: "처음으로", en: "Top")),
        KeyBinding([.end], .last, Localized(ko: "끝으로", en: "Bottom")),
        KeyBinding([.char("g")], .refresh, Localized(ko: "다시 만들기 (새 기록 반영)", en: "Rebuild (take in new lines)"), hint: Localized(ko: "g 새로", en: "g rebuild")),
        KeyBinding([.escape, .char("q")], .back, Localized(ko: "돌아가기", en: "Back"), hint: Localized(ko: "q 돌아가기", en: "q back")),
    ])

    /// `R` on the checklist or on Home's incident list.
    static func open(incident id: String, app: inout AppState) -> [Effect] {
        app.navigate(to: .report(ReportScreen(incident: id, returnTo: app.screen)))
        return [.loadReport(incident: id)]
    }

    static func loaded(incident id: String, report: IncidentReport?, problems: [String], app: inout AppState) -> [Effect] {
        guard case .report(var screen) = app.screen, screen.incident == id else { return [] }
        screen.report = report
        screen.problems = problems
        screen.loading = false
        app.screen = .report(screen)
        if report == nil {
            app.flash = Flash(Localized(ko: "보고서를 만들 수 없습니다: " + (problems.first ?? ""),
                                        en: "Cannot build the report: " + (problems.first ?? "")), .error)
        }
        return problems.map { .log("report \(id): \($0)") }
    }

    public mutating func handle(_ command: Command, app: inout AppState, env: Environment) -> [Effect] {
        let height = max(1, app.height - 5)
        let maxScroll = max(0, Self.lines(self, app: app, width: app.width - 2).count - height)
        if Scrolling.apply(command, to: &scroll, page: height, maxScroll: maxScroll) { return [] }
        switch command {
        case .refresh:
            loading = true
            return [.loadReport(incident: incident)]
        case .back: app.navigate(to: returnTo)
        default: break
        }
        return []
    }

    public mutating func incidentChanged(app: AppState) {
        // Journal lines (injects, other operators) keep arriving underneath: the checklist follows.
        guard case .checklist(var s) = returnTo else { return }
        s.incidentChanged(app: app)
        returnTo = .checklist(s)
    }

    public func render(_ app: AppState, into c: inout Canvas) {
        Chrome.header(app, into: &c, title: app.t("사후 검토 보고서 · ", "After-action report · ") + incident)
        let lines = Self.lines(self, app: app, width: c.width - 2)
        let height = c.height - 5
        let start = max(0, min(scroll, max(0, lines.count - height)))
        for (i, line) in lines.dropFirst(start).prefix(height).enumerated() {
            c.put(line.0, x: 1, y: 2 + i, style: line.1, maxWidth: c.width - 2)
        }
        if lines.count > height {
            let pos = "\(start + 1)-\(min(lines.count, start + height))/\(lines.count)"
            c.put(pos, x: c.width - pos.count - 1, y: c.height - 3, style: Style(.dim))
        }
    }

    // MARK: - Layout of the report as lines

    static func lines(_ screen: ReportScreen, app: AppState, width: Int) -> [(String, Style)] {
        guard let report = screen.report else {
            let text = screen.loading ? app.t("보고서를 만드는 중…", "Building the report…")
                                      : app.t("보고서를 만들 수 없습니다", "No report") + (screen.problems.first.map { ": " + $0 } ?? "")
            return [(text, Style(screen.loading ? .dim : .error))]
        }
        return ReportLines(report: report, app: app, width: width).lines
    }
}

/// The report's sections as styled, wrapped lines. Labels in the display language; the figures
/// and wordings shared with the other formats come from `ReportText`.
struct ReportLines {
    let report: IncidentReport
    let app: AppState
    let width: Int
    var lines: [(String, Style)] = []
    let style: ReportStyle

    init(report: IncidentReport, app: AppState, width: Int) {
        self.report = report; self.app = app; self.width = max(20, width)
        style = ReportStyle(language: app.language, timeZone: app.timeZone)
        build()
    }

    mutating func add(_ text: String, _ s: Style = .normal) {
        for line in Sanitize.block(text).wrapped(to: width) { lines.append((line, s)) }
    }
    mutating func heading(_ ko: String, _ en: String) {
        if !lines.isEmpty { lines.append(("", .normal)) }
        lines.append((app.t(ko, en), Style(.title, bold: true, underline: true)))
    }
    func title(_ l: Localized?, _ fallback: String) -> String { style.title(l) ?? fallback }

    mutating func build() {
        let r = report
        add(title(r.manual.title, r.manual.id) + " · " + (r.mode == .drill ? "DRILL 훈련" : "LIVE 실제")
            + (r.scenario.map { " · " + title($0.title, $0.id) } ?? ""), Style(.title, bold: true))
        add(app.t("시작 ", "Opened ") + style.dateTime(r.opened)
            + (r.closed.map { app.t(" · 종료 ", " · closed ") + style.dateTime($0) } ?? app.t(" · 진행 중", " · still open"))
            + (r.duration.map { app.t(" · 소요 ", " · took ") + ReportText.duration($0, app.language) } ?? ""))
        if !r.operators.isEmpty { add(app.t("근무자 ", "Operators ") + r.operators.joined(separator: ", ")) }
        if !r.levels.isEmpty {
            add(app.t("경보 단계 ", "Levels ") + r.levels.map { "\(ReportText.offset($0.offset)) \($0.level.name(app.language))" }.joined(separator: " → "))
        }
        if let summary = r.closeSummary { add(app.t("종료 요약: ", "Summary: ") + summary) }

        let s = r.summary
        heading("요약", "Summary")
        add(app.t("단계: 정시 \(s.stepsOnTime) · 지연 \(s.stepsLate) · 건너뜀 \(s.stepsSkipped) · 미완료 \(s.stepsNotDone) (적용 \(s.stepsApplicable), 기한 전 \(s.stepsNotDue))",
                  "Steps: \(s.stepsOnTime) on time · \(s.stepsLate) late · \(s.stepsSkipped) skipped · \(s.stepsNotDone) never done (of \(s.stepsApplicable); \(s.stepsNotDue) not yet due)"))
        add(app.t("메시지 \(s.messages)건: 전달 \(s.delivered) · 실패 \(s.dead) · 불명 \(s.unknown)", "Messages \(s.messages): delivered \(s.delivered) · dead \(s.dead) · unknown \(s.unknown)")
            + " · " + app.t("첫 공개 메시지 ", "first public message ") + (s.firstDelivered.map(ReportText.offset) ?? "–"))

        if let drill = r.drill {
            heading("훈련 점수", "Drill score")
            add(app.t("상황 대응 \(drill.answered)/\(drill.expected) (\(drill.percent)%)", "Injects answered \(drill.answered) of \(drill.expected) (\(drill.percent)%)")
                + (drill.meanResponse.map { app.t(" · 평균 대응 ", " · mean response ") + ReportText.duration($0, app.language) } ?? ""),
                Style(drill.answered == drill.expected ? .ok : .warning, bold: true))
            for inject in drill.injects {
                let when = ScenarioTime.format(inject.scheduled).padded(to: 6)
                let verdict: String
                // Judgement expectations (message, no message, correction, level, stage) are
                // listed under the inject, one line each, in the report's words (DrillJudgement).
                let judged = (inject.results ?? []).filter { $0.kind != .steps }
                let expects = !inject.expected.isEmpty || !judged.isEmpty
                if inject.shown == nil { verdict = app.t("제시 안 됨", "not played") }
                else if !expects { verdict = app.t("제시됨", "played") }
                else if inject.answered {
                    let response = inject.response ?? judged.compactMap(\.after).max() ?? 0
                    verdict = app.t("대응함 ", "answered in ") + ReportText.duration(response, app.language)
                }
                else if !inject.missing.isEmpty { verdict = app.t("미대응: ", "missed: ") + inject.missing.joined(separator: ", ") }
                else { verdict = app.t("미대응", "missed") }
                add(when + "[" + verdict + "] " + title(inject.text, inject.id),
                    Style(inject.answered || !expects ? .normal : .warning))
                for result in judged where inject.shown != nil {
                    add("        · " + ReportText.expected(result, app.language) + ": " + ReportText.verdict(result, app.language),
                        Style(result.verdict == .met || result.verdict == .pending ? .normal : .warning))
                }
            }
        }

        heading("단계별 결과", "Steps")
        // Ids are short codes (EQ-02); a column as wide as the longest keeps titles aligned.
        let idWidth = min(12, r.steps.map(\.id.count).max() ?? 0)
        for step in r.steps where step.outcome != .notApplicable || step.status != .todo {
            let at = step.completed.map { " " + ReportText.offset($0) } ?? ""
            let tone: Tone = switch step.outcome {
            case .onTime: .done
            case .late, .notDone: .overdue
            case .skipped, .notApplicable, .notDue: .skipped
            }
            add(step.id.padded(to: idWidth) + " " + title(step.title, step.id) + " · " + outcome(step) + at, Style(tone))
        }

        if !r.messages.isEmpty {
            heading("메시지", "Messages")
            for m in r.messages {
                add(ReportText.offset(m.offset) + " " + m.id + " (" + m.kind.rawValue + ", " + m.operator + ")"
                    + (m.cancelledBy.map { app.t(" 취소: ", " cancelled by ") + $0 } ?? ""))
                for d in m.deliveries { add("   " + ReportText.delivery(d, app.language), Style(d.state == .delivered ? .ok : d.state == .dead ? .error : .dim)) }
            }
        }

        if !r.notes.isEmpty {
            heading("메모", "Notes")
            for n in r.notes { add(ReportText.offset(n.offset) + " " + n.operator + (n.step.map { " [\($0)]" } ?? "") + ": " + n.text) }
        }

        heading("타임라인", "Timeline")
        for e in r.timeline {
            add(ReportText.offset(e.offset) + " " + (e.operator.map { $0 + " " } ?? "") + e.text(app.language),
                Style(e.kind == .inject ? .warning : e.kind == .level ? .title : .normal))
        }
        if !r.problems.isEmpty {
            heading("기록상의 문제", "Problems in the records")
            for p in r.problems(app.language) { add(p, Style(.warning)) }
        }
    }

    /// The outcome in the display language: the reports' own wording (`ReportText`).
    func outcome(_ step: IncidentReport.StepOutcome) -> String { ReportText.outcome(step, app.language) }
}
