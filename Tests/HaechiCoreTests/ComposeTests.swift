import Foundation
import Testing
@testable import HaechiCore

/// The compose rules: meters per channel on the exact posted text, refusals with plain
/// reasons, approval, the 24-hour repeat warning.
@Suite struct ComposeTests {
    static let profiles = ChannelProfiles([
        ChannelProfile(id: "x", name: .init(ko: "X", en: "X"), counting: .xWeighted, limit: 280, languages: [.ko, .en],
                       approval: [.critical, .emergency]),
        ChannelProfile(id: "mastodon", name: .init(ko: "마스토돈", en: "Mastodon"), counting: .characters, limit: 500,
                       languages: [.ko, .en], approval: [.critical, .emergency]),
        ChannelProfile(id: "bluesky", name: .init(ko: "블루스카이", en: "Bluesky"), counting: .graphemes, limit: 300, languages: [.ko, .en]),
        ChannelProfile(id: "cbs", name: .init(ko: "재난문자", en: "CBS"), counting: .characters, limit: 157,
                       classLimits: [.emergency: 90, .critical: 90], languages: [.ko], approval: [.critical, .emergency, .safety]),
        ChannelProfile(id: "webhook", name: .init(ko: "훅", en: "Hook"), counting: .characters, limit: 2000, languages: [.ko, .en]),
    ])
    /// 2026-11-29 16:05 in Seoul.
    static let now = Date(timeIntervalSince1970: 1_795_935_900)

    func draft(_ mode: Mode = .drill, kind: MessageClass = .safety, channels: [String], ko: String, en: String = "",
               variables: [String: String] = [:], manual: String? = nil) -> ComposeDraft {
        ComposeDraft(mode: mode, kind: kind, channels: channels, text: Localized(ko: ko, en: en), manual: manual,
                     variables: variables, level: .alert)
    }

    @Test func placeholdersFillFromVariablesAndBuiltIns() {
        let d = draft(channels: ["webhook"], ko: "{time} {date} {level} {district} 대피", en: "{level} alert for {district}",
                      variables: ["district": "영등포구"])
        let check = Compose.check(d, channels: Self.profiles, now: Self.now)
        #expect(check.filled.ko == "16:05 2026-11-29 경계 영등포구 대피")
        #expect(check.filled.en == "Orange alert for 영등포구")
        #expect(check.canQueue)
    }

    @Test func anUnfilledPlaceholderIsRefusedAndStaysVisibleInThePreview() {
        let d = draft(channels: ["webhook"], ko: "{district} 대피소: {shelter}", en: "Shelter {shelter}", variables: ["district": "중구"])
        let check = Compose.check(d, channels: Self.profiles, now: Self.now)
        #expect(check.refusals == [.unfilledPlaceholder(name: "shelter", language: .ko), .unfilledPlaceholder(name: "shelter", language: .en)])
        #expect(check.posted.ko == "[훈련] 중구 대피소: {shelter}")
        #expect(check.refusals[0].description.contains("{shelter}"))
        // A stray brace in free text is no placeholder.
        let stray = Compose.check(draft(channels: ["webhook"], ko: "괄호 { 와 } 그리고 {}", en: "x"), channels: Self.profiles, now: Self.now)
        #expect(stray.canQueue, "\(stray.refusals)")
    }

    @Test func metersCountThePostedTextWithTheDrillPrefixInEachChannelsRule() {
        let ko = String(repeating: "가", count: 100)
        let en = String(repeating: "a", count: 100)
        let d = draft(channels: ["x", "mastodon", "bluesky", "cbs"], ko: ko, en: en)
        let check = Compose.check(d, channels: Self.profiles, now: Self.now)
        func meter(_ c: String, _ l: Language) -> LengthMeter? { check.meters.first { $0.channel == c && $0.language == l } }
        // "[훈련] " = 5 scalars: [ 훈 련 ] space; on X the Hangul weighs 2 → 7.
        #expect(meter("x", .ko)?.count == 200 + 7)
        #expect(meter("x", .en)?.count == 100 + 8)        // "[DRILL] "
        #expect(meter("mastodon", .ko)?.count == 105)
        #expect(meter("bluesky", .ko)?.count == 105)
        #expect(meter("cbs", .ko)?.count == 105 && meter("cbs", .ko)?.limit == 157)
        #expect(meter("cbs", .en) == nil, "CBS posts Korean only")
        #expect(check.canQueue)
        // The same text LIVE has no prefix.
        var live = d; live.mode = .live
        let liveCheck = Compose.check(live, channels: Self.profiles, now: Self.now)
        #expect(liveCheck.meters.first { $0.channel == "x" && $0.language == .ko }?.count == 200)
    }

    @Test func overALimitIsRefusedPerChannelWithTheExcess() {
        // 140 Hangul = 280 on X live, but the drill prefix pushes it over by 7.
        let d = draft(kind: .info, channels: ["x", "mastodon"], ko: String(repeating: "한", count: 140), en: "ok")
        let check = Compose.check(d, channels: Self.profiles, now: Self.now)
        #expect(check.refusals == [.overLimit(channel: "x", language: .ko, count: 287, limit: 280, rule: .xWeighted)])
        #expect(check.refusals[0].description == "ko text is 7 over the x limit (287/280 weighted characters)")
        var live = d; live.mode = .live
        #expect(Compose.check(live, channels: Self.profiles, now: Self.now).canQueue)
    }

    @Test func cbsEvacuationTextsStayAtNinety() {
        let text = String(repeating: "대", count: 100)
        let emergency = Compose.check(draft(.live, kind: .emergency, channels: ["cbs"], ko: text), channels: Self.profiles, now: Self.now)
        #expect(emergency.refusals == [.overLimit(channel: "cbs", language: .ko, count: 100, limit: 90, rule: .characters)])
        let safety = Compose.check(draft(.live, kind: .safety, channels: ["cbs"], ko: text), channels: Self.profiles, now: Self.now)
        #expect(safety.canQueue)
    }

    @Test func aLanguageTheChannelNeedsMustNotBeEmpty() {
        let check = Compose.check(draft(channels: ["cbs", "x"], ko: "한국어만"), channels: Self.profiles, now: Self.now)
        #expect(check.refusals == [.missingLanguage(channel: "x", language: .en)])
        #expect(check.refusals[0].description == "x posts in en but the en text is empty")
    }

    @Test func unknownChannelNoChannelAndNoTextAreRefused() {
        #expect(Compose.check(draft(channels: ["myspace"], ko: "a", en: "b"), channels: Self.profiles, now: Self.now).refusals
                == [.unknownChannel("myspace")])
        #expect(Compose.check(draft(channels: [], ko: "a", en: "b"), channels: Self.profiles, now: Self.now).refusals == [.noChannel])
        #expect(Compose.check(draft(channels: ["webhook"], ko: "  ", en: ""), channels: Self.profiles, now: Self.now).refusals.first == .noText)
    }

    @Test func decomposedHangulIsStoredAndCountedAsNFC() {
        let nfd = "서울".decomposedStringWithCanonicalMapping
        let check = Compose.check(draft(.live, channels: ["cbs"], ko: nfd), channels: Self.profiles, now: Self.now)
        #expect(check.filled.ko.unicodeScalars.count == 2)
        #expect(check.meters[0].count == 2)
    }

    @Test func liveNeedsApprovalWhenAChannelProfileSaysSoForTheClass() {
        func needs(_ mode: Mode, _ kind: MessageClass, _ channels: [String]) -> Bool {
            Compose.check(draft(mode, kind: kind, channels: channels, ko: "a", en: "b"), channels: Self.profiles, now: Self.now).needsApproval
        }
        #expect(needs(.live, .emergency, ["x"]))
        #expect(needs(.live, .safety, ["webhook", "cbs"]))
        #expect(!needs(.live, .safety, ["x", "webhook"]))
        #expect(!needs(.live, .info, ["x", "cbs"]))
        #expect(!needs(.drill, .emergency, ["x"]), "drills never wait for approval")
    }

    @Test func theRecordCarriesFilledTextApprovalAndCorrection() throws {
        let d = draft(.live, kind: .emergency, channels: ["x", "x", "mastodon"], ko: "{district} 대피", en: "Evacuate {district}",
                      variables: ["district": "마포구"], manual: "typhoon")
        let check = Compose.check(d, channels: Self.profiles, now: Self.now)
        let record = try #require(Compose.record(d, check: check, id: "m-1", operator: "kim", created: Self.now))
        guard case .message(let m) = record else { Issue.record("expected a message"); return }
        #expect(m.text == Localized(ko: "마포구 대피", en: "Evacuate 마포구"))
        #expect(m.needsApproval && m.channels == ["x", "mastodon"] && m.district == "마포구" && m.manual == "typhoon")

        let correction = ComposeDraft(correcting: m)
        #expect(correction.text.ko == "[정정] 마포구 대피" && correction.text.en == "[CORRECTION] Evacuate 마포구")
        let cc = Compose.check(correction, channels: Self.profiles, now: Self.now)
        guard case .correct(let c)? = Compose.record(correction, check: cc, id: "m-2", operator: "lee", created: Self.now) else {
            Issue.record("expected a correction"); return
        }
        #expect(c.corrects == "m-1")
        // A refused draft yields no record at all.
        let refused = draft(channels: [], ko: "a")
        #expect(Compose.record(refused, check: Compose.check(refused, channels: Self.profiles, now: Self.now), id: "m-3",
                               operator: "kim", created: Self.now) == nil)
    }

    @Test func theSameDisasterTypeToTheSameDistrictWithin24HoursWarns() {
        func earlier(_ id: String, hoursAgo: Double, mode: Mode = .live, manual: String = "typhoon", district: String = "마포구") -> OutboxMessage {
            OutboxMessage(id: id, manual: manual, district: district, mode: mode, kind: .emergency, channels: ["x"],
                          text: .init(ko: "a", en: "b"), operator: "kim", created: Self.now.addingTimeInterval(-hoursAgo * 3600))
        }
        let messages = [earlier("recent", hoursAgo: 3), earlier("old", hoursAgo: 25), earlier("drill", hoursAgo: 1, mode: .drill),
                        earlier("other-type", hoursAgo: 1, manual: "heat-wave"), earlier("other-district", hoursAgo: 1, district: "중구"),
                        earlier("cancelled", hoursAgo: 2), earlier("cancelled-after-delivery", hoursAgo: 2)]
        var outbox: [OutboxRecord] = messages.map { .message($0) }
        outbox.append(.cancel(message: "cancelled", operator: "kim", at: Self.now, reason: ""))
        outbox.append(.cancel(message: "cancelled-after-delivery", operator: "kim", at: Self.now, reason: ""))
        let ledger = [DeliveryRecord(kind: .delivered, message: "cancelled-after-delivery", channel: "x", language: .ko, at: Self.now)]
        let history = OutboxLedgerJoin.join(outbox: outbox, ledger: ledger, channels: Self.profiles)
        let d = draft(.live, kind: .emergency, channels: ["webhook"], ko: "a", en: "b", variables: ["district": "마포구"], manual: "typhoon")
        let check = Compose.check(d, channels: Self.profiles, now: Self.now, history: history)
        // Cancelled before it reached anyone: no repeat. Cancelled after a post went out: it did go out.
        #expect(check.warnings.map(\.previous) == ["recent", "cancelled-after-delivery"])
        #expect(check.canQueue, "a warning, not a refusal")
        #expect(check.warnings[0].description.contains("less than 24 hours ago"))
        #expect(Compose.gates(d, check: check) == [.acknowledgeRepeat(check.warnings[0]), .confirmLive(word: "마포구")])
        // A correction is never held back by it.
        var correction = d
        correction.source = .correction(of: "recent")
        #expect(Compose.gates(correction, check: Compose.check(correction, channels: Self.profiles, now: Self.now, history: history))
                == [.confirmLive(word: "마포구")])
        // Without a district there is nothing to compare, and LIVE is confirmed with the word LIVE.
        let noDistrict = draft(.live, channels: ["webhook"], ko: "a", en: "b", manual: "typhoon")
        let plain = Compose.check(noDistrict, channels: Self.profiles, now: Self.now, history: history)
        #expect(plain.warnings.isEmpty)
        #expect(Compose.gates(noDistrict, check: plain) == [.confirmLive(word: "LIVE")])
        #expect(Compose.confirms(" live ", word: "LIVE") && Compose.confirms("마포구".decomposedStringWithCanonicalMapping, word: "마포구"))
        #expect(Compose.gates(draft(channels: ["webhook"], ko: "a", en: "b"), check: plain).isEmpty, "a drill without repeat: no gate")
    }

    @Test func messageIDsSortByTimeAndCarryTheRandomPart() {
        let a = MessageID.make(at: Self.now, random: 0xab)
        let b = MessageID.make(at: Self.now.addingTimeInterval(1), random: 0)
        #expect(a == "m-20261129070500-000000ab")
        #expect(a < b)
        #expect(MessageID.make(at: Self.now) != MessageID.make(at: Self.now))
    }
}
