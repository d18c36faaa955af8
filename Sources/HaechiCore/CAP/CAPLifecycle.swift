import Foundation

/// Cancel notices and all-clears: the messages that end earlier alerts. They are drafts like any
/// other (checked, confirmed and queued by the same compose rules); what makes them lifecycle
/// messages is their CAP block (`capType`, `references`).
public enum CAPLifecycle {
    /// The alerts of `incident` the public may still be acting on: messages that went out (a
    /// post delivered, or possibly posted) and that no later update, cancel or expiry retired —
    /// decided by `CAPFeed.active`, the rule the sender's feed follows. Oldest first.
    public static func activeAlerts(_ statuses: [MessageStatus], incident: String, now: Date) -> [MessageStatus] {
        let mine = statuses.filter { $0.message.incident == incident }
        let out = mine.filter(wentOut)
        let sent = Dictionary(mine.map { ($0.id, $0.message.created) }, uniquingKeysWith: { a, _ in a })
        let entries = out.map { CAPFeedEntry(message: $0.message, isCorrection: $0.isCorrection, correctsSent: $0.message.corrects.flatMap { sent[$0] }) }
        let active = Set(CAPFeed.active(entries, now: now).map(\.identifier))
        return out.filter { active.contains($0.id) }.sorted { $0.message.created < $1.message.created }
    }

    /// The step whose template is the manual's all-clear (`cap.response` includes AllClear).
    public static func closingStep(of manual: Manual) -> Step? {
        manual.allSteps.last { step in
            guard let template = step.message else { return false }
            return CAPProfile.isAllClear(manual.cap.map { $0.refined(by: template.cap) } ?? template.cap)
        }
    }

    /// Whether cancelling `status` means queueing a cancel notice: something went out (or may
    /// have) and nothing is left to stop. While posts are still pending, cancelling stops them
    /// first (a `cancel` record); a second `x` then queues the notice.
    public static func needsCancelNotice(_ status: MessageStatus) -> Bool {
        wentOut(status) && (status.isCancelled || status.isFinished)
    }

    /// A post was delivered, or its outcome is unknown (it may be public).
    public static func wentOut(_ status: MessageStatus) -> Bool {
        status.states.contains { if case .unknown = $0.state { true } else { $0.state.isDelivered } }
    }

    public static func references(_ statuses: [MessageStatus]) -> [CAPReference] {
        statuses.map { CAPReference(identifier: $0.id, sent: $0.message.created) }
    }
}

extension ComposeDraft {
    /// The cancel notice of a message that already went out: same mode, class and channels (it
    /// must reach everyone the original reached), a short prefilled text in every language the
    /// original had, and a CAP Cancel referencing the original and its corrections.
    public init(cancelNoticeOf original: OutboxMessage, corrections: [OutboxMessage] = [],
                timeZone: TimeZone = Placeholders.Context.seoul) {
        let time = Placeholders.Context.format(original.created, timeZone, time: true)
        let event = original.cap?.event
        var text = Localized(ko: "", en: "")
        for language in original.languages {
            let what = event.map { $0[language] }.flatMap { $0.isEmpty ? nil : $0 }
            text[language] = language == .ko
                ? "[취소] \(time)에 보낸 \(what.map { "‘\($0)’ " } ?? "")안내를 취소합니다. 이 안내는 따르지 마십시오."
                : "[CANCELLED] Our \(time) message\(what.map { " on \($0)" } ?? "") is withdrawn. Please disregard it."
        }
        self.init(source: .freeForm, mode: original.mode, kind: original.kind, channels: original.channels, text: text,
                  incident: original.incident, manual: original.manual, step: original.step,
                  variables: original.district.map { ["district": $0] } ?? [:],
                  cap: original.cap.map(CAPMapping.init))
        headline = Localized(ko: text.ko.isEmpty ? "" : "[취소] \(time) 안내 취소", en: text.en.isEmpty ? "" : "[CANCELLED] \(time) message withdrawn")
        capType = .cancel
        references = ([original] + corrections).map { CAPReference(identifier: $0.id, sent: $0.created) }
    }

    /// The all-clear (상황 해제) of an incident: the closing step's template when the manual has
    /// one, else its `all_clear:` text, else a plain sentence with the manual's title; going to
    /// the channels of the alerts it clears (and the template's), referencing all of them.
    public init(allClearFor manual: Manual, mode: Mode, incident: String, variables: [String: String], level: AlertLevel?,
                active: [MessageStatus]) {
        var channels: [String] = []
        if let step = CAPLifecycle.closingStep(of: manual), let template = step.message {
            self.init(template: template, manual: manual, step: step, mode: mode, incident: incident, variables: variables, level: level)
            channels = template.channels
        } else {
            let text = manual.allClear ?? Localized(ko: "[서울시] \(manual.title.ko) 상황이 해제되었습니다. 협조해 주셔서 감사합니다.",
                                                    en: "[Seoul] The \(manual.title.en.lowercased()) emergency is over. Thank you for your cooperation.")
            self.init(source: .freeForm, mode: mode, kind: .info, channels: [], text: text, incident: incident, manual: manual.id,
                      variables: variables, level: level, cap: manual.cap)
        }
        for c in active.flatMap(\.message.channels) where !channels.contains(c) { channels.append(c) }
        self.channels = channels
        kind = .info
        cap = (cap ?? CAPProfile.freeForm).refined(by: CAPMapping(responseTypes: ["AllClear"]))
        capType = active.isEmpty ? .alert : .update
        references = CAPLifecycle.references(active)
    }
}
