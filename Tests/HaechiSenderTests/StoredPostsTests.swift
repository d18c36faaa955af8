import Foundation
import HaechiCore
import HaechiStore
import Synchronization
import Testing
@testable import HaechiSender

/// The sender posts a message's stored posts and nothing else; a record from before posts were
/// stored is read through the one rule with the channel profiles, or posts nothing without them.
@Suite struct StoredPostsTests {
    final class Calls: Sendable {
        let m = Mutex<[String: String]>([:])
        var all: [String: String] { m.withLock { $0 } }
    }

    actor Recording: Endpoint {
        nonisolated let config: EndpointConfig
        nonisolated var idempotent: Bool { false }
        let calls: Calls
        init(_ channel: String, _ calls: Calls) {
            config = EndpointConfig(channel: channel, mode: .live, kind: .file(path: "/recording/\(channel)"),
                                    location: SourceLocation(file: "test", line: 1, column: 1))
            self.calls = calls
        }
        nonisolated func readyAt(now: Date) -> Date? { nil }
        func deliver(_ post: Post) async -> DeliveryResult {
            calls.m.withLock { $0[post.key] = post.text }
            return .delivered(remoteID: post.key)
        }
    }

    static let profiles = ChannelProfiles([
        ChannelProfile(id: "kakao", name: .init(ko: "카카오", en: "Kakao"), counting: .characters, limit: 200, languages: [.ko]),
        ChannelProfile(id: "mastodon", name: .init(ko: "마스토돈", en: "Mastodon"), counting: .characters, limit: 500, languages: [.ko, .en]),
    ])

    func run(_ fx: Fixture, channels: ChannelProfiles?, notes: Calls? = nil) async throws -> [String: String] {
        let calls = Calls()
        var options = Sender.Options(once: true)
        options.heartbeat = false
        let sender = Sender(state: fx.state, endpoints: ["kakao": [.live: Recording("kakao", calls)], "mastodon": [.live: Recording("mastodon", calls)]],
                            retry: RetrySettings(), concurrency: 2, options: options, channels: channels, onEvent: { event in
            if case .note(let text) = event { notes?.m.withLock { $0[text] = text } }
        })
        _ = try await sender.run()
        return calls.all
    }

    @Test func theStoredPostsAreWhatIsPostedNotTheMessagesChannelsAndTexts() async throws {
        let fx = try Fixture()
        defer { fx.remove() }
        var m = message("m-1", channels: ["kakao", "mastodon"], ko: "한강 통제", en: "Han river closed")
        // The record says: kakao in Korean, mastodon in English, with these exact texts.
        m.posts = [OutboxPost(channel: "kakao", language: .ko, text: "카카오에 보인 그대로", length: 10, limit: 200, counting: .characters),
                   OutboxPost(channel: "mastodon", language: .en, text: "as previewed", length: 12, limit: 500, counting: .characters)]
        try fx.queue([m])
        let posted = try await run(fx, channels: Self.profiles)
        #expect(posted == ["m-1.kakao.ko": "카카오에 보인 그대로", "m-1.mastodon.en": "as previewed"])
        #expect(Set(try fx.ledger().map(\.key)) == ["m-1.kakao.ko", "m-1.mastodon.en"])
    }

    @Test func anOldRecordIsReadThroughTheProfilesOrPostsNothingWithoutThem() async throws {
        let fx = try Fixture()
        defer { fx.remove() }
        var old = message("m-old", channels: ["kakao", "mastodon"], ko: "한강 통제", en: "Han river closed")
        old.posts = nil
        try fx.queue([old])
        let notes = Calls()
        #expect(try await run(fx, channels: nil, notes: notes).isEmpty, "no profiles: nothing is posted")
        #expect(notes.all.keys.contains { $0.contains("m-old was written without its post list") })
        #expect(try fx.ledger().isEmpty)
        let posted = try await run(fx, channels: Self.profiles)
        // Kakao carries Korean only: no English to kakao, as the compose preview showed.
        #expect(posted == ["m-old.kakao.ko": "한강 통제", "m-old.mastodon.ko": "한강 통제", "m-old.mastodon.en": "Han river closed"])
    }
}
