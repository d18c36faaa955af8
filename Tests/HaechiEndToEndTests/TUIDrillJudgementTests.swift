import Foundation
import HaechiCore
import HaechiStore
import Testing
import HaechiTestSupport

/// A judgement drill through the real TUI in a private tmux (issue 11): the officer sends the
/// critical text an inject orders, the "sender" delivers it (ledger lines written with the real
/// store), the officer corrects it with one key from the outbox, and `haechi report --format json`
/// scores the message and the correction met, counted from the injects in scenario time.
@Suite(.ownThread, .serialized, .enabled(if: Tmux.available, "tmux is needed for end-to-end tests"))
struct TUIDrillJudgementTests {
    /// Both injects play at the start (T+0 and one second later) and leave thirty minutes, so a
    /// loaded machine has far more time than the keys need.
    static let scenario = """
    id: judge-correction
    title: {ko: 정정 판단 훈련, en: Correction drill}
    brief: {ko: "실제 시간 그대로 진행한다(압축 없음).", en: "Real time (no compression)."}
    manual: civil-defence
    start_level: 경계
    variables:
      area: 서울 전역
      shelter: 시청역
    injects:
      - id: order
        at: T+0
        text: {ko: 위급재난문자를 보낼 것, en: Send the critical text}
        expect:
          message: {class: critical, channels: [cbs]}
          within: 30
      - id: false-alert
        at: "T+0:01"
        text: {ko: 오발령으로 확인됨, en: Confirmed a false alert}
        expect:
          correction: {class: critical}
          within: 30
    """

    @Test func theOfficersCorrectionIsScoredMetInTheReport() throws {
        let tmux = try Tmux()
        defer { tmux.shutdown() }
        // The bundled manuals with one more scenario beside the shipped ones.
        let manuals = tmux.directory.appendingPathComponent("manuals")
        try FileManager.default.copyItem(atPath: Binaries.bundledManuals, toPath: manuals.path)
        try Self.scenario.write(to: manuals.appendingPathComponent("scenarios/judge-correction.yaml"), atomically: true, encoding: .utf8)
        let state = tmux.directory.appendingPathComponent("state")
        let store = StateDirectory(path: state.path)
        let files = ["--manuals", manuals.path, "--state", state.path]
        let common = files + ["--operator", "kim"]

        try tmux.start("a", width: 120, height: 40, [Binaries.path("haechi"), "drill", "judge-correction"] + common)
        try tmux.waitFor("a", "DRILL · 훈련 상황", "오발령으로 확인됨", timeout: 120)

        // 경계 from the start: CD-01..03, then 2.1 the critical text with its template.
        try tmux.keys("a", "Down", "Down", "Down")
        try tmux.waitFor("a", ">[ ] 2.1 위급재난문자 송출", timeout: 120)
        try tmux.keys("a", "m")
        try tmux.waitFor("a", "메시지 작성 · 2.1 위급재난문자 송출", timeout: 120)
        try tmux.keys("a", "C-o")
        try tmux.waitFor("a", "메시지 발송함에 등록: m-", timeout: 120)
        let original = try #require(try Self.waitForMessages(store, count: 1).first)
        #expect(original.kind == .critical && original.channels.contains("cbs"))

        // What the sender writes once the posts went out, through the same append log.
        let posts = try #require(original.posts)
        for post in posts {
            try store.delivery.append(DeliveryRecord(kind: .delivered, message: original.id, channel: post.channel, language: post.language,
                                                     at: Date(), remoteID: "r-\(post.channel)-\(post.language.rawValue)"))
        }
        try tmux.keys("a", "o")
        try tmux.waitFor("a", "전달 완료", "id r-cap-en", timeout: 120)
        try tmux.keys("a", "c")
        try tmux.waitFor("a", "정정: \(original.id)", timeout: 120)
        try tmux.keys("a", "C-o")
        try tmux.waitFor("a", "정정 메시지(\(original.id) 정정) 발송함에 등록", timeout: 120)
        let messages = try Self.waitForMessages(store, count: 2)
        let correction = try #require(messages.last)
        #expect(correction.corrects == original.id)
        try tmux.keys("a", "q")
        try tmux.keys("a", "q")
        try tmux.waitFor("a", "진행 중인 사건·훈련", timeout: 120)
        try tmux.keys("a", "q")
        #expect(try tmux.waitForExit("a", timeout: 120) == 0)

        let incident = try #require(try FileManager.default.contentsOfDirectory(atPath: store.incidentsPath)
            .first { $0.hasSuffix(".jsonl") }.map { String($0.dropLast(6)) })
        let r = try Binaries.run("haechi", ["report", incident, "--format", "json"] + files)
        #expect(r.status == 0, "\(r.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let drill = try #require(json["drill"] as? [String: Any])
        let injects = try #require(drill["injects"] as? [[String: Any]])
        func result(_ inject: String) throws -> [String: Any] {
            let score = try #require(injects.first { $0["id"] as? String == inject })
            #expect(score["answered"] as? Bool == true)
            return try #require((score["results"] as? [[String: Any]])?.first)
        }
        let sent = try result("order")
        #expect(sent["kind"] as? String == "message" && sent["verdict"] as? String == "met")
        #expect(sent["message"] as? String == original.id)
        let fixed = try result("false-alert")
        #expect(fixed["kind"] as? String == "correction" && fixed["verdict"] as? String == "met")
        #expect(fixed["message"] as? String == correction.id)
        // Scenario time from the inject's showing to the correction: positive, inside the window.
        let after = try #require(fixed["after"] as? Double)
        #expect(after > 0 && after <= 30 * 60)
        #expect(drill["answered"] as? Int == 2 && drill["percent"] as? Int == 100)
    }

    /// Polls the outbox until it holds `count` messages (the file is written before the screen
    /// says so; polling keeps the test honest about it).
    static func waitForMessages(_ store: StateDirectory, count: Int, timeout: TimeInterval = 30) throws -> [OutboxMessage] {
        let deadline = Date().addingTimeInterval(timeout)
        var messages: [OutboxMessage] = []
        while Date() < deadline {
            let records = (try? store.outbox.readAll().records) ?? []
            messages = records.compactMap { r in
                switch r { case .message(let m), .correct(let m): m; default: nil }
            }
            if messages.count >= count { return messages }
            Thread.sleep(forTimeInterval: 0.05)
        }
        Issue.record("outbox.jsonl never had \(count) messages; it has \(messages.count)")
        return messages
    }
}
