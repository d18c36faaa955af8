import Foundation
import HaechiCore

/// Compose: one official message, one text per language, its channels and class, a live
/// length meter per channel in that channel's own counting rule, the reasons it cannot be
/// queued yet, and a preview of exactly what will be posted.
///
/// Every rule (placeholders, limits, languages, approval, the 24-hour repeat check, the record
/// itself) is `Compose.check`/`Compose.record` in HaechiCore, shared with `haechi outbox add`;
/// this screen only edits a `ComposeDraft` and shows the check. Queueing is an `.enqueue`
/// effect, and "queued" is said only when `.outboxAppended` comes back (see `OutboxFlow`).
public struct ComposeScreen: ScreenModel {
    public enum Field: Sendable, Hashable { case text(Language), channels, kind }
    public enum Stage: Sendable, Hashable {
        case editing
        /// The record went to the shell; nothing is claimed until it answers.
        case queueing(id: String)
        /// The append failed: nothing was queued; the draft stays for a retry.
        case failed(reason: String)
    }
    /// The id of the last attempt and the draft it carried. Retrying an unchanged draft after a
    /// failure reuses the id: should the failed write have reached the disk after all, the
    /// outbox keeps the first record of an id, so the retry cannot become a second post.
    public struct Attempt: Sendable, Hashable { public var id: String; public var draft: ComposeDraft }

    public var draft: ComposeDraft
    /// The draft as it was opened, so leaving with unsaved typing asks twice.
    public var initial: ComposeDraft
    /// What the message is about: the step's title, "new message" or "correction of …".
    public var title: Localized
    public var focus: Field = .text(.ko)
    public var channelCursor = 0
    public var stage: Stage = .editing
    /// Where the cursor is in each language's text (graphemes); the end when not set.
    public var cursors: [Language: Int] = [:]
    public var attempt: Attempt?
    var discardArmed = false
    public var returnTo: Screen

    public init(draft: ComposeDraft, title: Localized, returnTo: Screen) {
        self.draft = draft; self.initial = draft; self.title = title; self.returnTo = returnTo
    }

    public var wrapped: Screen { .compose(self) }
    public func mode(in app: AppState) -> Mode? { draft.mode }

    static let fields: [Field] = [.text(.ko), .text(.en), .channels, .kind]

    public static let keys = KeyTable(title: Localized(ko: "메시지 작성", en: "Compose message"), [
        KeyBinding([.tab, .down, .enter], .nextField, Localized(ko: "다음 칸 (한국어 → 영어 → 채널 → 종류)", en: "Next field (Korean → English → channels → class)"),
                   hint: Localized(ko: "Tab 칸", en: "Tab field")),
        KeyBinding([.backTab, .up], .previousField, Localized(ko: "이전 칸", en: "Previous field")),
        KeyBinding([.left], .choiceLeft, Localized(ko: "채널: 왼쪽 채널 / 종류: 이전 종류", en: "Channels: previous channel · Class: previous class")),
        KeyBinding([.right], .choiceRight, Localized(ko: "채널: 오른쪽 채널 / 종류: 다음 종류", en: "Channels: next channel · Class: next class")),
        KeyBinding([.char(" ")], .toggleChannel, Localized(ko: "채널 칸에서: 채널 선택/해제", en: "On the channels: choose or drop a channel"),
                   hint: Localized(ko: "Space 채널", en: "Space channel")),
        KeyBinding([.ctrl("o")], .queueMessage,
                   Localized(ko: "발송함에 등록 (실제: 대상 지역명을 입력해 확인 · 훈련: 바로 등록)",
                             en: "Queue in the outbox (LIVE: type the district to confirm · DRILL: at once)"),
                   hint: Localized(ko: "Ctrl-O 등록", en: "Ctrl-O queue")),
        KeyBinding([.escape], .back, Localized(ko: "보내지 않고 돌아가기 (작성 중이면 두 번)", en: "Leave without queueing (twice if you typed)"),
                   hint: Localized(ko: "Esc 나가기", en: "Esc leave")),
    ])

    /// The check the screen shows and queueing obeys, against the outbox as last read.
    public func check(_ app: AppState) -> ComposeCheck {
        // The same zone as every clock on screen (`AppState.timeZone`, the city's), so `{time}`
        // in the text and the header's clock always agree.
        Compose.check(draft, channels: app.channels, now: app.now, timeZone: app.timeZone, history: app.outbox.messages)
    }

    /// The word a LIVE queue is confirmed with (`Compose.liveWord`, shared with the CLI).
    public static func liveWord(_ draft: ComposeDraft) -> String { Compose.liveWord(draft) }

    static func matches(_ typed: String, _ expected: String) -> Bool { Compose.confirms(typed, word: expected) }

    static func isYes(_ text: String) -> Bool {
        ["y", "yes", "예", "네", "ㅛ"].contains(text.trimmingCharacters(in: .whitespaces).lowercased())
    }

    /// Every channel the profile file knows, then any the draft names that it does not (shown,
    /// so the "unknown channel" refusal points at something on screen).
    public func channelList(_ app: AppState) -> [String] {
        app.channels.ids + draft.channels.filter { app.channels[$0] == nil }
    }

    public func capturesText(_ key: Key, app: AppState) -> Bool {
        if case .text = focus { return TextField.isEditingKey(key) }
        return false
    }

    // MARK: editing

    /// The text of one language as an editable field (readline keys, multi-line paste).
    func editor(_ language: Language) -> TextField {
        var field = TextField(draft.text[language], maxLength: 1000, multiline: true)
        if let at = cursors[language] { field.place(cursor: at) }
        return field
    }

    mutating func edited() {
        discardArmed = false
        if case .failed = stage { stage = .editing }
    }

    public mutating func handleUnbound(_ key: Key, app: inout AppState, env: Environment) -> [Effect]? {
        guard case .text(let language) = focus else { return nil }
        var field = editor(language)
        guard let edit = field.edit(key) else { return nil }
        cursors[language] = field.cursor
        app.flash = FieldFeedback.flash(for: edit, field: field)
        if edit == .changed {
            draft.text[language] = field.text
            edited()
        }
        return []
    }

    public mutating func handle(_ command: Command, app: inout AppState, env: Environment) -> [Effect] {
        let list = channelList(app)
        switch command {
        case .nextField, .previousField:
            let i = Self.fields.firstIndex(of: focus) ?? 0
            let n = Self.fields.count
            focus = Self.fields[(i + (command == .nextField ? 1 : n - 1)) % n]
        case .choiceLeft, .choiceRight:
            let d = command == .choiceRight ? 1 : -1
            switch focus {
            case .channels:
                channelCursor = max(0, min(list.count - 1, channelCursor + d))
            case .kind:
                let all = MessageClass.allCases
                let i = (all.firstIndex(of: draft.kind) ?? 0) + d
                draft.kind = all[max(0, min(all.count - 1, i))]
                edited()
            case .text:
                app.flash = Flash(Localized(ko: "글은 끝에서 고칩니다: Backspace 한 글자, Ctrl-W 한 단어, Ctrl-U 전부",
                                            en: "Text is edited at its end: Backspace, Ctrl-W a word, Ctrl-U all"))
            }
        case .toggleChannel:
            guard focus == .channels, let id = list[safe: channelCursor] else { return [] }
            var chosen = Set(draft.channels)
            if !chosen.insert(id).inserted { chosen.remove(id) }
            draft.channels = list.filter(chosen.contains)
            edited()
        case .queueMessage:
            return queue(&app, env: env, repeatConfirmed: false, liveConfirmed: false)
        case .back:
            if draft != initial && !discardArmed {
                discardArmed = true
                app.flash = Flash(Localized(ko: "작성한 내용이 사라집니다. 버리려면 Esc를 한 번 더 누르세요",
                                            en: "You typed something. Press Esc again to throw the draft away"), .warning)
                return []
            }
            app.navigate(to: returnTo)
            app.flash = Flash(Localized(ko: "메시지를 등록하지 않았습니다", en: "Nothing was queued"))
        default:
            break
        }
        return []
    }

    /// The gates, in order: the check's refusals; the 24-hour repeat (a deliberate yes); LIVE
    /// (the typed word). A DRILL passes the last gate with the key alone. Each prompt's answer
    /// comes back here with its gate passed, and the check runs again on the draft as it is then.
    mutating func queue(_ app: inout AppState, env: Environment, repeatConfirmed: Bool, liveConfirmed: Bool) -> [Effect] {
        if case .queueing(let id) = stage {
            app.flash = Flash(Localized(ko: "\(id) 기록 중입니다", en: "Still writing \(id)"), .warning)
            return []
        }
        let check = check(app)
        guard check.canQueue else {
            // Quiet hours alone: ask why it cannot wait (the override is `Compose.check`'s rule).
            if check.onlyQuietHoursStandInTheWay {
                askQuietHoursReason(&app, check: check)
                return []
            }
            // Anything else first: a reason is asked for only once nothing else is in the way.
            let blocking = check.refusals.first { !Self.isQuietHours($0) } ?? check.refusals[0]
            let first = ComposeText.refusal(blocking)
            let more = check.refusals.count > 1 ? " (+\(check.refusals.count - 1))" : ""
            app.flash = Flash(Localized(ko: "등록 불가: " + first.ko + more, en: "Cannot queue: " + first.en + more), .error)
            return []
        }
        // The gates are HaechiCore's (`Compose.gates`, shared with `haechi outbox add`); each
        // prompt's answer comes back here with its gate passed.
        for gate in Compose.gates(draft, check: check) {
            switch gate {
            case .acknowledgeRepeat(let warning) where !repeatConfirmed:
                let at = Format.time(warning.sent, app.timeZone)
                app.prompt = Prompt(.confirmRepeat,
                                    label: Localized(ko: "24시간 안에 \(warning.district)에 같은 재난 메시지(\(warning.previous), \(at))가 있습니다. 그래도 등록하려면 y:",
                                                     en: "Already sent to \(warning.district) within 24 h (\(warning.previous) at \(at)). Type y to queue anyway:"),
                                    field: TextField(maxLength: 10), required: true)
                return []
            case .confirmLive(let word) where !liveConfirmed:
                app.prompt = Prompt(.confirmLiveMessage(expected: word),
                                    label: Localized(ko: "실제 발송 — 시민에게 게시됩니다. 확인하려면 ‘\(word)’ 입력:",
                                                     en: "LIVE: this goes to the public. To confirm, type ‘\(word)’:"),
                                    field: TextField(maxLength: 40), required: true)
                return []
            default:
                continue
            }
        }
        let id = attempt.flatMap { $0.draft == draft ? $0.id : nil } ?? env.newMessageID(app.now)
        guard let record = Compose.record(draft, check: check, id: id, operator: app.operatorName, created: app.now) else { return [] }
        attempt = Attempt(id: id, draft: draft)
        stage = .queueing(id: id)
        app.flash = Flash(Localized(ko: "발송함에 기록 중… \(id)", en: "Writing \(id) to the outbox…"))
        return [.enqueue(record)]
    }

    static func isQuietHours(_ r: ComposeRefusal) -> Bool {
        switch r { case .quietHours, .quietHoursReasonEmpty: true; default: false }
    }

    /// The reason field, with why it is asked on the line below (the hints line while a prompt is open).
    mutating func askQuietHoursReason(_ app: inout AppState, check: ComposeCheck) {
        let why = check.refusals.first { if case .quietHours = $0 { true } else { false } } ?? check.refusals[0]
        let text = ComposeText.refusal(why)
        app.prompt = Prompt(.quietHoursReason,
                            label: Localized(ko: "심야 발송 사유 (기록에 남음):", en: "Reason to send in quiet hours (recorded):"),
                            field: TextField(maxLength: 200), required: false)
        app.flash = Flash(Localized(ko: text.ko, en: text.en), .warning)
    }

    public mutating func promptAnswered(_ purpose: Prompt.Purpose, text: String, app: inout AppState, env: Environment) -> [Effect] {
        switch purpose {
        case .quietHoursReason:
            draft.quietHoursOverride = text
            let checked = check(app)
            if checked.refusals.contains(.quietHoursReasonEmpty) {
                // Never taken as "no reason needed": asked again, with what was wrong.
                draft.quietHoursOverride = nil
                askQuietHoursReason(&app, check: check(app))
                app.flash = Flash(ComposeText.refusal(.quietHoursReasonEmpty), .error)
                return []
            }
            return queue(&app, env: env, repeatConfirmed: false, liveConfirmed: false)
        case .confirmRepeat:
            guard Self.isYes(text) else {
                app.flash = Flash(Localized(ko: "등록하지 않았습니다", en: "Not queued"), .warning)
                return []
            }
            return queue(&app, env: env, repeatConfirmed: true, liveConfirmed: false)
        case .confirmLiveMessage(let expected):
            guard Self.matches(text, expected) else {
                app.flash = Flash(Localized(ko: "등록 안 됨: ‘\(expected)’가 아니라 ‘\(text)’를 입력했습니다",
                                            en: "NOT queued: you typed ‘\(text)’, not ‘\(expected)’"), .warning)
                return []
            }
            return queue(&app, env: env, repeatConfirmed: true, liveConfirmed: true)
        default:
            return []
        }
    }

    // MARK: opening

    /// `m` on the checklist: the selected step's template with the incident's variables.
    static func fromStep(_ step: Step, manual: Manual, incident: Incident, number: String, returnTo: Screen) -> ComposeScreen? {
        guard let template = step.message else { return nil }
        let draft = ComposeDraft(template: template, manual: manual, step: step, mode: incident.mode, incident: incident.id,
                                 variables: incident.variables, level: incident.level)
        return ComposeScreen(draft: draft, title: Localized(ko: "\(number) \(step.title.ko)", en: "\(number) \(step.title.en)"),
                             returnTo: returnTo)
    }

    /// `M` on the checklist: a blank message of the incident. No channel is pre-chosen: where a
    /// free-form message goes is a decision, not a default.
    static func freeForm(manual: Manual, incident: Incident, returnTo: Screen) -> ComposeScreen {
        let draft = ComposeDraft(source: .freeForm, mode: incident.mode, kind: .info, channels: [], text: Localized(ko: "", en: ""),
                                 incident: incident.id, manual: manual.id, variables: incident.variables, level: incident.level,
                                 cap: manual.cap)   // a free-form message is still about this disaster type (issue 12)
        return ComposeScreen(draft: draft, title: Localized(ko: "새 메시지", en: "New message"), returnTo: returnTo)
    }

    /// `c` on the outbox: the correction of a delivered message, prefilled in every language.
    static func correction(of original: OutboxMessage, returnTo: Screen) -> ComposeScreen {
        ComposeScreen(draft: ComposeDraft(correcting: original),
                      title: Localized(ko: "정정: \(original.id)", en: "Correction of \(original.id)"), returnTo: returnTo)
    }

    // MARK: render

    public func render(_ app: AppState, into c: inout Canvas) {
        let check = check(app)
        Chrome.header(app, into: &c, title: app.t("메시지 작성 · ", "Compose · ") + app.t(title),
                      right: app.t("근무자 ", "operator ") + app.operatorName + " ")
        var y = 2
        let bottom = c.height - 3
        let labelWidth = 9
        let x0 = labelWidth + 1
        let fieldWidth = c.width - x0 - 1
        let select = Chrome.selectionStyle(app)

        // What Ctrl-O will do, in the mode's colour: never a surprise.
        if draft.mode == .live {
            c.fill(x: 0, y: y, width: c.width, height: 1, style: Style(.liveBanner, bold: true))
            c.put(app.t(" 실제 발송: 등록하면 시민에게 게시됩니다 · Ctrl-O 후 ‘\(Self.liveWord(draft))’ 입력으로 확인",
                        " LIVE: queued messages go to the public · Ctrl-O, then type ‘\(Self.liveWord(draft))’"),
                  x: 0, y: y, style: Style(.liveBanner, bold: true))
        } else {
            c.put(app.t(" 훈련 메시지: 훈련 채널로만, 앞에 [훈련] 표시 · Ctrl-O 한 번으로 등록",
                        " DRILL message: drill channels only, marked [DRILL] · Ctrl-O queues it"),
                  x: 0, y: y, style: Style(.drillAccent, bold: true))
        }
        y += 1

        func label(_ text: String, _ field: Field?, y: Int) {
            let focused = field == focus
            c.put(" " + text.padded(to: labelWidth - 1), x: 0, y: y, style: focused ? select : Style(.title, bold: true))
        }

        // Class, with what it implies for approval.
        label(app.t("종류", "Class"), .kind, y: y)
        var x = c.put("< \(draft.kind.korean) \(draft.kind.rawValue) >", x: x0, y: y, style: focus == .kind ? Style(.normal, bold: true, underline: true) : .normal)
        if check.needsApproval {
            c.put(app.t("  승인 필요: 다른 근무자가 승인해야 발송", "  needs approval by another operator"), x: x, y: y, style: Style(.warning, bold: true))
        }
        y += 1

        // Channels: every known one, chosen ones ticked; the cursor when the field has focus.
        label(app.t("채널", "Channels"), .channels, y: y)
        x = x0
        for (i, id) in channelList(app).enumerated() {
            let cell = (draft.channels.contains(id) ? "[x] " : "[ ] ") + id
            if x + cell.displayWidth > c.width - 1 { y += 1; x = x0 }
            let style: Style = focus == .channels && i == channelCursor ? select
                : (app.channels[id] == nil ? Style(.error) : (draft.channels.contains(id) ? Style(.normal, bold: true) : Style(.dim)))
            x = c.put(cell, x: x, y: y, style: style) + 2
        }
        y += 1

        // The texts, with the placeholders as typed; the tail stays visible while typing.
        let maxTextLines = max(2, (c.height - 16) / 2)
        for language in Language.allCases {
            label(language == .ko ? app.t("한국어", "Korean") : app.t("영어", "English"), .text(language), y: y)
            let text = draft.text[language]
            if text.isEmpty {
                c.put(app.t("(비어 있음: 이 언어는 게시하지 않음)", "(empty: not posted in this language)"), x: x0, y: y, style: Style(.dim))
                if focus == .text(language) { c.cursor = (x0, y) }
                y += 1
                continue
            }
            var lines = text.wrapped(to: fieldWidth)
            if lines.isEmpty { lines = [""] }
            // The lines around the cursor stay visible (the tail while typing at the end).
            let at = editor(language).cursorPosition(inWrapped: lines)
            let first = max(0, min(lines.count - maxTextLines, at.line - maxTextLines + 1))
            let shown = Array(lines[first..<min(lines.count, first + maxTextLines)])
            for (i, line) in shown.enumerated() {
                let cut = i == 0 && first > 0
                c.put((cut ? "…" : "") + line, x: x0, y: y, style: .normal, maxWidth: fieldWidth + 1)
                if first + i == at.line, focus == .text(language) { c.cursor = (min(x0 + at.column, c.width - 1), y) }
                y += 1
            }
        }

        // Length per channel and language, each in its own rule; red when over.
        label(app.t("길이", "Length"), nil, y: y)
        x = x0
        if check.meters.isEmpty {
            c.put("–", x: x, y: y, style: Style(.dim))
        }
        for channel in Self.unique(draft.channels) {
            let meters = check.meters.filter { $0.channel == channel }
            guard !meters.isEmpty else { continue }
            let width = channel.count + meters.reduce(0) { $0 + 1 + Self.meterText($1).count }
            if x > x0, x + width > c.width - 1 { y += 1; x = x0 }
            x = c.put(channel, x: x, y: y, style: Style(.dim))
            for m in meters {
                x = c.put(" " + Self.meterText(m), x: x, y: y, style: m.isOver ? Style(.error, bold: true) : .normal)
            }
            x += 2
        }
        y += 1

        // Why it cannot be queued yet, the repeat warning, and a failed append: in words.
        var notes: [(String, Style)] = []
        if case .failed(let reason) = stage {
            notes.append((app.t("등록 안 됨 (NOT queued): ", "NOT queued: ") + reason + app.t(" — 작성 내용 유지, Ctrl-O 다시", " — draft kept, Ctrl-O to retry"),
                          Style(.error, bold: true)))
        }
        // As many refusals as leave room for a few preview lines; the rest are counted.
        let room = max(3, bottom - y - 4 - check.warnings.prefix(2).count)
        let shown = check.refusals.count > room ? room - 1 : room
        for r in check.refusals.prefix(shown) { notes.append(("* " + app.t(ComposeText.refusal(r)), Style(.error))) }
        if check.refusals.count > shown {
            notes.append((app.t("  …외 \(check.refusals.count - shown)건", "  …and \(check.refusals.count - shown) more"), Style(.error)))
        }
        for w in check.warnings.prefix(2) { notes.append(("! " + app.t(ComposeText.warning(w, app.timeZone)), Style(.warning, bold: true))) }
        if let quiet = check.quietHoursOverride {
            notes.append(("! " + app.t("심야 발송 예외 (\(quiet.channels.joined(separator: ", "))): \(quiet.reason)",
                                       "Quiet hours overridden (\(quiet.channels.joined(separator: ", "))): \(quiet.reason)"), Style(.warning, bold: true)))
        }
        for (text, style) in notes where y <= bottom {
            c.put(text, x: 1, y: y, style: style, maxWidth: c.width - 2)
            y += 1
        }

        // Exactly what will be posted, per language, with the channels that post it.
        guard y + 1 <= bottom else { return }
        c.hline(y: y)
        c.put(app.t(" 미리보기: 게시될 글 그대로 ", " Preview: exactly what is posted "), x: 2, y: y, style: Style(.title, bold: true))
        y += 1
        for language in Language.allCases where !check.posted[language].isEmpty {
            let channels = check.posts.filter { $0.language == language }.map(\.channel)
            guard y <= bottom else { break }
            let head = language.rawValue + " → " + (channels.isEmpty ? app.t("(게시 채널 없음)", "(no channel posts it)") : channels.joined(separator: ", "))
            c.put(head, x: 1, y: y, style: Style(.dim), maxWidth: c.width - 2)
            y += 1
            for line in check.posted[language].wrapped(to: c.width - 4) {
                guard y <= bottom else { break }
                c.put(line, x: 3, y: y)
                y += 1
            }
        }
    }

    static func unique(_ ids: [String]) -> [String] {
        var seen = Set<String>()
        return ids.filter { seen.insert($0).inserted }
    }

    /// `ko 62/280`: the numbers in the channel's own unit.
    static func meterText(_ m: LengthMeter) -> String { "\(m.language.rawValue) \(m.count)/\(m.limit)" }
}

/// The compose check's findings in both display languages. The rules and their English
/// wording live in HaechiCore; this only says the same thing in Korean for the desk.
public enum ComposeText {
    static func korean(_ l: Language) -> String { l == .ko ? "한국어" : "영어" }

    public static func refusal(_ r: ComposeRefusal) -> Localized {
        switch r {
        case .noChannel:
            return Localized(ko: "채널을 하나 이상 고르세요", en: r.description)
        case .unknownChannel(let id):
            return Localized(ko: "알 수 없는 채널 ‘\(id)’ (channels.yaml에 없음)", en: r.description)
        case .noText:
            return Localized(ko: "글이 비어 있습니다", en: r.description)
        case .overLimit(let channel, let language, let count, let limit, _):
            return Localized(ko: "\(korean(language)) 글이 \(channel) 한도를 \(count - limit) 넘음 (\(count)/\(limit))", en: r.description)
        case .unfilledPlaceholder(let name, let language):
            return Localized(ko: "\(korean(language)) 글의 {\(name)}이(가) 채워지지 않음 (사건 변수 ‘\(name)’ 없음)", en: r.description)
        case .missingLanguage(let channel, let language):
            return Localized(ko: "\(channel) 채널은 \(korean(language))로도 게시하는데 \(korean(language)) 글이 비어 있음", en: r.description)
        case .quietHours(let channel, let hours):
            return Localized(ko: "\(channel)는 \(hours) 긴급하지 않은 문자 불가: 나중에 또는 Ctrl-O 후 사유 입력",
                             en: "\(channel) carries no non-urgent texts \(hours) (quiet hours): send it later, or Ctrl-O and type why it cannot wait")
        case .quietHoursReasonEmpty:
            return Localized(ko: "사유가 비어 있습니다: 이 문자를 지금 보내야 하는 이유를 입력하세요 (발송함 기록과 사건 기록에 남음)", en: r.description)
        case .languageNotCarried(let language, let channels):
            return Localized(ko: "\(korean(language)) 글은 어디에도 게시되지 않음: 고른 채널(\(channels.joined(separator: ", ")))은 \(korean(language))로 게시하지 않습니다. 지우거나 채널을 고르세요",
                             en: r.description)
        case .controlCharacter(let language, let position, let scalar):
            return Localized(ko: "\(korean(language)) 글 \(position)번째 글자에 제어 문자 \(String(format: "U+%04X", scalar)) (제어·이스케이프·양방향 문자 금지)",
                             en: r.description)
        case .controlCharacterInVariable(let name, let scalar):
            return Localized(ko: "사건 변수 ‘\(name)’에 제어 문자 \(String(format: "U+%04X", scalar)) (제어·이스케이프·양방향 문자 금지)",
                             en: r.description)
        }
    }

    public static func warning(_ w: RepeatWarning, _ zone: TimeZone) -> Localized {
        let at = Format.time(w.sent, zone)
        return Localized(ko: "24시간 안에 같은 재난(\(w.manual))을 \(w.district)에 보낸 메시지 \(w.previous) (\(at))가 있습니다",
                         en: "\(w.previous) for the same disaster (\(w.manual)) to \(w.district) was queued at \(at), within 24 h")
    }
}
