import Foundation
import HaechiCore

/// Start: choose the manual, LIVE or DRILL, the alert level, and fill the manual's incident
/// variables. DRILL is the default; LIVE needs the word typed before the incident opens.
public struct StartScreen: ScreenModel {
    public enum Field: Sendable, Hashable { case manual, mode, scenario, level, variable(String), open }
    public var manualID: String
    public var mode: Mode = .drill
    public var level: AlertLevel = .interest
    public var values: [String: TextField] = [:]
    public var field: Field = .mode
    /// A bundled drill scenario (issue 6): nil is a free drill. Chosen, it sets the level and
    /// the variables, and opening plays its injects (`Drill.open`).
    public var scenarioID: String?
    /// The level and values as the operator left them before a scenario filled in its own:
    /// put back whenever the scenario is dropped (LIVE chosen, another scenario, another manual),
    /// so a scenario's drill data never reaches another incident, least of all a LIVE one.
    public var beforeScenario: Form?
    public struct Form: Sendable, Hashable {
        public var level: AlertLevel
        public var values: [String: TextField]
    }

    public init(manual: Manual, app: AppState) {
        manualID = manual.id
        resetValues(for: manual)
    }

    public var wrapped: Screen { .start(self) }
    public func mode(in app: AppState) -> Mode? { mode }

    public static let keys = KeyTable(title: Localized(ko: "새 사건 시작", en: "Start an incident"), [
        KeyBinding([.down, .tab], .nextField, Localized(ko: "다음 항목", en: "Next field"), hint: Localized(ko: "↑↓ 항목", en: "↑↓ field")),
        KeyBinding([.up, .backTab], .previousField, Localized(ko: "이전 항목", en: "Previous field")),
        KeyBinding([.left], .choiceLeft, Localized(ko: "선택 바꾸기 (매뉴얼, 모드, 단계)", en: "Change the choice (manual, mode, level)"),
                   hint: Localized(ko: "←→ 선택", en: "←→ choose")),
        KeyBinding([.right], .choiceRight, Localized(ko: "선택 바꾸기", en: "Change the choice")),
        KeyBinding([.enter], .select, Localized(ko: "다음 항목 / 마지막 줄에서 사건 열기", en: "Next field · on the last line, open the incident"),
                   hint: Localized(ko: "Enter 다음/열기", en: "Enter next/open")),
        KeyBinding([.ctrl("o"), .function(10)], .openIncident, Localized(ko: "바로 사건 열기", en: "Open the incident now"),
                   hint: Localized(ko: "^O 열기", en: "^O open")),
        KeyBinding([.escape], .back, Localized(ko: "취소하고 홈으로", en: "Cancel, back to Home"), hint: Localized(ko: "Esc 취소", en: "Esc cancel")),
    ])

    func manual(_ app: AppState) -> Manual? { app.manual(id: manualID) }

    func fields(_ app: AppState) -> [Field] {
        let scenario: [Field] = mode == .drill && !Drill.scenarios(for: manualID, in: app).isEmpty ? [.scenario] : []
        // A scenario fixes the level and the variables (its injects are written for them): they
        // are shown but not editable, so nothing typed is silently ignored.
        if scenarioID != nil { return [.manual, .mode] + scenario + [.open] }
        return [.manual, .mode] + scenario + [.level] + (manual(app)?.variables.flatMap(Self.fieldIDs).map { .variable($0) } ?? []) + [.open]
    }

    mutating func resetValues(for manual: Manual) {
        var next: [String: TextField] = [:]
        for v in manual.variables {
            for id in Self.fieldIDs(v) { next[id] = TextField(values[id]?.text ?? "", maxLength: v.maxLength) }
        }
        values = next
    }

    public func capturesText(_ key: Key, app: AppState) -> Bool {
        guard case .variable(let id) = field else { return false }
        return TextField.isEditingKey(key) || (key == .tab && completable(id, app: app))
    }

    public mutating func handleUnbound(_ key: Key, app: inout AppState, env: Environment) -> [Effect]? {
        guard case .variable(let id) = field, var value = values[id] else {
            if case .char = key {
                app.flash = Flash(Localized(ko: "글자는 입력 칸에서만 입력됩니다 (↑↓로 칸 이동)", en: "Typing goes into a field: move to one with ↑↓"), .warning)
                return []
            }
            return nil
        }
        if key == .tab { complete(id, app: &app); return [] }
        guard let edit = value.edit(key) else { return nil }
        values[id] = value
        app.flash = FieldFeedback.flash(for: edit, field: value)
        return []
    }

    public mutating func handle(_ command: Command, app: inout AppState, env: Environment) -> [Effect] {
        let fields = fields(app)
        let i = fields.firstIndex(of: field) ?? 0
        switch command {
        case .nextField: field = fields[min(fields.count - 1, i + 1)]
        case .previousField: field = fields[max(0, i - 1)]
        case .choiceLeft, .choiceRight:
            let d = command == .choiceLeft ? -1 : 1
            switch field {
            case .manual:
                let ms = HomeScreen.orderedManuals(app)
                guard let j = ms.firstIndex(where: { $0.id == manualID }) else { break }
                let next = ms[(j + d + ms.count) % ms.count]
                manualID = next.id
                leaveScenario()
                resetValues(for: next)
            case .mode:
                mode = mode == .drill ? .live : .drill
                leaveScenario()  // a scenario is a drill; LIVE never carries one, nor its data
                if mode == .live {
                    app.flash = Flash(Localized(ko: "실제 상황(LIVE)입니다. 열 때 LIVE를 입력해 확인합니다", en: "LIVE: a real incident. You will type LIVE to confirm"), .warning)
                }
            case .level:
                let all = AlertLevel.allCases
                level = all[max(0, min(all.count - 1, all.firstIndex(of: level)! + d))]
            case .scenario:
                chooseScenario(d, app: app)
            case .variable, .open:
                app.flash = Flash(Localized(ko: "←→는 매뉴얼·모드·단계 칸에서 씁니다", en: "←→ changes the manual, mode or level"), .info)
            }
        case .select:
            if field == .open { return open(&app, env: env) }
            field = fields[min(fields.count - 1, i + 1)]
        case .openIncident:
            return open(&app, env: env)
        case .back:
            app.navigate(to: .home(HomeScreen()))
        default:
            break
        }
        return []
    }

    /// Checks the form; LIVE asks for the typed word first.
    mutating func open(_ app: inout AppState, env: Environment) -> [Effect] {
        guard let manual = manual(app) else { return [] }
        for v in manual.variables where v.required && (values[v.id]?.trimmed ?? "").isEmpty {
            field = .variable(v.id)
            app.flash = Flash(Localized(ko: "‘\(v.label.ko)’을(를) 입력하세요 (필수)", en: "Fill in ‘\(v.label.en)’ (required)"), .warning)
            return []
        }
        // Typed values: a number in its range, one of the 25 districts, a time, a list entry.
        for v in manual.variables {
            if case .failure(let refusal) = v.validate(values[v.id]?.text ?? "") {
                field = .variable(v.id)
                app.flash = Flash(refusal.message, .warning)
                return []
            }
        }
        if let scenarioID, mode == .drill {
            return Drill.open(scenario: scenarioID, speed: .x1, app: &app, env: env)
        }
        if mode == .live {
            app.prompt = Prompt(.confirmLive, label: Localized(ko: "실제 상황으로 엽니다. LIVE 입력 후 Enter:", en: "Opening a REAL incident. Type LIVE and Enter:"),
                                field: TextField(maxLength: 10), required: true)
            return []
        }
        return opened(&app, env: env)
    }

    public mutating func promptAnswered(_ purpose: Prompt.Purpose, text: String, app: inout AppState, env: Environment) -> [Effect] {
        guard purpose == .confirmLive else { return [] }
        guard text.uppercased() == "LIVE" || text == "실제" else {
            app.flash = Flash(Localized(ko: "LIVE를 입력하지 않아 열지 않았습니다", en: "Not opened: you did not type LIVE"), .warning)
            return []
        }
        return opened(&app, env: env)
    }

    mutating func opened(_ app: inout AppState, env: Environment) -> [Effect] {
        let at = app.now
        let id = env.newIncidentID(manualID, at)
        let vars = journalValues(app)
        let event = IncidentEvent.opened(.init(incident: id, at: at, operator: app.operatorName),
                                         .init(manual: manualID, mode: mode, level: level, variables: vars))
        app.flash = Flash(Localized(ko: "사건을 여는 중… \(id)", en: "Opening \(id)…"))
        return [.appendJournal(event), .follow(incident: id)]
    }

    public func render(_ app: AppState, into c: inout Canvas) {
        Chrome.header(app, into: &c, title: app.t("새 사건 시작", "Start an incident"),
                      right: app.t("근무자 ", "operator ") + app.operatorName + " ")
        guard let manual = manual(app) else { return }
        // The label column fits the longest label (up to a third of the screen); a longer one
        // is cut with `~` and a space always separates it from its value.
        let longest = manual.variables.map { app.t($0.label).displayWidth + 2 }.max() ?? 0
        let labelWidth = max(18, min(longest + 1, c.width / 3))
        var y = 3
        func row(_ f: Field, _ label: String, _ value: String, _ style: Style = .normal, required: Bool = false) {
            let focused = field == f
            c.put(focused ? ">" : " ", x: 1, y: y, style: Chrome.accent(mode))
            c.put(label + (required ? " *" : ""), x: 3, y: y, style: Style(focused ? .title : .dim, bold: focused), maxWidth: labelWidth - 1)
            if case .variable(let id) = f, let field = values[id], focused || !field.text.isEmpty {
                FieldBox.draw(field, x: 3 + labelWidth, y: y, width: Self.fieldWidth(field, c.width - labelWidth - 5), focused: focused, style: style, into: &c)
            } else {
                c.put(value, x: 3 + labelWidth, y: y, style: style, maxWidth: c.width - labelWidth - 5)
            }
            y += 1
        }
        row(.manual, app.t("매뉴얼", "Manual"), "< " + app.t(manual.title) + " >  " + app.t("\(manual.stepCount)단계", "\(manual.stepCount) steps"), Style(.normal, bold: true))
        row(.mode, app.t("모드", "Mode"), mode == .live ? "< LIVE 실제 상황 >" : "< DRILL 훈련 >",
            Style(mode == .live ? .liveBanner : .drillBanner, bold: true))
        if fields(app).contains(.scenario) {
            let chosen = scenarioID.flatMap { id in app.scenarios.first { $0.id == id } }
            row(.scenario, app.t("훈련 시나리오", "Drill scenario"),
                "< " + (chosen.map { app.t($0.title) + " (\($0.injects.count)" + app.t("개 상황)", " injects)") } ?? app.t("없음 (자유 훈련)", "none (free drill)")) + " >",
                Style(chosen == nil ? .dim : .drillAccent, bold: chosen != nil))
        }
        row(.level, app.t("경보 단계", "Alert level"), "< \(level.korean) \(level.english) >", Style(Tone.level(level.rawValue), bold: true))
        let applying = manual.steps(at: level).count
        c.put(app.t("이 단계에서 적용되는 단계: \(applying)/\(manual.stepCount)", "Steps that apply at this level: \(applying) of \(manual.stepCount)"),
              x: 3 + labelWidth, y: y, style: Style(.dim))
        y += 2
        for v in manual.variables {
            for id in Self.fieldIDs(v) {
                let text = values[id]?.text ?? ""
                let english = id != v.id
                let example = english ? nil : v.example
                let shown = text.isEmpty && field != .variable(id) ? (example.map { app.t("예: ", "e.g. ") + $0 } ?? "") : text
                let label = english ? app.t(v.label) + app.t(" (영문)", " (English)") : app.t(v.label)
                row(.variable(id), label, shown, text.isEmpty ? Style(.dim) : Style(.normal, underline: true), required: v.required && !english)
                typeHint(v, id: id, y: y - 1, x: 3 + labelWidth, app: app, into: &c)
            }
        }
        y += 1
        let openLabel = mode == .live ? app.t("[ 실제 사건 열기 (LIVE 확인) ]", "[ Open LIVE incident (type LIVE) ]")
                                      : app.t("[ 훈련 시작 ]", "[ Start the drill ]")
        row(.open, "", openLabel, field == .open ? Chrome.selectionStyle(app) : Chrome.accent(mode))
        y += 1
        if mode == .live {
            c.put(app.t("주의: 실제 상황으로 기록되며 메시지는 실제 채널로 나갑니다.", "Warning: recorded as a real incident; messages go to live channels."),
                  x: 3, y: y, style: Style(.liveAccent, bold: true))
        } else {
            c.put(app.t("훈련: 메시지는 훈련 채널로만, [훈련] 머리말을 달고 나갑니다.", "Drill: messages go to drill channels only, marked as an exercise."),
                  x: 3, y: y, style: Style(.drillAccent))
        }
    }

    /// ←/→ on the scenario field: none, then each scenario of the manual. A scenario brings its
    /// starting level and variables, which stay editable only as a free drill.
    mutating func chooseScenario(_ d: Int, app: AppState) {
        let ids: [String?] = [nil] + Drill.scenarios(for: manualID, in: app).map(\.id)
        let i = ids.firstIndex(of: scenarioID) ?? 0
        let next = ids[(i + d + ids.count) % ids.count]
        leaveScenario()
        guard let scenario = next.flatMap({ id in app.scenarios.first { $0.id == id } }) else { return }
        beforeScenario = Form(level: level, values: values)
        scenarioID = scenario.id
        level = scenario.startLevel
        for (k, v) in scenario.variables where values[k] != nil { values[k]?.text = v }
    }

    /// Drops the scenario and everything it filled in.
    mutating func leaveScenario() {
        if let form = beforeScenario { level = form.level; values = form.values }
        beforeScenario = nil
        scenarioID = nil
    }
}
