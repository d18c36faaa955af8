import Foundation
import Testing
import HaechiCore
import HaechiStore

/// Outboxes written before records carried their posts are read through the one rule
/// (`Posts.of`): the posts compose would have resolved, with today's channel profiles.
@Suite struct OldRecordsTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static let fixture = repository + "/Tests/HaechiCoreTests/Fixtures/report-state"

    @Test func theReportFixtureReadsAsThePostsItsLedgerHas() throws {
        let (profiles, problems) = ChannelProfileLoader.load(path: Self.repository + "/manuals/channels.yaml")
        #expect(problems.filter { $0.severity == .error }.isEmpty)
        let snapshot = try OutboxSnapshot.load(outbox: FileOutbox(state: StateDirectory(path: Self.fixture)),
                                               ledger: StateDirectory(path: Self.fixture).delivery, channels: profiles)
        #expect(snapshot.bad.isEmpty)
        func posts(_ id: String) throws -> [String] {
            let status = try #require(snapshot.messages.first { $0.id == id })
            #expect(status.message.posts == nil, "a record from before posts were stored")
            return status.posts.map { "\($0.channel)/\($0.language.rawValue)" }
        }
        // m-hr07 went to x, cbs and kakao with both texts: CBS and Kakao carry Korean only.
        #expect(try posts("m-hr07") == ["x/ko", "x/en", "cbs/ko", "kakao/ko"])
        #expect(try posts("m-hr05") == ["x/ko", "x/en", "mastodon/ko", "mastodon/en", "facebook/ko", "facebook/en"])
        #expect(try posts("m-dup") == ["x/ko"], "no English text, no English post")
        // Every ledger line of the fixture is about one of those posts, and every post has a state from it.
        let (ledger, _) = try StateDirectory(path: Self.fixture).delivery.readAll()
        for record in ledger {
            let status = try #require(snapshot.messages.first { $0.id == record.message })
            #expect(status.targets.contains(DeliveryTarget(channel: record.channel, language: record.language)), "\(record.key)")
        }
        let hr07 = try #require(snapshot.messages.first { $0.id == "m-hr07" })
        #expect(hr07.states.map(\.state.name) == ["delivered", "delivered", "delivered", "unknown"])
        let text = try #require(hr07.posts.first { $0.channel == "cbs" }).text
        #expect(text == hr07.message.text.ko, "LIVE: no prefix; the text is the record's")
        // The correction's post carries the correction prefix the sender put in front.
        let fix = try #require(snapshot.messages.first { $0.id == "m-hr07c" })
        #expect(fix.posts.allSatisfy { $0.text.hasPrefix($0.language == .ko ? "[정정] " : "[CORRECTION] ") })
    }
}
