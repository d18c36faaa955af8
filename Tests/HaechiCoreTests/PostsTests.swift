import Foundation
import Testing
@testable import HaechiCore

/// A message states its posts: the channel × language list with the text exactly as posted,
/// resolved once by `Posts` and stored in the record.
@Suite struct PostsTests {
    static let profiles = ChannelProfiles([
        ChannelProfile(id: "mastodon", name: .init(ko: "마스토돈", en: "Mastodon"), counting: .characters, limit: 500, languages: [.ko, .en]),
        ChannelProfile(id: "x", name: .init(ko: "X", en: "X"), counting: .xWeighted, limit: 280, languages: [.ko, .en]),
        ChannelProfile(id: "kakao", name: .init(ko: "카카오", en: "Kakao"), counting: .characters, limit: 200, languages: [.ko],
                       approval: [.critical, .emergency, .safety]),
        ChannelProfile(id: "cbs", name: .init(ko: "재난문자", en: "CBS"), counting: .characters, limit: 157,
                       classLimits: [.emergency: 90], languages: [.ko]),
    ])
    static let now = Date(timeIntervalSince1970: 1_795_935_900)

    func draft(_ mode: Mode = .drill, kind: MessageClass = .safety, channels: [String], ko: String, en: String = "",
               variables: [String: String] = [:]) -> ComposeDraft {
        ComposeDraft(mode: mode, kind: kind, channels: channels, text: Localized(ko: ko, en: en), variables: variables)
    }

    @Test func theRecordStoresExactlyThePostsEachChannelCarries() throws {
        let d = draft(channels: ["kakao", "mastodon", "kakao"], ko: "{district} 잠수교 통제", en: "Jamsu Bridge closed",
                      variables: ["district": "서초구"])
        let check = Compose.check(d, channels: Self.profiles, now: Self.now)
        #expect(check.canQueue, "\(check.refusals)")
        let record = try #require(Compose.record(d, check: check, id: "m-1", operator: "kim", created: Self.now))
        guard case .message(let m) = record else { Issue.record("not a message"); return }
        let posts = try #require(m.posts)
        #expect(posts.map { "\($0.channel)/\($0.language.rawValue)" } == ["kakao/ko", "mastodon/ko", "mastodon/en"])
        #expect(posts.map(\.text) == ["[훈련] 서초구 잠수교 통제", "[훈련] 서초구 잠수교 통제", "[DRILL] Jamsu Bridge closed"])
        #expect(posts[0].length == 15 && posts[0].limit == 200 && posts[0].counting == .characters)
        // What the compose screen shows is what is stored.
        #expect(check.meters.map(\.count) == posts.map(\.length))
        #expect(Posts.of(m, profiles: nil) == posts, "stored posts need no profiles")
    }

    @Test func correctionsCarryTheirPrefixOnceInEveryPost() throws {
        var d = draft(channels: ["x"], ko: "대피소 변경", en: "[CORRECTION] shelter moved")
        d.source = .correction(of: "m-0")
        let check = Compose.check(d, channels: Self.profiles, now: Self.now)
        #expect(check.posts.map(\.text) == ["[훈련] [정정] 대피소 변경", "[DRILL] [CORRECTION] shelter moved"])
        #expect(check.posted.ko == "[훈련] [정정] 대피소 변경", "the preview shows the same text")
    }

    @Test func textInALanguageNoChosenChannelCarriesIsRefused() {
        let check = Compose.check(draft(.live, channels: ["cbs", "kakao"], ko: "한강 통제", en: "Han river closed"),
                                  channels: Self.profiles, now: Self.now)
        #expect(check.refusals == [.languageNotCarried(language: .en, channels: ["cbs", "kakao"])])
        #expect(check.refusals[0].description
                == "the en text would be posted nowhere: none of the chosen channels (cbs, kakao) posts in en; remove it or choose a channel that does")
        #expect(check.posts.map(\.language) == [.ko, .ko])
        // With a channel that posts English, the same texts are fine.
        #expect(Compose.check(draft(.live, channels: ["kakao", "mastodon"], ko: "한강 통제", en: "Han river closed"),
                              channels: Self.profiles, now: Self.now).canQueue)
    }

    @Test func controlCharactersEscapesAndBidiOverridesAreRefusedWithTheirPositions() {
        let check = Compose.check(draft(channels: ["kakao", "mastodon"], ko: "서울 \u{1B}[31m빨강 \u{202E}역방향", en: "ok\u{7}"),
                                  channels: Self.profiles, now: Self.now)
        #expect(check.refusals == [
            .controlCharacter(language: .ko, position: 4, scalar: 0x1B),
            .controlCharacter(language: .ko, position: 12, scalar: 0x202E),
            .controlCharacter(language: .en, position: 3, scalar: 0x07),
        ])
        #expect(check.refusals[0].description.hasPrefix("the ko text has an escape character (U+001B, ESC) at character 4"))
        #expect(check.refusals[1].description.hasPrefix("the ko text has a bidirectional control (U+202E) at character 12"))
        #expect(!check.canQueue)
        // The same through an incident variable the text uses.
        let viaVariable = Compose.check(draft(channels: ["kakao"], ko: "{district} 대피", variables: ["district": "강남\u{1B}]0;x\u{7}"]),
                                        channels: Self.profiles, now: Self.now)
        #expect(viaVariable.refusals.first == .controlCharacterInVariable(name: "district", scalar: 0x1B))
    }

    @Test func anOldRecordWithoutPostsIsReadThroughTheSameRule() {
        // Written before records carried posts: kakao and cbs carry Korean only.
        let old = OutboxMessage(id: "m-old", mode: .live, kind: .emergency, channels: ["x", "cbs", "kakao", "gone"],
                                text: Localized(ko: "도림천 범람 우려", en: "Dorim stream may overflow"), operator: "lee", created: Self.now)
        let posts = Posts.of(old, profiles: Self.profiles)
        #expect(posts.map { "\($0.channel)/\($0.language.rawValue)" } == ["x/ko", "x/en", "cbs/ko", "kakao/ko"],
                "no English to kakao or cbs, nothing to a channel without a profile")
        #expect(posts[2].limit == 90, "the class limit, as compose would have checked")
        #expect(Posts.of(old, profiles: nil).isEmpty, "without profiles an old record makes no posts at all")
        var correction = old
        correction.corrects = "m-0"
        #expect(Posts.of(correction, profiles: Self.profiles)[0].text == "[정정] 도림천 범람 우려")
    }
}
