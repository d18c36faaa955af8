import HaechiCore

/// The Start screen's typed variables (VariableType in HaechiCore): one field per variable,
/// plus an English one for free text that asks for it; Tab completes a district or a list
/// entry; a value that does not pass its type is named beside the field and stops the opening.
extension StartScreen {
    /// The fields of a variable: its own, and `id.en` when free text wants an English form.
    static func fieldIDs(_ v: IncidentVariable) -> [String] {
        if case .text(english: true) = v.kind { return [v.id, IncidentVariable.englishKey(v.id)] }
        return [v.id]
    }

    func variable(_ fieldID: String, app: AppState) -> IncidentVariable? {
        let base = fieldID.hasSuffix(".en") ? String(fieldID.dropLast(3)) : fieldID
        return manual(app)?.variables.first { $0.id == base }
    }

    /// A typed field is as wide as its longest value allows, so the hint after it stays visible.
    static func fieldWidth(_ field: TextField, _ available: Int) -> Int {
        guard let max = field.maxLength else { return available }
        return min(available, Swift.max(16, max * 2 + (field.counter?.count ?? 0) + 3))
    }

    func completable(_ fieldID: String, app: AppState) -> Bool {
        guard let v = variable(fieldID, app: app), fieldID == v.id else { return false }
        switch v.kind { case .district, .choice: return true; default: return false }
    }

    /// Tab: one candidate fills the field; several fill their common start and are listed.
    mutating func complete(_ fieldID: String, app: inout AppState) {
        guard let v = variable(fieldID, app: app), var value = values[fieldID] else { return }
        let options = v.completions(value.text)
        guard let first = options.first else {
            app.flash = Flash(Localized(ko: "‘\(value.text)’(으)로 시작하는 항목이 없습니다", en: "Nothing starts with ‘\(value.text)’"), .warning)
            return
        }
        if options.count == 1 {
            value.text = first
            app.flash = nil
        } else {
            let common = options.dropFirst().reduce(first) { String(zip($0, $1).prefix { $0 == $1 }.map(\.0)) }
            if common.count > value.text.count { value.text = common }
            app.flash = Flash(Localized(ko: "후보: " + options.joined(separator: ", "), en: "Candidates: " + options.joined(separator: ", ")))
        }
        values[fieldID] = value
    }

    /// What the journal records (Manual.journalVariables): Korean forms under the ids, English
    /// forms under `id.en` where they differ.
    func journalValues(_ app: AppState) -> [String: String] {
        guard let manual = manual(app) else { return [:] }
        var typed: [String: String] = [:], english: [String: String] = [:]
        for v in manual.variables {
            typed[v.id] = values[v.id]?.text
            english[v.id] = values[IncidentVariable.englishKey(v.id)]?.text
        }
        return manual.journalVariables(typed, english: english)
    }

    /// After the field: what the type wants (`cm, 0–300`, `Tab 완성`), or why the value is refused.
    func typeHint(_ v: IncidentVariable, id: String, y: Int, x: Int, app: AppState, into c: inout Canvas) {
        guard id == v.id, let field = values[id] else { return }
        let width = Self.fieldWidth(field, c.width - x - 2)
        let hx = x + width + 1
        guard hx < c.width - 4 else { return }
        if !field.trimmed.isEmpty, case .failure(let refusal) = v.validate(field.text) {
            c.put("✗ " + app.t(refusal.message), x: hx, y: y, style: Style(.error, bold: true), maxWidth: c.width - hx)
            return
        }
        let hint: Localized?
        switch v.kind {
        case .number(let unit, let min, let max):
            let range = (min.map { IncidentVariable.number($0) } ?? "") + (min != nil || max != nil ? "–" : "") + (max.map { IncidentVariable.number($0) } ?? "")
            hint = Localized(ko: "숫자" + (unit.map { " " + $0.ko } ?? "") + (range.isEmpty ? "" : ", " + range),
                             en: "number" + (unit.map { " " + $0.en } ?? "") + (range.isEmpty ? "" : ", " + range))
        case .district:
            let forms = field.trimmed.isEmpty ? nil : (try? v.validate(field.text).get())
            hint = forms.map { Localized(ko: "✓ " + $0.en, en: "✓ " + $0.en) } ?? Localized(ko: "서울 자치구 · Tab 완성", en: "a Seoul district · Tab completes")
        case .time: hint = Localized(ko: "HH:MM (24시간)", en: "HH:MM (24-hour)")
        case .choice(let entries):
            hint = Localized(ko: "Tab: " + entries.map(\.ko).joined(separator: "/"), en: "Tab: " + entries.map(\.en).joined(separator: "/"))
        case .text: hint = nil
        }
        if let hint { c.put(app.t(hint), x: hx, y: y, style: Style(.dim), maxWidth: c.width - hx) }
    }
}
