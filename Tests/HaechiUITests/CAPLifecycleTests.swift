import Foundation
import HaechiCore
import Testing
@testable import HaechiUI

extension Fixture {
    /// The earthquake fixture with a CAP mapping, a public-update cadence and a closing step
    /// whose template is the all-clear.
    static var earthquakeWithCAP: Manual {
        var m = earthquake
        m.cap = CAPMapping(category: "Geo", event: Localized(ko: "지진", en: "Earthquake"), responseTypes: ["Monitor"])
        m.publicUpdates = [.interest: 60, .caution: 30, .alert: 20, .serious: 10]
        m.phases.append(Phase(id: "p3", title: Localized(ko: "복구", en: "Recovery"), steps: [
            step("clear", "상황 해제 안내", "Announce the all clear", minutes: 120, from: .interest,
                 message: MessageTemplate(messageClass: .info, channels: ["x", "mastodon"],
                                          text: Localized(ko: "[서울시] {district} 지진 상황 해제. 협조에 감사드립니다.", en: "[Seoul] All clear in {district}."),
                                          cap: CAPMapping(event: Localized(ko: "지진 상황 해제", en: "Earthquake all clear"), responseTypes: ["AllClear"]),
                                          headline: Localized(ko: "[서울시] 지진 상황 해제 · {district}", en: "[Seoul] Earthquake all clear · {district}"))),
        ]))
        return m
    }
}

/// The public-alert lifecycle in the TUI, LIVE and DRILL: the cadence line on the checklist,
/// the cancel notice of a posted message, and the all-clear referencing the active alerts.
@Suite struct CAPLifecycleTests {
    static func harness(_ mode: Mode, width: Int = 80, height: Int = 24) -> Harness {
        var h = Harness(width: width, height: height, manuals: [Fixture.earthquakeWithCAP, Fixture.fire])
        h.state.channels = Fixture.channels
        h.openDrill(mode: mode)
        return h
    }

    /// Ctrl-O on the compose screen, with LIVE's typed district.
    static func queue(_ h: inout Harness, _ mode: Mode) {
        h.key(.ctrl("o"))
        if mode == .live { h.type("마포구"); h.key(.enter) }
    }

    /// Queues the step's emergency message and lets the sender deliver every post.
    static func postedAlert(_ h: inout Harness, _ mode: Mode) throws -> OutboxMessage {
        h.key(.down)
        #expect(h.checklist?.selected == "alert-text")
        h.key(.char("m"))
        queue(&h, mode)
        let m = try #require(h.messages.last)
        for channel in ["x", "mastodon"] { for l in [Language.ko, .en] { h.sender(.delivered, m.id, channel, l, remoteID: "r-\(channel)") } }
        return m
    }

    var row2: (Harness) -> String = { h in h.screenText.split(separator: "\n", omittingEmptySubsequences: false)[2].description }

    @Test(arguments: [Mode.drill, .live])
    func theCadenceLineCountsDownResetsOnAMessageAndTurnsOverdue(mode: Mode) throws {
        var h = Self.harness(mode)
        #expect(row2(h).contains("다음 시민 안내 60분 후"), "\(h.screenText)")
        h.clock.advance(minutes: 48); h.send(.tick)
        #expect(row2(h).contains("다음 시민 안내 12분 후"))
        h.clock.advance(minutes: 19); h.send(.tick)
        #expect(row2(h).contains("시민 안내 7분 지연 (관심: 매 60분)"))
        try Self.check("cadence-overdue-\(mode.rawValue)", h.state)
        // A message answers it: the clock restarts at the level's interval.
        _ = try Self.postedAlert(&h, mode)
        h.send(.tick)
        #expect(row2(h).contains("다음 시민 안내 60분 후"), "\(h.screenText)")
        // Raising the level brings the deadline forward to the new interval.
        h.key(.char("l")); h.key(.right); h.key(.right); h.key(.enter)
        #expect(h.state.incident?.level == .alert)
        #expect(row2(h).contains("다음 시민 안내 20분 후"), "\(h.screenText)")
        h.key(.char("L"))
        #expect(row2(h).contains("next public update due in 20 min"))
        try Self.check("cadence-due-\(mode.rawValue)", h.state)
    }

    @Test(arguments: [Mode.drill, .live])
    func xOnAPostedMessageQueuesACancelNoticeReferencingIt(mode: Mode) throws {
        var h = Self.harness(mode)
        let m = try Self.postedAlert(&h, mode)
        h.key(.char("o"))
        #expect(h.outboxScreen?.selected == m.id)
        h.key(.char("x"))
        let notice = try #require(h.compose)
        #expect(notice.draft.capType == .cancel)
        #expect(notice.draft.references == [CAPReference(identifier: m.id, sent: m.created)])
        #expect(notice.draft.channels == m.channels && notice.draft.mode == mode && notice.draft.kind == m.kind)
        #expect(notice.draft.text.ko == "[취소] 03:00에 보낸 ‘지진’ 안내를 취소합니다. 이 안내는 따르지 마십시오.")
        #expect(notice.draft.text.en.hasPrefix("[CANCELLED] Our 03:00 message"))
        try Self.check("cancel-notice-\(mode.rawValue)", h.state)
        let before = h.outbox.count
        Self.queue(&h, mode)
        #expect(h.outbox.count == before + 1, "queued after the same confirmation as any message")
        let queued = try #require(h.messages.last)
        #expect(queued.id != m.id && queued.mode == mode)
        #expect(queued.cap?.msgType == .cancel)
        #expect(queued.cap?.references == [CAPReference(identifier: m.id, sent: m.created)])
        #expect(queued.needsApproval == (mode == .live), "a LIVE emergency-class notice waits for a second operator like the original")
        // Once the notice is out, the original is no longer an active alert.
        for channel in ["x", "mastodon"] { for l in [Language.ko, .en] { h.sender(.delivered, queued.id, channel, l) } }
        #expect(CAPLifecycle.activeAlerts(h.state.outbox.messages, incident: try #require(m.incident), now: h.clock.now).isEmpty)
    }

    @Test func aFreeFormMessageCarriesItsManualsMapping() throws {
        var h = Self.harness(.drill)
        h.key(.char("M"))
        let c = try #require(h.compose)
        #expect(c.draft.cap == Fixture.earthquakeWithCAP.cap)
        h.type("여진 주의"); h.key(.tab); h.type("Aftershocks"); h.key(.tab); h.key(.char(" "))
        h.key(.ctrl("o"))
        let m = try #require(h.messages.last)
        #expect(m.cap?.category == "Geo" && m.cap?.event.ko == "지진")
        #expect(m.cap?.area?.geocodes.first?.value == "1144000000")
    }

    @Test func xOnAMessageNotYetPostedStillJustCancelsIt() throws {
        var h = Self.harness(.drill)
        h.key(.down); h.key(.char("m")); Self.queue(&h, .drill)
        h.key(.char("o")); h.key(.char("x"))
        #expect(h.compose == nil)
        #expect(h.state.prompt != nil, "asks for the reason, as before")
    }

    @Test(arguments: [Mode.drill, .live])
    func aOnTheChecklistQueuesTheAllClearWithReferencesToTheActiveAlerts(mode: Mode) throws {
        var h = Self.harness(mode)
        let first = try Self.postedAlert(&h, mode)
        h.clock.advance(minutes: 5)
        // A second alert of the incident, queued from another terminal.
        let second = OutboxMessage(id: "m-20261129030500-000000fe", incident: first.incident, manual: "earthquake", district: "마포구",
                                   mode: mode, kind: .safety, channels: ["x", "mastodon"], text: Localized(ko: "여진 주의", en: "Aftershocks"),
                                   operator: "lee", created: h.clock.now)
        h.outbox.append(.message(second))
        for channel in ["x", "mastodon"] { for l in [Language.ko, .en] { h.sender(.delivered, second.id, channel, l) } }
        h.clock.advance(minutes: 30)
        h.key(.char("A"))
        let clear = try #require(h.compose)
        #expect(clear.draft.references.map(\.identifier) == [first.id, second.id])
        #expect(clear.draft.capType == .update)
        #expect(clear.draft.step == "clear")
        #expect(clear.draft.text.ko == "[서울시] {district} 지진 상황 해제. 협조에 감사드립니다.")
        #expect(clear.draft.channels == ["x", "mastodon"])
        try Self.check("all-clear-\(mode.rawValue)", h.state)
        Self.queue(&h, mode)
        let queued = try #require(h.messages.last)
        #expect(queued.step == "clear")
        #expect(queued.cap?.msgType == .update)
        #expect(queued.cap?.responseTypes == ["AllClear"])
        #expect(queued.cap?.urgency == "Past")
        #expect(queued.cap?.headline?.ko == "[서울시] 지진 상황 해제 · 마포구")
        #expect(queued.cap?.references?.map(\.identifier) == [first.id, second.id])
        #expect(!queued.needsApproval, "an info-class all-clear needs no second operator")
        for channel in ["x", "mastodon"] { for l in [Language.ko, .en] { h.sender(.delivered, queued.id, channel, l) } }
        let active = CAPLifecycle.activeAlerts(h.state.outbox.messages, incident: try #require(first.incident), now: h.clock.now)
        #expect(active.map(\.id) == [queued.id], "the all-clear supersedes both alerts")
    }

    static func check(_ name: String, _ state: AppState, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws {
        try SnapshotTests.check(name, state, sourceLocation: sourceLocation)
    }
}
