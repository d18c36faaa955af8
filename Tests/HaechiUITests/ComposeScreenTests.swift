import Foundation
import HaechiCore
import Synchronization
import Testing
@testable import HaechiUI

/// Message ids for tests: the real format, with a counter for the random part, so two
/// messages queued in the same second differ and every run gives the same ids.
func sequentialMessageIDs() -> @Sendable (Date) -> String {
    final class Counter: Sendable { let value = Mutex<UInt32>(0) }
    let counter = Counter()
    return { at in
        let n = counter.value.withLock { $0 += 1; return $0 }
        return MessageID.make(at: at, random: n)
    }
}

extension Fixture {
    /// The shape of manuals/channels.yaml, trimmed to the channels the tests need.
    static let channels = ChannelProfiles([
        ChannelProfile(id: "x", name: Localized(ko: "X", en: "X"), counting: .xWeighted, limit: 280,
                       languages: [.ko, .en], approval: [.critical, .emergency]),
        ChannelProfile(id: "mastodon", name: Localized(ko: "마스토돈", en: "Mastodon"), counting: .characters, limit: 500,
                       languages: [.ko, .en], approval: [.critical, .emergency], idempotent: true),
        ChannelProfile(id: "kakao", name: Localized(ko: "카카오톡", en: "KakaoTalk"), counting: .characters, limit: 200,
                       languages: [.ko], approval: [.critical, .emergency, .safety]),
        ChannelProfile(id: "cbs", name: Localized(ko: "재난문자", en: "CBS"), counting: .characters, limit: 157,
                       classLimits: [.critical: 90, .emergency: 90], languages: [.ko], approval: [.critical, .emergency, .safety],
                       idempotent: true),
    ])
}

extension Harness {
    var feed: OutboxFeed {
        OutboxFeed(messages: OutboxLedgerJoin.join(outbox: outbox, ledger: ledger, channels: state.channels), loadedAt: clock.now)
    }

    /// The sender writing its ledger, seen at the next refresh.
    mutating func sender(_ kind: DeliveryRecord.Kind, _ message: String, _ channel: String, _ language: Language,
                         remoteID: String? = nil, next: Date? = nil, reason: String? = nil) {
        ledger.append(DeliveryRecord(kind: kind, message: message, channel: channel, language: language, at: clock.now,
                                     attempt: kind == .attempt ? 1 : nil, remoteID: remoteID, next: next, reason: reason))
        send(.outboxLoaded(feed))
    }

    /// A drill (or LIVE incident) of the earthquake manual with the channel profiles loaded,
    /// the cursor on the step that has a message template.
    static func onTemplateStep(width: Int = 80, height: Int = 24, mode: Mode = .drill, language: Language = .ko) -> Harness {
        var h = Harness(width: width, height: height, language: language)
        h.state.channels = Fixture.channels
        h.openDrill(mode: mode)
        h.key(.down)
        #expect(h.checklist?.selected == "alert-text")
        return h
    }

    var compose: ComposeScreen? { if case .compose(let s) = state.screen { s } else { nil } }
    var outboxScreen: OutboxScreen? { if case .outbox(let s) = state.screen { s } else { nil } }
    var messages: [OutboxMessage] {
        outbox.compactMap { if case .message(let m) = $0 { m } else if case .correct(let m) = $0 { m } else { nil } }
    }
}

/// Compose and the outbox screen, action by action, with a clock moved by hand.
@Suite struct ComposeScreenTests {
    // MARK: opening

    @Test func mOnAStepWithATemplateOpensComposePrefilledWithTheIncident() throws {
        var h = Harness.onTemplateStep()
        h.key(.char("m"))
        let c = try #require(h.compose)
        #expect(c.draft.text.ko == "[서울시] {district} 지진 발생. 낙하물에 주의하세요.")
        #expect(c.draft.channels == ["x", "mastodon"])
        #expect(c.draft.kind == .emergency)
        #expect(c.draft.mode == .drill)
        #expect(c.draft.incident == "20261129-030000-earthquake-0001")
        #expect(c.draft.step == "alert-text")
        #expect(c.draft.variables["district"] == "마포구")
        #expect(h.state.modeInContext == .drill)
        // The preview is the filled text with the drill prefix: exactly what is posted.
        let check = c.check(h.state)
        #expect(check.posted.ko == "[훈련] [서울시] 마포구 지진 발생. 낙하물에 주의하세요.")
        #expect(check.posted.en == "[DRILL] [Seoul] Earthquake in 마포구.")
        #expect(check.canQueue)
        #expect(h.screenText.contains("[훈련] [서울시] 마포구 지진 발생"))
    }

    @Test func mOnAStepWithoutATemplateSaysSoAndStays() {
        var h = Harness.onTemplateStep()
        h.key(.up)
        h.key(.char("m"))
        #expect(h.checklist != nil)
        #expect(h.state.flash?.text.en == "This step has no message template. M: new message")
    }

    @Test func capitalMOpensABlankMessageWithNoChannelAndRefusesToQueueIt() throws {
        var h = Harness.onTemplateStep()
        h.key(.char("M"))
        let c = try #require(h.compose)
        #expect(c.draft.channels.isEmpty)
        #expect(c.draft.source == .freeForm)
        let effects = h.send(.key(.ctrl("o")))
        #expect(effects.isEmpty)
        #expect(h.state.flash?.kind == .error)
        #expect(h.state.flash?.text.en.hasPrefix("Cannot queue: no channel chosen") == true)
        #expect(h.outbox.isEmpty)
    }

    // MARK: editing and the meters

    @Test func typingHangulEditsTheFocusedLanguageAndTheMeterCountsInTheChannelsRule() throws {
        var h = Harness.onTemplateStep()
        h.key(.char("M"))
        h.type("마포구 지진")                       // the Korean field has the focus
        h.key(.tab); h.type("Quake?")              // `?` is text here, not help
        h.key(.tab)                                // channels: x first
        h.key(.char(" "))
        let c = try #require(h.compose)
        #expect(c.draft.text.ko == "마포구 지진")
        #expect(c.draft.text.en == "Quake?")
        #expect(c.draft.channels == ["x"])
        let meters = c.check(h.state).meters
        // "[훈련] 마포구 지진": 2+2 Hangul + 5 Hangul = 7 weighing 2, brackets/spaces 1 → 18.
        #expect(meters.first { $0.language == .ko }?.count == TextLength.count("[훈련] 마포구 지진", rule: .xWeighted))
        #expect(meters.first { $0.language == .ko }?.limit == 280)
        #expect(h.screenText.contains("x ko 18/280 en 14/280"))
        // Backspace, Ctrl-W and Ctrl-U edit the focused text.
        h.key(.backTab); h.key(.backTab)           // back to Korean
        h.key(.ctrl("w"))
        #expect(h.compose?.draft.text.ko == "마포구 ")
        h.key(.backspace)
        #expect(h.compose?.draft.text.ko == "마포구")
        h.key(.ctrl("u"))
        #expect(h.compose?.draft.text.ko == "")
    }

    @Test func overTheLimitIsRefusedWithTheReasonAndARedMeter() throws {
        var h = Harness.onTemplateStep()
        h.key(.char("m"))
        h.key(.tab); h.key(.tab)                   // channels
        h.key(.right); h.key(.right); h.key(.right)  // x, mastodon, kakao, cbs
        h.key(.char(" "))                          // + cbs: 90 characters for an emergency text
        h.key(.backTab); h.key(.backTab)           // Korean
        h.type(String(repeating: "가", count: 60))
        let c = try #require(h.compose)
        let check = c.check(h.state)
        let cbs = try #require(check.meters.first { $0.channel == "cbs" })
        #expect(cbs.limit == 90)
        #expect(cbs.isOver)
        #expect(check.refusals.contains { if case .overLimit(channel: "cbs", _, _, _, _) = $0 { true } else { false } })
        let canvas = render(h.state)
        let row = try #require((0..<canvas.height).first { canvas.line($0).contains("cbs ko") })
        #expect(canvas.row(row).contains { $0.style == Style(.error, bold: true) })
        #expect(h.send(.key(.ctrl("o"))).isEmpty)
        #expect(h.state.flash?.text.ko.hasPrefix("등록 불가: 한국어 글이 cbs 한도를") == true)
    }

    @Test func anUnfilledPlaceholderAndAMissingLanguageAreRefusals() throws {
        var h = Harness.onTemplateStep()
        h.key(.char("m"))
        h.type(" {shelter}")
        h.key(.tab); h.key(.ctrl("u"))             // English emptied: x and mastodon post in English
        let check = try #require(h.compose).check(h.state)
        #expect(check.refusals.contains(.unfilledPlaceholder(name: "shelter", language: .ko)))
        #expect(check.refusals.contains(.missingLanguage(channel: "x", language: .en)))
        #expect(check.refusals.contains(.missingLanguage(channel: "mastodon", language: .en)))
        #expect(h.screenText.contains("{shelter}"))
        #expect(h.send(.key(.ctrl("o"))).isEmpty)
    }

    @Test func englishThatNoChosenChannelPostsIsRefusedOnScreen() throws {
        var h = Harness.onTemplateStep()
        h.key(.char("m"))                          // x and mastodon, Korean and English
        h.key(.tab); h.key(.tab)                   // channels: the cursor on x
        h.key(.char(" "))                          // drop x
        h.key(.right); h.key(.char(" "))           // drop mastodon
        h.key(.right); h.key(.char(" "))           // choose kakao: Korean only
        #expect(h.compose?.draft.channels == ["kakao"])
        let check = try #require(h.compose).check(h.state)
        #expect(check.refusals == [.languageNotCarried(language: .en, channels: ["kakao"])])
        #expect(check.posts.map(\.channel) == ["kakao"])
        #expect(h.screenText.contains("영어 글은 어디에도 게시되지 않음"))
        #expect(h.send(.key(.ctrl("o"))).isEmpty)
        #expect(h.state.flash?.text.en.hasPrefix("Cannot queue: the en text would be posted nowhere") == true)
        #expect(h.outbox.isEmpty)
        // Emptying the English text makes it a Korean-only message for kakao, and it queues.
        h.key(.backTab); h.key(.ctrl("u"))
        let effects = h.send(.key(.ctrl("o")))
        guard case .enqueue(.message(let m)) = effects.first else { Issue.record("no enqueue: \(effects)"); return }
        #expect(m.posts?.map { "\($0.channel)/\($0.language.rawValue)" } == ["kakao/ko"])
    }

    @Test func controlCharactersAndBidiOverridesAreRefusedWithTheirPlaceOnScreen() throws {
        var h = Harness.onTemplateStep()
        h.key(.char("m"))
        let before = try #require(h.compose).draft.text.ko.count
        h.type(" \u{202E}역방향")                   // pasted: a right-to-left override
        let check = try #require(h.compose).check(h.state)
        #expect(check.refusals == [.controlCharacter(language: .ko, position: before + 2, scalar: 0x202E)])
        #expect(h.screenText.contains("한국어 글 \(before + 2)번째 글자에 제어 문자 U+202E"))
        #expect(h.send(.key(.ctrl("o"))).isEmpty)
        #expect(h.state.flash?.text.en.contains("bidirectional control (U+202E) at character \(before + 2)") == true)
        #expect(h.outbox.isEmpty)
        #expect(!render(h.state).text.contains("\u{202E}"), "shown as a visible mark, never written raw")
    }

    @Test func classAndChannelsAreChosenWithArrowsAndSpace() throws {
        var h = Harness.onTemplateStep()
        h.key(.char("m"))
        h.key(.up)                                 // Korean → class (wraps backwards)
        #expect(h.compose?.focus == .kind)
        h.key(.right)
        #expect(h.compose?.draft.kind == .safety)
        h.key(.up)                                 // channels
        h.key(.char(" "))                          // drop x
        #expect(h.compose?.draft.channels == ["mastodon"])
        h.key(.char(" "))                          // and back, in the profile order
        #expect(h.compose?.draft.channels == ["x", "mastodon"])
    }

    // MARK: queueing

    @Test func aDrillQueuesWithOneKeyAndSaysQueuedOnlyAfterTheAppend() throws {
        var h = Harness.onTemplateStep()
        h.clock.advance(minutes: 4)
        h.key(.char("m"))
        let effects = h.send(.key(.ctrl("o")))
        guard case .enqueue(.message(let m)) = effects.first else { Issue.record("no enqueue: \(effects)"); return }
        #expect(h.state.prompt == nil)             // a drill never asks for a typed word
        #expect(m.mode == .drill)
        #expect(m.text.ko == "[서울시] 마포구 지진 발생. 낙하물에 주의하세요.")   // filled, no prefix: the sender adds it
        #expect(m.operator == "kim")
        #expect(m.created == Fixture.start.addingTimeInterval(240))
        #expect(m.manual == "earthquake" && m.district == "마포구" && m.step == "alert-text")
        #expect(!m.needsApproval)                  // approval is for LIVE only
        // The record states its posts, exactly as the preview showed them.
        #expect(m.posts?.map { "\($0.channel)/\($0.language.rawValue): \($0.text)" } == [
            "x/ko: [훈련] [서울시] 마포구 지진 발생. 낙하물에 주의하세요.", "x/en: [DRILL] [Seoul] Earthquake in 마포구.",
            "mastodon/ko: [훈련] [서울시] 마포구 지진 발생. 낙하물에 주의하세요.", "mastodon/en: [DRILL] [Seoul] Earthquake in 마포구.",
        ])
        // The append returned: back on the checklist, queued said, journaled with the id.
        #expect(h.checklist != nil)
        #expect(h.state.flash?.kind == .success)
        #expect(h.state.flash?.text.en == "Message queued: \(m.id) → x, mastodon")
        let journal = h.journals["20261129-030000-earthquake-0001"] ?? []
        let event = try #require(journal.last)
        #expect(event.messageQueued?.message == m.id && event.step == "alert-text")
        #expect(h.state.status.queued == 1)
    }

    @Test func liveQueueingNeedsTheDistrictTypedAndGoesToApproval() throws {
        var h = Harness.onTemplateStep(mode: .live)
        h.key(.char("m"))
        #expect(h.state.modeInContext == .live)
        #expect(h.screenText.contains("실제 발송: 등록하면 시민에게 게시됩니다"))
        #expect(h.send(.key(.ctrl("o"))).isEmpty)
        #expect(h.state.prompt?.purpose == .confirmLiveMessage(expected: "마포구"))
        // The word that opened the incident is not the word that sends.
        h.type("LIVE"); h.key(.enter)
        #expect(h.outbox.isEmpty)
        #expect(h.compose != nil)
        #expect(h.state.flash?.text.en == "NOT queued: you typed ‘LIVE’, not ‘마포구’")
        h.key(.ctrl("o")); h.type("마포구"); h.key(.enter)
        let m = try #require(h.messages.first)
        #expect(m.mode == .live)
        #expect(m.needsApproval)                   // emergency on x: a second operator
        #expect(h.state.flash?.text.en.contains("AWAITING APPROVAL") == true)
        #expect(h.state.status.awaitingApproval == 1)
    }

    @Test func enterMovesToTheNextFieldAndNeverQueues() {
        var h = Harness.onTemplateStep(mode: .live)
        h.key(.char("m"))
        #expect(h.send(.key(.enter)).isEmpty)      // a habitual Enter must not send anything
        #expect(h.compose?.focus == .text(.en))
        #expect(h.state.prompt == nil)
        #expect(h.outbox.isEmpty)
    }

    @Test func anotherOperatorsQueuedMessageIsAnnouncedFromTheJournal() {
        var h = Harness.onTemplateStep()
        h.appendFromElsewhere(.message(.init(incident: "20261129-030000-earthquake-0001", at: h.clock.now, operator: "lee"),
                                       .init(message: "m-1", text: "queued for x")))
        h.poll()
        #expect(h.state.flash?.text.en == "lee: message m-1: queued for x")
    }

    @Test func aLiveMessageWithoutADistrictIsConfirmedWithLIVE() {
        var h = Harness()
        h.state.channels = Fixture.channels
        h.key(.down); h.key(.enter)               // the fire manual: it has a place, no district
        h.key(.right); h.key(.down); h.key(.down)
        h.type("중구 을지로"); h.key(.ctrl("o")); h.type("LIVE"); h.key(.enter)
        #expect(h.state.incident?.mode == .live)
        h.key(.char("M")); h.type("화재 연기 주의")
        h.key(.tab); h.key(.tab); h.key(.right); h.key(.right); h.key(.char(" "))   // kakao: Korean only
        h.key(.ctrl("o"))
        #expect(h.state.prompt?.purpose == .confirmLiveMessage(expected: "LIVE"))
        h.type("live"); h.key(.enter)              // the word, in any case
        #expect(h.messages.first?.channels == ["kakao"])
        #expect(h.messages.first?.kind == .info)
        #expect(h.messages.first?.needsApproval == false)
    }

    @Test func escapeWithTypingAsksTwiceAndQueuesNothing() {
        var h = Harness.onTemplateStep()
        h.key(.char("m"))
        h.key(.escape)                             // nothing typed: leaves at once
        #expect(h.checklist != nil)
        h.key(.char("m")); h.type("!")
        h.key(.escape)
        #expect(h.compose != nil)
        #expect(h.state.flash?.kind == .warning)
        h.key(.escape)
        #expect(h.checklist != nil)
        #expect(h.outbox.isEmpty)
    }

    @Test func aFailedAppendSaysNotQueuedKeepsTheDraftAndARetryReusesTheID() throws {
        var h = Harness.onTemplateStep()
        h.key(.char("m")); h.type(" 여진 주의")
        h.failOutbox = "write outbox.jsonl: No space left on device"
        let first = h.send(.key(.ctrl("o")))
        guard case .enqueue(let record) = first.first else { Issue.record("no enqueue"); return }
        let c = try #require(h.compose)
        #expect(c.stage == .failed(reason: "write outbox.jsonl: No space left on device"))
        #expect(c.draft.text.ko.hasSuffix("여진 주의"))
        #expect(h.state.flash?.kind == .error)
        #expect(h.state.flash?.text.en == "NOT queued: write outbox.jsonl: No space left on device. The draft is kept; Ctrl-O to try again")
        #expect(h.screenText.contains("등록 안 됨 (NOT queued)"))
        #expect(h.journals["20261129-030000-earthquake-0001"]?.contains { $0.kind == "message" } != true)
        // The disk is fixed: the same draft goes again under the same id.
        h.failOutbox = nil
        h.clock.advance(seconds: 30)
        h.key(.ctrl("o"))
        #expect(h.messages.map(\.id) == [record.messageID])
        #expect(h.checklist != nil)
    }

    @Test func aRetryAfterAnEditIsANewMessage() throws {
        var h = Harness.onTemplateStep()
        h.key(.char("m"))
        h.failOutbox = "fsync outbox.jsonl: Input/output error"
        guard case .enqueue(let first) = h.send(.key(.ctrl("o"))).first else { Issue.record("no enqueue"); return }
        h.failOutbox = nil
        h.type("!")
        guard case .enqueue(let second) = h.send(.key(.ctrl("o"))).first else { Issue.record("no enqueue"); return }
        #expect(first.messageID != second.messageID)
    }

    @Test func theSameDisasterToTheSameDistrictWithin24HoursNeedsAnExtraYes() throws {
        var h = Harness.onTemplateStep()
        h.key(.char("m")); h.key(.ctrl("o"))
        #expect(h.messages.count == 1)
        h.clock.advance(minutes: 60 * 5)
        h.key(.char("m"))
        #expect(h.screenText.contains("24시간 안에 같은 재난(earthquake)을 마포구에"))
        #expect(h.send(.key(.ctrl("o"))).isEmpty)
        #expect(h.state.prompt?.purpose == .confirmRepeat)
        h.type("n"); h.key(.enter)
        #expect(h.messages.count == 1)
        h.key(.ctrl("o")); h.type("y"); h.key(.enter)
        #expect(h.messages.count == 2)
        // A day later there is nothing to warn about.
        h.clock.advance(minutes: 60 * 24 + 1)
        h.key(.char("m"))
        h.key(.ctrl("o"))
        #expect(h.state.prompt == nil)
        #expect(h.messages.count == 3)
    }

    @Test func liveAfterARepeatAsksBothInOrder() {
        var h = Harness.onTemplateStep(mode: .live)
        h.key(.char("m")); h.key(.ctrl("o")); h.type("마포구"); h.key(.enter)
        h.clock.advance(minutes: 10)
        h.key(.char("m")); h.key(.ctrl("o"))
        #expect(h.state.prompt?.purpose == .confirmRepeat)
        h.type("y"); h.key(.enter)
        #expect(h.state.prompt?.purpose == .confirmLiveMessage(expected: "마포구"))
        h.type("마포구"); h.key(.enter)
        #expect(h.messages.count == 2)
    }

    // MARK: the outbox screen

    /// One drill message queued by kim, then the outbox opened.
    static func withOneMessage(mode: Mode = .drill) -> (Harness, OutboxMessage) {
        var h = Harness.onTemplateStep(mode: mode)
        h.key(.char("m")); h.key(.ctrl("o"))
        if mode == .live { h.type("마포구"); h.key(.enter) }
        let m = h.messages[0]
        h.key(.char("o"))
        return (h, m)
    }

    @Test func oOpensTheIncidentsOutboxAndFTogglesAll() throws {
        var (h, m) = Self.withOneMessage()
        // Another incident's message, written by the CLI.
        h.outbox.append(.message(OutboxMessage(id: "m-20261129025000-000000ff", incident: "other", mode: .drill, kind: .info,
                                               channels: ["mastodon"], text: Localized(ko: "다른 사건", en: "other"),
                                               operator: "lee", created: Fixture.start)))
        h.send(.outboxLoaded(h.feed))
        let o = try #require(h.outboxScreen)
        #expect(o.visible(h.state).map(\.id) == [m.id])
        #expect(o.selected == m.id)
        #expect(h.state.modeInContext == .drill)
        h.key(.char("f"))
        #expect(h.outboxScreen?.visible(h.state).count == 2)
        #expect(h.state.modeInContext == nil)
        h.key(.char("q"))
        #expect(h.checklist != nil)
    }

    @Test func statesPerChannelFollowTheLedger() throws {
        var (h, m) = Self.withOneMessage()
        #expect(h.screenText.contains("x/ko"))
        h.sender(.attempt, m.id, "x", .ko)
        #expect(h.screenText.contains("발송 중 1번째 시도"))
        h.sender(.delivered, m.id, "x", .ko, remoteID: "1799000000000000001")
        h.clock.advance(seconds: 5)
        h.sender(.retry, m.id, "x", .en, next: h.clock.now.addingTimeInterval(42), reason: "HTTP 503")
        h.sender(.dead, m.id, "mastodon", .ko, reason: "HTTP 422 text too long")
        h.sender(.unknown, m.id, "mastodon", .en, reason: "timeout after the request")
        let text = h.screenText
        #expect(text.contains("전달됨 03:00:00  id 1799000000000000001"))
        #expect(text.contains("재시도 예정 03:00:47 (HTTP 503)"))
        #expect(text.contains("실패 (HTTP 422 text too long)"))
        #expect(text.contains("결과 불명"))
        #expect(h.state.status.failed == 1)
    }

    @Test func nobodyApprovesTheirOwnAndAnotherOperatorApprovesWithTheTypedWord() throws {
        var (h, m) = Self.withOneMessage(mode: .live)
        #expect(h.feed.messages[0].state(DeliveryTarget(channel: "x", language: .ko)) == .awaitingApproval)
        h.key(.char("a"))
        #expect(h.state.prompt == nil)
        #expect(h.state.flash?.kind == .error)
        #expect(h.state.flash?.text.en == "NOT approved: kim queued \(m.id) and cannot approve it: another operator must")
        // Lee, at another desk, sees the same outbox.
        h.state.operatorName = "lee"
        h.key(.char("a"))
        #expect(h.state.prompt?.purpose == .confirmApprove(message: m.id, expected: "마포구"))
        h.type("마포"); h.key(.enter)
        #expect(h.outbox.count == 1)
        h.key(.char("a")); h.type("마포구"); h.key(.enter)
        #expect(h.outbox.last == .approve(message: m.id, operator: "lee", at: h.clock.now))
        #expect(h.feed.messages[0].approvedBy == "lee")
        #expect(h.state.status.awaitingApproval == 0)
        #expect(h.screenText.contains("승인: lee"))
        // Journaled in the incident, for the timeline.
        #expect(h.journals["20261129-030000-earthquake-0001"]?.last?.messageQueued?.text == "approved by lee")
    }

    @Test func cancelAsksForAReasonAndRefusesWhatIsDelivered() throws {
        var (h, m) = Self.withOneMessage()
        h.key(.char("x"))
        #expect(h.state.prompt?.purpose == .cancelReason(message: m.id))
        h.key(.escape)
        #expect(h.outbox.count == 1)
        h.key(.char("x")); h.type("잘못된 지역"); h.key(.enter)
        #expect(h.outbox.last == .cancel(message: m.id, operator: "kim", at: h.clock.now, reason: "잘못된 지역"))
        #expect(h.feed.messages[0].isCancelled)
        #expect(h.screenText.contains("취소: kim"))
        h.key(.char("x"))
        #expect(h.state.flash?.text.en == "NOT cancelled: \(m.id) is already cancelled")

        var (d, dm) = Self.withOneMessage()
        for t in [("x", Language.ko), ("x", .en), ("mastodon", .ko), ("mastodon", .en)] { d.sender(.delivered, dm.id, t.0, t.1, remoteID: "r") }
        d.key(.char("x"))
        #expect(d.state.prompt == nil)
        #expect(d.state.flash?.text.ko.contains("c로 정정") == true)
    }

    @Test func aFailedApproveOrCancelSaysSoAndWritesNothing() throws {
        var (h, m) = Self.withOneMessage(mode: .live)
        h.state.operatorName = "lee"
        h.failOutbox = "fsync outbox.jsonl: Input/output error"
        h.key(.char("a")); h.type("마포구"); h.key(.enter)
        #expect(h.state.flash == Flash(Localized(ko: "승인 기록 안 됨 (NOT approved): \(m.id): fsync outbox.jsonl: Input/output error",
                                                 en: "NOT approved: \(m.id): fsync outbox.jsonl: Input/output error"), .error))
        h.key(.char("x")); h.type("중복"); h.key(.enter)
        #expect(h.state.flash?.text.en == "NOT cancelled: \(m.id): fsync outbox.jsonl: Input/output error")
        #expect(h.outbox.count == 1)
        #expect(h.feed.messages[0].state(DeliveryTarget(channel: "x", language: .ko)) == .awaitingApproval)
        #expect(h.journals["20261129-030000-earthquake-0001"]?.contains { $0.kind == "message" && $0.operator == "lee" } != true)
    }

    @Test func oneKeyCorrectsADeliveredMessageInEveryLanguage() throws {
        var (h, m) = Self.withOneMessage()
        h.key(.char("c"))                          // nothing delivered yet: cancel instead
        #expect(h.outboxScreen != nil)
        #expect(h.state.flash?.text.en == "\(m.id) is not delivered anywhere yet. To stop it, cancel it with x")
        h.sender(.delivered, m.id, "x", .ko, remoteID: "1")
        h.clock.advance(minutes: 3)
        h.key(.char("c"))
        let c = try #require(h.compose)
        #expect(c.draft.text.ko == "[정정] [서울시] 마포구 지진 발생. 낙하물에 주의하세요.")
        #expect(c.draft.text.en == "[CORRECTION] [Seoul] Earthquake in 마포구.")
        #expect(c.draft.corrects == m.id)
        #expect(c.draft.channels == m.channels)
        #expect(c.check(h.state).warnings.isEmpty)  // a correction repeats the original on purpose
        h.key(.ctrl("w")); h.type("여진 대비.")
        h.key(.ctrl("o"))
        guard case .correct(let fix) = h.outbox.last else { Issue.record("no correction record"); return }
        #expect(fix.corrects == m.id)
        #expect(fix.text.ko == "[정정] [서울시] 마포구 지진 발생. 낙하물에 여진 대비.")
        // Back on the outbox, on the correction; the original says it was corrected.
        #expect(h.outboxScreen?.selected == fix.id)
        #expect(h.feed[m.id]?.correctedBy == [fix.id])
        #expect(h.state.flash?.text.en == "Correction of \(m.id) queued: \(fix.id) → x, mastodon")
        #expect(h.journals["20261129-030000-earthquake-0001"]?.last?.messageQueued?.message == fix.id)
    }

    @Test func aCorrectionIsNotHeldBackByTheRepeatWarning() throws {
        var h = Harness.onTemplateStep()
        h.key(.char("m")); h.key(.ctrl("o"))
        h.clock.advance(minutes: 2)
        h.key(.char("m")); h.key(.ctrl("o")); h.type("y"); h.key(.enter)   // a second one: warned
        let first = h.messages[0]
        h.sender(.delivered, first.id, "x", .ko, remoteID: "1")
        h.key(.char("o"))
        h.key(.down)                               // the older one
        h.key(.char("c"))
        let c = try #require(h.compose)
        #expect(!c.check(h.state).warnings.isEmpty)  // shown …
        h.key(.ctrl("o"))
        #expect(h.state.prompt == nil)              // … but one key still sends the correction
        guard case .correct(let fix) = h.outbox.last else { Issue.record("not queued"); return }
        #expect(fix.corrects == first.id)
    }

    // MARK: home

    @Test func homeCountsFollowTheOutboxAndOOpensAllMessages() throws {
        var h = Harness()
        h.state.channels = Fixture.channels
        h.outbox = [
            .message(OutboxMessage(id: "m-1", mode: .drill, kind: .info, channels: ["mastodon"], text: Localized(ko: "가", en: ""),
                                   operator: "lee", created: Fixture.start)),
            .message(OutboxMessage(id: "m-2", mode: .live, kind: .emergency, channels: ["x"], text: Localized(ko: "나", en: "b"),
                                   operator: "lee", created: Fixture.start, needsApproval: true)),
            .message(OutboxMessage(id: "m-3", mode: .drill, kind: .info, channels: ["mastodon"], text: Localized(ko: "다", en: ""),
                                   operator: "lee", created: Fixture.start)),
            .message(OutboxMessage(id: "m-4", mode: .drill, kind: .info, channels: ["mastodon"], text: Localized(ko: "라", en: ""),
                                   operator: "lee", created: Fixture.start)),
            .cancel(message: "m-4", operator: "lee", at: Fixture.start, reason: "dup"),
        ]
        h.ledger = [
            DeliveryRecord(kind: .delivered, message: "m-1", channel: "mastodon", language: .ko, at: Fixture.start, remoteID: "9"),
            DeliveryRecord(kind: .dead, message: "m-3", channel: "mastodon", language: .ko, at: Fixture.start, reason: "HTTP 401"),
        ]
        h.send(.outboxLoaded(h.feed))
        #expect(h.state.status.queued == 0)
        #expect(h.state.status.awaitingApproval == 1)
        #expect(h.state.status.failed == 1)
        #expect(h.state.status.delivered == 1)
        #expect(h.screenText.contains("발송함: 대기 0 · 승인 대기 1 · 실패 1 · 전달 1"))
        h.key(.char("o"))
        let o = try #require(h.outboxScreen)
        #expect(o.filter == .all)
        #expect(o.visible(h.state).map(\.id) == ["m-4", "m-3", "m-2", "m-1"])
        h.key(.char("f"))                          // no incident: says so
        #expect(h.outboxScreen?.filter == .all)
        h.key(.char("q"))
        guard case .home = h.state.screen else { Issue.record("q goes home"); return }
    }

    @Test func theOutboxRefreshKeepsTheSelectionOnItsMessage() throws {
        var (h, m) = Self.withOneMessage()
        #expect(h.outboxScreen?.selected == m.id)
        h.outbox.append(.message(OutboxMessage(id: "m-20261129030500-000000aa", incident: m.incident, mode: .drill, kind: .info,
                                               channels: ["mastodon"], text: Localized(ko: "새 글", en: "new"),
                                               operator: "lee", created: h.clock.now)))
        h.send(.outboxLoaded(h.feed))
        #expect(h.outboxScreen?.selected == m.id)   // a newer message above does not move it
        h.key(.up)
        #expect(h.outboxScreen?.selected == "m-20261129030500-000000aa")
    }

    @Test func helpListsTheComposeAndOutboxKeys() {
        var h = Harness.onTemplateStep()
        h.key(.char("m"))
        h.key(.function(1))
        guard case .help(let help) = h.state.screen else { Issue.record("no help"); return }
        let text = help.lines(h.state).map(\.0).joined(separator: "\n")
        #expect(text.contains("발송함에 등록 (실제: 대상 지역명을 입력해 확인"))
        #expect(text.contains("정정 메시지 작성"))
        #expect(text.contains("이 단계의 메시지 작성"))
    }
}
