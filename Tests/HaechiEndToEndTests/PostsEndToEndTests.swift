import Foundation
import HaechiCore
import HaechiStore
import Testing
@testable import HaechiApp
import HaechiTestSupport

/// A message states its posts, end to end with the real binaries: composed in the TUI for
/// kakao (Korean only, per the bundled manuals/channels.yaml) and mastodon (Korean and English)
/// with both texts; the real `haechi-sender --once` posts exactly kakao/ko, mastodon/ko and
/// mastodon/en (read back from its file endpoints); the TUI's outbox screen, `outbox list
/// --json` and `haechi report --format json` show exactly those three.
@Suite(.ownThread, .serialized, .enabled(if: Tmux.available, "tmux is needed for end-to-end tests"))
struct PostsEndToEndTests {
    static let manual = """
        id: earthquake
        title: {ko: 지진, en: Earthquake}
        category: natural
        department: {ko: 안전총괄실, en: Safety HQ}
        revised: "2026-10-01"
        variables:
          - id: district
            label: {ko: 자치구, en: District}
            max_length: 10
            example: 마포구
        phases:
          - id: first
            title: {ko: 초기 대응, en: First response}
            steps:
              - id: receive
                title: {ko: 상황 접수 및 전파, en: Receive and relay}
                instructions:
                  ko: 상황을 접수하고 전파한다.
                  en: Receive the report and relay it.
                role: {ko: 상황관리반, en: Situation team}
                target_minutes: 5
                from_level: 관심
              - id: text
                title: {ko: 시민 안내 문자 게시, en: Post the public message}
                instructions:
                  ko: 시민에게 안내 문자를 게시한다.
                  en: Post the message to the public.
                role: {ko: 상황관리반, en: Situation team}
                target_minutes: 10
                from_level: 관심
                message:
                  class: safety
                  channels: [kakao, mastodon]
                  text:
                    ko: "[서울시] {district} 지진 발생. 낙하물에 주의하십시오."
                    en: "[Seoul] Earthquake in {district}. Watch for falling objects."
        """

    @Test func theTUIQueuesThreePostsTheSenderPostsThoseThreeAndEveryViewShowsThose() throws {
        let tmux = try Tmux()
        defer { tmux.shutdown() }
        let manuals = tmux.directory.appendingPathComponent("manuals").path
        let state = tmux.directory.appendingPathComponent("state").path
        try FileManager.default.createDirectory(atPath: manuals, withIntermediateDirectories: true)
        try Self.manual.write(toFile: manuals + "/earthquake.yaml", atomically: true, encoding: .utf8)
        try FileManager.default.copyItem(atPath: Binaries.bundledManuals + "/channels.yaml", toPath: manuals + "/channels.yaml")

        // Compose in the TUI, a drill for 마포구, from the step's template with both texts.
        try tmux.start("a", width: 100, height: 30, [Binaries.path("haechi"), "--manuals", manuals, "--state", state, "--operator", "kim"])
        try tmux.waitFor("a", "지진")
        try tmux.keys("a", "Enter")
        try tmux.waitFor("a", "새 사건 시작")
        try tmux.keys("a", "Down", "Down")
        try tmux.type("a", "마포구")
        try tmux.waitFor("a", "마포구")
        try tmux.keys("a", "C-o")
        try tmux.waitFor("a", "1.1 상황 접수 및 전파", "자치구 마포구")
        try tmux.keys("a", "Down")
        try tmux.waitFor("a", ">[ ] 1.2 시민 안내 문자 게시")
        try tmux.keys("a", "m")
        // The preview says which channels post each language: kakao does not post English.
        try tmux.waitFor("a", "ko → kakao, mastodon", "en → mastodon", "kakao ko", "mastodon ko")
        try tmux.keys("a", "C-o")
        try tmux.waitFor("a", "메시지 발송함에 등록: m-")

        let (records, bad) = try RecordLog<OutboxRecord>(path: state + "/outbox.jsonl").readAll()
        #expect(bad.isEmpty)
        guard case .message(let m)? = records.first else { Issue.record("no message: \(records)"); return }
        let posts = try #require(m.posts, "the record states its posts")
        let expected = ["kakao/ko", "mastodon/ko", "mastodon/en"]
        #expect(posts.map { "\($0.channel)/\($0.language.rawValue)" } == expected)
        #expect(posts.map(\.text) == ["[훈련] [서울시] 마포구 지진 발생. 낙하물에 주의하십시오.",
                                      "[훈련] [서울시] 마포구 지진 발생. 낙하물에 주의하십시오.",
                                      "[DRILL] [Seoul] Earthquake in 마포구. Watch for falling objects."])

        // The real sender, once, to drill file endpoints.
        let config = tmux.directory.appendingPathComponent("sender.yaml").path
        try """
            channels:
              kakao:
                drill: { kind: file, path: \(state)/kakao-posts.jsonl }
              mastodon:
                drill: { kind: file, path: \(state)/mastodon-posts.jsonl }
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let sender = try Binaries.run("haechi-sender", ["--state", state, "--config", config, "--manuals", manuals, "--once"])
        #expect(sender.status == 0, "\(sender.stderr)")
        var posted: [String: String] = [:]
        for file in ["kakao-posts.jsonl", "mastodon-posts.jsonl"] {
            let text = try String(contentsOfFile: state + "/" + file, encoding: .utf8)
            for line in text.split(separator: "\n") {
                let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
                posted["\(object["channel"] as? String ?? "?")/\(object["language"] as? String ?? "?")"] = object["text"] as? String
            }
        }
        #expect(posted.keys.sorted() == expected.sorted(), "exactly the stored posts, nothing else: \(posted)")
        for post in posts { #expect(posted["\(post.channel)/\(post.language.rawValue)"] == post.text) }

        // The TUI's outbox screen: three posts delivered, no kakao/en.
        try tmux.keys("a", "o")
        let screen = try tmux.waitFor("a", "전달 완료", "kakao/ko", "mastodon/ko", "mastodon/en")
        #expect(!screen.contains("kakao/en"), "\(screen)")
        #expect(screen.components(separatedBy: "전달됨 ").count - 1 == 3, "\(screen)")

        // `outbox list --json`.
        let list = try Binaries.run("haechi", ["outbox", "list", "--json", "--all", "--state", state, "--manuals", manuals])
        #expect(list.status == 0, "\(list.stderr)")
        let row = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [String: Any])
        #expect(row["state"] as? [String: [String: String]] == ["kakao": ["ko": "delivered"], "mastodon": ["ko": "delivered", "en": "delivered"]])

        // `haechi report --format json`.
        let incident = try #require(m.incident)
        let report = try Binaries.run("haechi", ["report", incident, "--format", "json", "--state", state, "--manuals", manuals])
        #expect(report.status == 0, "\(report.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(report.stdout.utf8)) as? [String: Any])
        let messages = try #require(json["messages"] as? [[String: Any]])
        #expect(messages.count == 1)
        let deliveries = try #require(messages.first?["deliveries"] as? [[String: Any]])
        #expect(deliveries.map { "\($0["channel"] as? String ?? "?")/\($0["language"] as? String ?? "?")" } == expected)
        #expect(deliveries.allSatisfy { $0["state"] as? String == "delivered" })

        try tmux.keys("a", "q")
        try tmux.keys("a", "q")
        try tmux.keys("a", "q")
        #expect(try tmux.waitForExit("a") == 0)
    }
}
