import Foundation
import HaechiCore
import Testing
@testable import HaechiUI

/// Compose at 03:00 in Seoul (the fixture's clock) on a CBS channel with quiet hours: a
/// non-urgent message asks for a reason on the message line and says why; a blank reason is
/// refused and asked again; the reason goes into the record and the incident journal; urgent
/// classes never ask.
@Suite struct QuietHoursComposeScreenTests {
    static let channels = ChannelProfiles([
        ChannelProfile(id: "cbs", name: Localized(ko: "재난문자", en: "CBS"), counting: .characters, limit: 90,
                       languages: [.ko], idempotent: true,
                       quietHours: QuietHours(start: 23 * 60, end: 7 * 60, exempt: [.critical, .emergency])),
        ChannelProfile(id: "kakao", name: Localized(ko: "카카오톡", en: "KakaoTalk"), counting: .characters, limit: 200, languages: [.ko]),
    ])

    /// A free-form DRILL message to CBS of the given class, typed and ready for Ctrl-O.
    static func composing(_ kind: MessageClass, text: String = "잠수교 보행 통제, 우회하세요", language: Language = .ko) throws -> Harness {
        var h = Harness.onTemplateStep(language: language)
        h.state.channels = channels
        h.key(.char("M"))
        h.type(text)
        h.key(.tab); h.key(.tab)                   // channels, cursor on cbs
        h.key(.char(" "))
        h.key(.tab)                                // class: info
        let steps = MessageClass.allCases.firstIndex(of: .info)! - MessageClass.allCases.firstIndex(of: kind)!
        for _ in 0..<steps { h.key(.left) }
        let c = try #require(h.compose)
        try #require(c.draft.kind == kind && c.draft.channels == ["cbs"])
        h.state.flash = nil
        return h
    }

    @Test func ctrlOInQuietHoursAsksForAReasonAndSaysWhy() throws {
        var h = try Self.composing(.safety)
        #expect(h.screenText.contains("cbs는 23:00~07:00 긴급하지 않은 문자 불가: 나중에 또는 Ctrl-O 후 사유 입력"))
        let effects = h.send(.key(.ctrl("o")))
        #expect(effects.isEmpty)
        let prompt = try #require(h.state.prompt)
        #expect(prompt.purpose == .quietHoursReason)
        #expect(prompt.label.ko == "심야 발송 사유 (기록에 남음):")
        #expect(h.state.flash?.kind == .warning)
        #expect(h.state.flash?.text.ko.hasPrefix("cbs는 23:00~07:00 긴급하지 않은 문자 불가: 나중에 또는 Ctrl-O 후 사유 입력") == true)
        #expect(h.state.flash?.text.en == "cbs carries no non-urgent texts 23:00~07:00 (quiet hours): send it later, or Ctrl-O and type why it cannot wait")
        #expect(h.outbox.isEmpty)
        try SnapshotTests.check("compose-quiet-hours-reason", h.state)
    }

    @Test func aBlankReasonIsRefusedAndAskedAgainNothingQueued() throws {
        var h = try Self.composing(.safety)
        h.key(.ctrl("o"))
        h.type("   ")
        h.key(.enter)
        #expect(h.state.prompt?.purpose == .quietHoursReason, "asked again")
        #expect(h.state.flash?.kind == .error)
        #expect(h.state.flash?.text.en == ComposeRefusal.quietHoursReasonEmpty.description)
        #expect(h.state.flash?.text.ko.hasPrefix("사유가 비어 있습니다") == true)
        #expect(h.compose?.draft.quietHoursOverride == nil, "a blank reason is not kept as one")
        #expect(h.outbox.isEmpty)
        #expect(!h.effects.contains { if case .enqueue = $0 { true } else { false } })
        // Esc leaves the prompt; still nothing queued, still refused.
        h.key(.escape)
        #expect(h.state.prompt == nil && h.outbox.isEmpty && h.compose != nil)
    }

    @Test func aTypedReasonQueuesAndIsKeptInTheRecordAndTheJournal() throws {
        var h = try Self.composing(.safety)
        let incident = try #require(h.compose?.draft.incident)
        h.key(.ctrl("o"))
        h.type("출근 전 우회 안내 필요")
        h.key(.enter)
        #expect(h.state.prompt == nil)
        let m = try #require(h.messages.first)
        #expect(h.messages.count == 1)
        #expect(m.quietHoursOverride == QuietHoursOverride(reason: "출근 전 우회 안내 필요", channels: ["cbs"]))
        #expect(h.compose == nil, "back where compose came from once queued")
        let journal = try #require(h.journals[incident])
        let lines = journal.filter { $0.kind == "message" || $0.kind == "quiet-hours" }
        #expect(lines.map(\.kind) == ["message", "quiet-hours"])
        #expect(lines.last?.quietHoursOverridden == IncidentEvent.QuietHoursOverridden(message: m.id, reason: "출근 전 우회 안내 필요", channels: ["cbs"]))
        #expect(lines.last?.operator == "kim")
    }

    @Test func urgentClassesNeverAsk() throws {
        for kind in [MessageClass.emergency, .critical] {
            var h = try Self.composing(kind)
            h.key(.ctrl("o"))
            #expect(h.state.prompt == nil, "\(kind)")
            let m = try #require(h.messages.first)
            #expect(m.kind == kind && m.quietHoursOverride == nil)
            #expect(!(h.journals[m.incident ?? ""] ?? []).contains { $0.kind == "quiet-hours" })
        }
    }

    /// Over the limit and in quiet hours: the length is what stands in the way; no reason is asked.
    @Test func anotherRefusalComesFirstAndNoReasonIsAsked() throws {
        var h = try Self.composing(.safety, text: String(repeating: "가", count: 100))
        h.key(.ctrl("o"))
        #expect(h.state.prompt == nil)
        #expect(h.state.flash?.kind == .error)
        #expect(h.state.flash?.text.en.hasPrefix("Cannot queue: ko text is 15 over the cbs limit") == true, "\(h.state.flash?.text.en ?? "")")
        #expect(h.outbox.isEmpty)
    }

    /// After the reason is given (and the LIVE word still to type), the screen says the override.
    @Test func theOverrideIsShownOnTheScreenOnceGiven() throws {
        var h = try Self.composing(.safety, language: .en)
        var c = try #require(h.compose)
        c.draft.quietHoursOverride = "detour before rush hour"
        h.state.screen = .compose(c)
        #expect(h.screenText.contains("! Quiet hours overridden (cbs): detour before rush hour"), "\(h.screenText)")
        #expect(!h.screenText.contains("carries no non-urgent texts"))
    }
}
