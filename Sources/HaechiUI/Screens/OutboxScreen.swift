import Foundation
import HaechiCore

/// Outbox: every message of the incident (or of every incident, `f`), newest first, with its
/// state per channel and language as the sender's ledger says, refreshed by the shell about
/// once a second. From here another operator approves (`a`), anyone cancels what is not yet
/// delivered (`x`), and a delivered message is corrected with one key (`c`).
///
/// The approve and cancel rules are `OutboxRules` (shared with `haechi outbox approve/cancel`);
/// the screen asks, shows the refusal in words, and emits the record as an `.enqueue`.
public struct OutboxScreen: ScreenModel {
    public enum Filter: Sendable, Hashable { case incident(String), all }
    public var filter: Filter
    /// The incident the screen was opened from, if any (the filter can go back to it).
    public var incident: String?
    /// By id, so the selection stays on its message as new ones arrive above it.
    public var selected: String?
    public var scroll = 0
    public var returnTo: Screen

    public init(incident: String?, returnTo: Screen) {
        self.incident = incident
        self.filter = incident.map { .incident($0) } ?? .all
        self.returnTo = returnTo
    }

    public var wrapped: Screen { .outbox(self) }

    /// The incident's colours while showing only its messages; neutral over all of them, where
    /// each row carries its own LIVE/DRILL mark.
    public func mode(in app: AppState) -> Mode? {
        guard case .incident(let id) = filter else { return nil }
        if let incident = app.incident, incident.id == id { return incident.mode }
        return app.outbox.messages.first { $0.message.incident == id }?.message.mode
    }

    public static let keys = KeyTable(title: Localized(ko: "발송함", en: "Outbox"), [
        KeyBinding([.up, .char("k")], .moveUp, Localized(ko: "이전 메시지", en: "Previous message")),
        KeyBinding([.down, .char("j")], .moveDown, Localized(ko: "다음 메시지", en: "Next message")),
        KeyBinding([.pageUp], .pageUp, Localized(ko: "한 쪽 위로", en: "Page up")),
        KeyBinding([.pageDown], .pageDown, Localized(ko: "한 쪽 아래로", en: "Page down")),
        KeyBinding([.char("a")], .approveMessage, Localized(ko: "승인 (다른 근무자의 실제 메시지만; 지역명 입력으로 확인)",
                                                            en: "Approve (another operator's LIVE message; type the district to confirm)"),
                   hint: Localized(ko: "a 승인", en: "a approve")),
        KeyBinding([.char("x")], .cancelMessage, Localized(ko: "발송 취소 (아직 전달되지 않은 채널; 사유 입력)", en: "Cancel what is not yet delivered (asks for a reason)"),
                   hint: Localized(ko: "x 취소", en: "x cancel")),
        KeyBinding([.char("c")], .correctMessage, Localized(ko: "정정 메시지 작성 (전달된 메시지, 모든 언어로 미리 채움)",
                                                            en: "Correct a delivered message (prefilled in every language)"),
                   hint: Localized(ko: "c 정정", en: "c correct")),
        KeyBinding([.char("f")], .toggleOutboxFilter, Localized(ko: "이 사건만 / 전체 메시지", en: "This incident only / all messages"),
                   hint: Localized(ko: "f 전체", en: "f filter")),
        KeyBinding([.char("q"), .escape], .back, Localized(ko: "돌아가기", en: "Back"), hint: Localized(ko: "q 돌아가기", en: "q back")),
    ])

    /// The listed messages, newest first.
    public func visible(_ app: AppState) -> [MessageStatus] {
        let all = app.outbox.messages.reversed()
        switch filter {
        case .all: return Array(all)
        case .incident(let id): return all.filter { $0.message.incident == id }
        }
    }

    func selectedIndex(_ list: [MessageStatus]) -> Int? {
        selected.flatMap { id in list.firstIndex { $0.id == id } } ?? (list.isEmpty ? nil : 0)
    }

    func listHeight(_ app: AppState) -> Int { max(3, (app.height - 7) * 2 / 5) }

    public mutating func incidentChanged(app: AppState) {
        let list = visible(app)
        selected = selectedIndex(list).map { list[$0].id }
        if let i = selectedIndex(list) { scroll = keepVisible(selected: i, scroll: scroll, visible: listHeight(app), count: list.count) }
        // Journal lines keep arriving underneath; the checklist must follow them.
        if case .checklist(var s) = returnTo { s.incidentChanged(app: app); returnTo = .checklist(s) }
    }

    public mutating func handle(_ command: Command, app: inout AppState, env: Environment) -> [Effect] {
        let list = visible(app)
        let index = selectedIndex(list) ?? 0
        func move(_ to: Int) {
            guard !list.isEmpty else { return }
            let i = max(0, min(list.count - 1, to))
            selected = list[i].id
            scroll = keepVisible(selected: i, scroll: scroll, visible: listHeight(app), count: list.count)
        }
        let page = max(1, listHeight(app) - 1)
        switch command {
        case .moveUp: move(index - 1)
        case .moveDown: move(index + 1)
        case .pageUp: move(index - page)
        case .pageDown: move(index + page)
        case .back: app.navigate(to: returnTo)
        case .toggleOutboxFilter:
            guard let incident else {
                app.flash = Flash(Localized(ko: "사건에서 열지 않아 전체 메시지만 보입니다", en: "Opened outside an incident: showing all messages"))
                return []
            }
            filter = filter == .all ? .incident(incident) : .all
            scroll = 0
            incidentChanged(app: app)
        case .approveMessage, .cancelMessage, .correctMessage:
            guard let status = list[safe: index] else {
                app.flash = Flash(Localized(ko: "메시지가 없습니다", en: "No message here"), .warning)
                return []
            }
            return act(command, on: status, app: &app)
        default: break
        }
        return []
    }

    mutating func act(_ command: Command, on status: MessageStatus, app: inout AppState) -> [Effect] {
        let id = status.id
        switch command {
        case .approveMessage:
            switch OutboxRules.approve(status, id: id, by: app.operatorName, at: app.now) {
            case .failure(let refusal):
                app.flash = Flash(OutboxText.refusal(refusal, verb: .approve), .error)
            case .success(let record):
                // Approving a LIVE message is what sends it: the same typed word as queueing.
                guard status.message.mode == .live else { return [.enqueue(record)] }
                let word = status.message.district ?? "LIVE"
                app.prompt = Prompt(.confirmApprove(message: id, expected: word),
                                    label: Localized(ko: "승인하면 \(id)가 시민에게 게시됩니다. 확인하려면 ‘\(word)’ 입력:",
                                                     en: "Approving posts \(id) to the public. To confirm, type ‘\(word)’:"),
                                    field: TextField(maxLength: 40), required: true)
            }
        case .cancelMessage:
            switch OutboxRules.cancel(status, id: id, by: app.operatorName, at: app.now, reason: "") {
            case .failure(let refusal):
                app.flash = Flash(OutboxText.refusal(refusal, verb: .cancel), .error)
            case .success:
                app.prompt = Prompt(.cancelReason(message: id),
                                    label: Localized(ko: "\(id) 발송 취소 사유 (Esc: 취소하지 않음):", en: "Why cancel \(id)? (Esc keeps it):"),
                                    field: TextField(maxLength: 300), required: true)
            }
        case .correctMessage:
            // Something may be out there: delivered, or posted with no answer. Otherwise there is
            // nothing to correct, and cancelling is the right act.
            let out = status.states.contains { s in
                if case .unknown = s.state { return true }
                return s.state.isDelivered
            }
            guard out else {
                app.flash = Flash(Localized(ko: "\(id)는 아직 전달되지 않았습니다. 보내지 말아야 하면 x로 취소하세요",
                                            en: "\(id) is not delivered anywhere yet. To stop it, cancel it with x"), .warning)
                return []
            }
            app.navigate(to: .compose(ComposeScreen.correction(of: status.message, returnTo: .outbox(self))))
            app.flash = Flash(Localized(ko: "정정 메시지: 원문을 고치고 Ctrl-O", en: "Correction: edit the text, then Ctrl-O"))
        default: break
        }
        return []
    }

    public mutating func promptAnswered(_ purpose: Prompt.Purpose, text: String, app: inout AppState, env: Environment) -> [Effect] {
        switch purpose {
        case .confirmApprove(let id, let expected):
            guard ComposeScreen.matches(text, expected) else {
                app.flash = Flash(Localized(ko: "승인 안 됨: ‘\(expected)’가 아니라 ‘\(text)’를 입력했습니다",
                                            en: "NOT approved: you typed ‘\(text)’, not ‘\(expected)’"), .warning)
                return []
            }
            // The outbox may have moved on while the officer typed: ask the rule again.
            switch OutboxRules.approve(app.outbox[id], id: id, by: app.operatorName, at: app.now) {
            case .failure(let refusal): app.flash = Flash(OutboxText.refusal(refusal, verb: .approve), .error)
            case .success(let record):
                app.flash = Flash(Localized(ko: "승인 기록 중… \(id)", en: "Writing the approval of \(id)…"))
                return [.enqueue(record)]
            }
        case .cancelReason(let id):
            switch OutboxRules.cancel(app.outbox[id], id: id, by: app.operatorName, at: app.now, reason: text) {
            case .failure(let refusal): app.flash = Flash(OutboxText.refusal(refusal, verb: .cancel), .error)
            case .success(let record):
                app.flash = Flash(Localized(ko: "취소 기록 중… \(id)", en: "Writing the cancel of \(id)…"))
                return [.enqueue(record)]
            }
        default: break
        }
        return []
    }

    // MARK: render

    public func render(_ app: AppState, into c: inout Canvas) {
        let list = visible(app)
        let scope = filter == .all ? app.t("전체", "all messages") : app.t("이 사건", "this incident")
        Chrome.header(app, into: &c, title: app.t("발송함 · ", "Outbox · ") + scope + " (\(list.count))",
                      right: app.outbox.loadedAt.map { app.t("갱신 ", "read ") + OutboxText.seconds($0, app.timeZone) + " " } ?? "")

        // Row 2: the counts Home shows, and unreadable lines if any.
        let n = app.outbox.counts
        var x = c.put(app.t(" 대기 \(n.queued) · 승인 대기 \(n.awaitingApproval) · ", " queued \(n.queued) · awaiting approval \(n.awaitingApproval) · "),
                      x: 0, y: 2, style: Style(.dim))
        x = c.put(app.t("실패 \(n.failed)", "failed \(n.failed)"), x: x, y: 2, style: n.failed > 0 ? Style(.error, bold: true) : Style(.dim))
        x = c.put(app.t(" · 전달 \(n.delivered)", " · delivered \(n.delivered)"), x: x, y: 2, style: Style(.dim))
        let sender = OutboxText.sender(app.status.sender, app)
        x = c.put("  " + sender.0, x: x, y: 2, style: sender.1)
        if !app.outbox.problems.isEmpty {
            c.put(app.t("  읽을 수 없는 줄 \(app.outbox.problems.count)개", "  \(app.outbox.problems.count) unreadable line(s)"),
                  x: x, y: 2, style: Style(.warning, bold: true))
        }

        let top = 3
        let height = listHeight(app)
        if list.isEmpty {
            c.put(app.t("메시지가 없습니다. 체크리스트에서 m(단계 템플릿) 또는 M(새 메시지)으로 작성합니다.",
                        "No messages. On the checklist, m composes from a step's template and M a new one."),
                  x: 2, y: top, style: Style(.dim), maxWidth: c.width - 3)
        }
        let sel = selectedIndex(list)
        let start = max(0, min(scroll, max(0, list.count - height)))
        for (r, status) in list.dropFirst(start).prefix(height).enumerated() {
            drawRow(status, selected: start + r == sel, app: app, y: top + r, into: &c)
        }
        if list.count > height {
            let pos = "\(start + 1)-\(min(list.count, start + height))/\(list.count)"
            c.put(pos, x: c.width - pos.count - 1, y: top + height - 1, style: Style(.dim))
        }

        c.hline(y: top + height)
        guard let sel else { return }
        let lines = details(list[sel], app: app, width: c.width - 2).flatMap { Self.wrap($0, width: c.width - 2) }
        let detailTop = top + height + 1
        for (i, line) in lines.prefix(c.height - 2 - detailTop).enumerated() {
            var lx = 1
            for (text, style) in line { lx = c.put(text, x: lx, y: detailTop + i, style: style, maxWidth: c.width - 1 - lx) }
        }
    }

    /// A details line that does not fit: its last part (a list of posts, a reason) goes on
    /// below, indented, rather than being cut off.
    static func wrap(_ line: [(String, Style)], width: Int, indent: Int = 4) -> [[(String, Style)]] {
        guard let last = line.last, line.reduce(0, { $0 + $1.0.displayWidth }) > width else { return [line] }
        let head = line.dropLast()
        let used = head.reduce(0) { $0 + $1.0.displayWidth }
        guard width - used >= 10 else { return [line] }
        let first = last.0.wrapped(to: width - used)
        guard let firstLine = first.first else { return [line] }
        let rest = first.dropFirst().joined(separator: " ").wrapped(to: width - indent)
        let pad = String(repeating: " ", count: indent)
        return [Array(head) + [(firstLine, last.1)]] + rest.map { [(pad + $0, last.1)] }
    }

    /// `>03:05:12 DRILL 긴급     승인 대기      [훈련] [서울시] 마포구 지진 발생…`
    func drawRow(_ s: MessageStatus, selected: Bool, app: AppState, y: Int, into c: inout Canvas) {
        let m = s.message
        let summary = OutboxSummary.of(s)
        let base: Style = selected ? Chrome.selectionStyle(app) : .normal
        if selected { c.fill(x: 0, y: y, width: c.width, height: 1, style: base) }
        var x = c.put((selected ? ">" : " ") + OutboxText.seconds(m.created, app.timeZone) + " ", x: 0, y: y, style: base)
        x = c.put(m.mode == .live ? " LIVE" : "DRILL", x: x, y: y,
                  style: selected ? base : Style(m.mode == .live ? .liveAccent : .drillAccent, bold: true)) + 1
        x = c.put((s.isCorrection ? app.t("정정", "correct") : app.t(m.kind.korean, m.kind.rawValue)).padded(to: 9), x: x, y: y,
                  style: selected ? base : Style(.dim)) + 1
        x = c.put(app.t(summary.text).padded(to: 17), x: x, y: y, style: selected ? base : Style(summary.tone, bold: summary == .failed)) + 1
        let text = m.text[app.language].isEmpty ? m.text[app.language == .ko ? .en : .ko] : m.text[app.language]
        c.put(text, x: x, y: y, style: base, maxWidth: c.width - x - 1)
    }

    /// The selected message: who, when, approval, cancel, corrections, each post's state, texts.
    func details(_ s: MessageStatus, app: AppState, width: Int) -> [[(String, Style)]] {
        let m = s.message
        var out: [[(String, Style)]] = []
        out.append([(m.id, Style(.title, bold: true)),
                    ("  \(m.mode == .live ? "LIVE" : "DRILL") · \(m.kind.korean) \(m.kind.rawValue) · \(m.operator) \(OutboxText.seconds(m.created, app.timeZone))",
                     Style(.dim))])
        var about: [String] = []
        if let step = m.step { about.append(app.t("단계 ", "step ") + step) }
        if let district = m.district { about.append(district) }
        if let original = m.corrects { about.append(app.t("정정 대상 ", "corrects ") + original) }
        if !s.correctedBy.isEmpty { about.append(app.t("정정됨 → ", "corrected by ") + s.correctedBy.joined(separator: ", ")) }
        if !about.isEmpty { out.append([(about.joined(separator: " · "), Style(.dim))]) }
        if m.needsApproval {
            if let a = s.approval {
                out.append([(app.t("승인: \(a.by) ", "Approved by \(a.by) at ") + OutboxText.seconds(a.at, app.timeZone), Style(.ok))])
            } else if !s.isCancelled {
                out.append([(app.t("승인 대기: 다른 근무자가 a로 승인 (본인 불가) · ", "Awaiting approval: another operator presses a (not \(m.operator)) · "),
                             Style(.warning, bold: true)), ("haechi outbox approve \(m.id)", Style(.warning))])
            }
        }
        if let cancel = s.cancel {
            out.append([(app.t("취소: ", "Cancelled by ") + "\(cancel.by) \(OutboxText.seconds(cancel.at, app.timeZone))"
                         + (cancel.reason.isEmpty ? "" : " — \(cancel.reason)"), Style(.skipped, bold: true))])
        }
        // Posts that carry their own facts (a remote id, a retry time, a reason) get a line each;
        // plain waiting states are one line listing their posts, so sixteen queued posts do
        // not push the texts off the screen.
        let targetWidth = max(12, s.targets.map { $0.description.count }.max() ?? 0)
        var grouped: [DeliveryState: [DeliveryTarget]] = [:]
        var order: [DeliveryState] = []
        for (target, state) in s.states {
            switch state {
            case .queued, .awaitingApproval, .cancelled:
                if grouped[state] == nil { order.append(state) }
                grouped[state, default: []].append(target)
            default:
                let t = OutboxText.state(state, app)
                out.append([("  " + target.description.padded(to: targetWidth) + " ", Style(.dim)), (t.0, t.1)])
            }
        }
        for state in order {
            let t = OutboxText.state(state, app)
            let targets = grouped[state]!.map(\.description).joined(separator: " ")
            out.append([("  " + t.0 + ": ", t.1), (targets, Style(.dim))])
        }
        // The stored posts' texts, exactly as they go out, with the channels that post each.
        var texts: [(text: String, language: Language, channels: [String])] = []
        for post in s.posts {
            if let i = texts.firstIndex(where: { $0.text == post.text && $0.language == post.language }) {
                texts[i].channels.append(post.channel)
            } else {
                texts.append((post.text, post.language, [post.channel]))
            }
        }
        for t in texts {
            let lines = (t.language.rawValue + " → " + t.channels.joined(separator: ",") + ": " + t.text).wrapped(to: width)
            for line in lines.prefix(3) { out.append([(line, .normal)]) }
        }
        return out
    }
}

/// Outbox words in both display languages: states with times in the desk's zone, the sender
/// line, and the approve/cancel refusals (their English is HaechiCore's own wording).
public enum OutboxText {
    public enum Verb { case approve, cancel }

    /// `03:05:12` in the desk's time zone: retries are minutes apart, seconds matter.
    public static func seconds(_ date: Date, _ zone: TimeZone) -> String {
        let c = Format.components(date, zone)
        return String(format: "%02d:%02d:%02d", c.hour ?? 0, c.minute ?? 0, c.second ?? 0)
    }

    public static func state(_ state: DeliveryState, _ app: AppState) -> (String, Style) {
        let z = app.timeZone
        func why(_ r: String?) -> String { r.map { " (\($0))" } ?? "" }
        switch state {
        case .awaitingApproval:
            return (app.t("승인 대기", "awaiting approval"), Style(.warning, bold: true))
        case .queued:
            return (app.t("대기 (발송기 차례)", "queued"), Style(.inProgress))
        case .sending(let attempt, let since):
            let n = attempt.map { app.t(" \($0)번째 시도", " attempt \($0)") } ?? ""
            return (app.t("발송 중", "sending") + n + " " + seconds(since, z), Style(.inProgress, bold: true))
        case .delivered(let remote, let at):
            return (app.t("전달됨 ", "delivered ") + seconds(at, z) + (remote.map { "  id \($0)" } ?? ""), Style(.ok))
        case .retrying(let next, let reason):
            let when = next.map { app.t(" \(seconds($0, z))", " at \(seconds($0, z))") } ?? ""
            return (app.t("재시도 예정", "retrying") + when + why(reason), Style(.warning))
        case .dead(let reason):
            return (app.t("실패", "DEAD") + why(reason), Style(.error, bold: true))
        case .cancelled:
            return (app.t("취소됨", "cancelled"), Style(.skipped))
        case .unknown(let reason):
            return (app.t("결과 불명 — 다시 게시하지 않음, 채널에서 직접 확인", "outcome unknown: not re-posted blind, check the channel") + why(reason),
                    Style(.error, bold: true))
        }
    }

    public static func sender(_ sender: StatusSummary.Sender, _ app: AppState) -> (String, Style) {
        switch sender {
        case .unknown: (app.t("발송기: 확인 중", "sender: checking"), Style(.dim))
        case .alive: (app.t("발송기 동작 중", "sender alive"), Style(.ok))
        case .stale(let at): (app.t("발송기 응답 없음! 마지막 ", "sender STALE since ") + seconds(at, app.timeZone), Style(.error, bold: true))
        case .absent: (app.t("발송기 실행 중 아님", "sender not running"), Style(.warning, bold: true))
        }
    }

    public static func refusal(_ r: OutboxRefusal, verb: Verb) -> Localized {
        let head = verb == .approve ? Localized(ko: "승인 안 됨: ", en: "NOT approved: ") : Localized(ko: "취소 안 됨: ", en: "NOT cancelled: ")
        let ko: String
        switch r {
        case .noSuchMessage(let id): ko = "발송함에 \(id)가 없습니다"
        case .ownMessage(let id, let op): ko = "\(id)는 \(op)님이 등록한 메시지라 본인이 승인할 수 없습니다. 다른 근무자가 승인해야 합니다"
        case .approvalNotNeeded(let id): ko = "\(id)는 승인이 필요 없는 메시지입니다"
        case .alreadyApproved(let id, let by): ko = "\(id)는 이미 \(by)님이 승인했습니다"
        case .alreadyCancelled(let id): ko = "\(id)는 이미 취소되었습니다"
        case .deliveredEverywhere(let id): ko = "\(id)는 모든 채널에 이미 전달되었습니다. c로 정정 메시지를 보내세요"
        case .nothingLeftToCancel(let id): ko = "\(id)는 취소할 것이 남지 않았습니다 (전달·실패·취소)"
        case .noOperator: ko = "근무자 이름이 없습니다 (--operator)"
        }
        return Localized(ko: head.ko + ko, en: head.en + r.description)
    }
}
