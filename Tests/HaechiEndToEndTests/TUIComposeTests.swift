import Foundation
import HaechiCore
import HaechiStore
import HaechiUI
import Testing
@testable import HaechiApp
import HaechiTestSupport

/// The real `haechi` binary in tmux (private socket, polling, never sleeping): compose from a
/// step in a drill, the meter, queue (checked in outbox.jsonl), cancel, correct a message the
/// "sender" delivered (ledger lines written here with the real RecordLog), a LIVE queue that
/// needs the district typed and another operator's approval, and an outbox that cannot be
/// written saying "NOT queued" and keeping the draft.
@Suite(.ownThread, .serialized, .enabled(if: Tmux.available, "tmux is needed for end-to-end tests"))
struct TUIComposeTests {
    struct Setup {
        let tmux: Tmux
        let manuals: URL
        let state: URL
        init() throws {
            tmux = try Tmux()
            manuals = tmux.directory.appendingPathComponent("manuals")
            state = tmux.directory.appendingPathComponent("state")
            try Self.writeManuals(to: manuals)
        }

        /// One manual in the manuals' YAML form with a message template on its second step, and
        /// two channel profiles (small, so the meters are easy to read in a test).
        static func writeManuals(to dir: URL) throws {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            try """
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
                          class: emergency
                          channels: [x, mastodon]
                          text:
                            ko: "[서울시] {district} 지진 발생. 낙하물에 주의하십시오."
                            en: "[Seoul] Earthquake in {district}. Watch for falling objects."
                """.write(to: dir.appendingPathComponent("earthquake.yaml"), atomically: true, encoding: .utf8)
            try """
                channels:
                  - id: x
                    name: {ko: X, en: X}
                    counting: x-weighted
                    limit: 280
                    languages: [ko, en]
                    approval: [critical, emergency]
                  - id: mastodon
                    name: {ko: 마스토돈, en: Mastodon}
                    counting: characters
                    limit: 500
                    languages: [ko, en]
                    approval: [critical, emergency]
                    idempotent: true
                """.write(to: dir.appendingPathComponent("channels.yaml"), atomically: true, encoding: .utf8)
        }

        func haechi(_ operatorName: String) -> [String] {
            [Binaries.path("haechi"), "--manuals", manuals.path, "--state", state.path, "--operator", operatorName]
        }

        var outboxPath: String { state.appendingPathComponent("outbox.jsonl").path }

        func outbox() throws -> [OutboxRecord] {
            let (records, bad) = try RecordLog<OutboxRecord>(path: outboxPath).readAll()
            #expect(bad.isEmpty)
            return records
        }

        func messages() throws -> [OutboxMessage] {
            try outbox().compactMap { r in
                switch r { case .message(let m), .correct(let m): m; default: nil }
            }
        }

        func journal() throws -> [IncidentEvent] {
            let dir = state.appendingPathComponent("incidents")
            let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".jsonl") }
            #expect(files.count == 1)
            return try RecordLog<IncidentEvent>(path: dir.appendingPathComponent(files[0]).path).readAll().records
        }

        /// What the sender writes after a post went out: its own ledger, through the same
        /// append log (flock, fsync), group-readable only.
        func deliver(_ message: OutboxMessage) throws {
            let ledger = RecordLog<DeliveryRecord>(path: state.appendingPathComponent("delivery.jsonl").path, mode: 0o640)
            for (i, channel) in message.channels.enumerated() {
                for language in [Language.ko, .en] {
                    try ledger.append(DeliveryRecord(kind: .delivered, message: message.id, channel: channel, language: language,
                                                     at: Date(), remoteID: "r\(i)\(language.rawValue)"))
                }
            }
        }

        /// Waits until `records` satisfies `ok` (the file is written before the screen says so,
        /// but polling keeps the test honest about it).
        func waitForOutbox(_ what: String, timeout: TimeInterval = 5, _ ok: ([OutboxRecord]) -> Bool) throws -> [OutboxRecord] {
            let deadline = Date().addingTimeInterval(timeout)
            var records: [OutboxRecord] = []
            while Date() < deadline {
                records = (try? outbox()) ?? []
                if ok(records) { return records }
                Thread.sleep(forTimeInterval: 0.05)
            }
            Issue.record("outbox.jsonl never had \(what); it has \(records.count) record(s)")
            return records
        }

        /// Home → Start → a drill or LIVE incident of the earthquake manual for 마포구, the
        /// cursor on the step with the template.
        func open(_ session: String, mode: Mode) throws {
            let t = tmux
            try t.waitFor(session, "지진")
            try t.keys(session, "Enter")
            try t.waitFor(session, "새 사건 시작")
            if mode == .live {
                try t.keys(session, "Right")
                try t.waitFor(session, "LIVE · 실제 상황")
            }
            try t.keys(session, "Down", "Down")
            try t.type(session, "마포구")
            try t.waitFor(session, "마포구")
            try t.keys(session, "C-o")
            if mode == .live {
                try t.waitFor(session, "LIVE 입력 후 Enter")
                try t.type(session, "LIVE")
                try t.keys(session, "Enter")
            }
            try t.waitFor(session, "1.1 상황 접수 및 전파", "자치구 마포구")
            try t.keys(session, "Down")
            try t.waitFor(session, ">[ ] 1.2 시민 안내 문자 게시")
        }
    }

    @Test func drillComposeQueueCancelAndCorrectADeliveredMessage() throws {
        let s = try Setup()
        let t = s.tmux
        defer { t.shutdown() }
        try t.start("a", width: 100, height: 30, s.haechi("kim"))
        try s.open("a", mode: .drill)

        // Compose from the step: prefilled, the drill prefix in the preview, a meter per channel.
        try t.keys("a", "m")
        let posted = "[훈련] [서울시] 마포구 지진 발생. 낙하물에 주의하십시오."
        try t.waitFor("a", "메시지 작성 · 1.2 시민 안내 문자 게시", posted,
                      "x ko \(TextLength.count(posted, rule: .xWeighted))/280", "mastodon ko \(posted.count)/500")
        try t.type("a", " 여진")
        try t.waitFor("a", "x ko \(TextLength.count(posted + " 여진", rule: .xWeighted))/280")
        // One key queues a drill: no typed word.
        try t.keys("a", "C-o")
        try t.waitFor("a", "메시지 발송함에 등록: m-")
        var records = try s.waitForOutbox("the message") { $0.count == 1 }
        guard case .message(let first) = records.first else { Issue.record("not a message: \(records)"); return }
        #expect(first.mode == .drill)
        #expect(first.text.ko == "[서울시] 마포구 지진 발생. 낙하물에 주의하십시오. 여진")
        #expect(first.channels == ["x", "mastodon"])
        #expect(first.operator == "kim" && first.district == "마포구" && first.step == "text")
        #expect(try s.journal().contains { $0.messageQueued?.message == first.id })

        // The outbox: queued, then cancelled with a reason.
        try t.keys("a", "o")
        try t.waitFor("a", "발송함 · 이 사건 (1)", first.id, "대기 (발송기 차례)")
        try t.keys("a", "x")
        try t.waitFor("a", "발송 취소 사유")
        try t.type("a", "문안 확인 필요")
        try t.keys("a", "Enter")
        try t.waitFor("a", "취소: kim", "문안 확인 필요")
        records = try s.waitForOutbox("the cancel") { $0.count == 2 }
        #expect(records.last?.messageID == first.id)
        if case .cancel(_, let by, _, let reason) = records.last { #expect(by == "kim" && reason == "문안 확인 필요") }
        else { Issue.record("no cancel record: \(records)") }

        // A second message, which the "sender" delivers; then one key corrects it.
        try t.keys("a", "q")
        try t.waitFor("a", ">[ ] 1.2 시민 안내 문자 게시")
        try t.keys("a", "m")
        try t.waitFor("a", "메시지 작성")
        try t.keys("a", "C-o")
        try t.waitFor("a", "메시지 발송함에 등록")
        records = try s.waitForOutbox("the second message") { $0.count == 3 }
        let second = try #require(try s.messages().last)
        try s.deliver(second)
        try t.keys("a", "o")
        try t.waitFor("a", "전달 완료", "id r0ko")            // the ledger shows within a second
        try t.keys("a", "c")
        try t.waitFor("a", "정정: \(second.id)", "[훈련] [정정] [서울시] 마포구", "[DRILL] [CORRECTION] [Seoul]")
        try t.keys("a", "C-o")
        try t.waitFor("a", "정정 메시지(\(second.id) 정정) 발송함에 등록")
        records = try s.waitForOutbox("the correction") { $0.count == 4 }
        guard case .correct(let fix) = records.last else { Issue.record("no correct record: \(records)"); return }
        #expect(fix.corrects == second.id)
        #expect(fix.text.ko == "[정정] [서울시] 마포구 지진 발생. 낙하물에 주의하십시오.")
        #expect(fix.text.en == "[CORRECTION] [Seoul] Earthquake in 마포구. Watch for falling objects.")
        try t.waitFor("a", "정정 대상 \(second.id)")      // back on the outbox, on the correction

        // Home counts the outbox.
        try t.keys("a", "q")
        try t.waitFor("a", ">[ ] 1.2")
        try t.keys("a", "q")
        try t.waitFor("a", "발송함: 대기 1 · 승인 대기 0 · 실패 0 · 전달 1")
        try t.keys("a", "q")
        #expect(try t.waitForExit("a") == 0)
    }

    @Test func liveQueueNeedsTheDistrictTypedAndAnotherOperatorsApproval() throws {
        let s = try Setup()
        let t = s.tmux
        defer { t.shutdown() }
        try t.start("kim", width: 100, height: 30, s.haechi("kim"))
        try s.open("kim", mode: .live)
        try t.keys("kim", "m")
        try t.waitFor("kim", "LIVE 실제  메시지 작성", "실제 발송: 등록하면 시민에게 게시됩니다", "승인 필요")
        try t.keys("kim", "C-o")
        try t.waitFor("kim", "확인하려면 ‘마포구’ 입력")
        // The incident's word is not the sending word: nothing is written.
        try t.type("kim", "LIVE")
        try t.keys("kim", "Enter")
        try t.waitFor("kim", "등록 안 됨: ‘마포구’가 아니라 ‘LIVE’를 입력했습니다")
        let written = FileManager.default.fileExists(atPath: s.outboxPath) ? try s.outbox() : []
        #expect(written.isEmpty)
        try t.keys("kim", "C-o")
        try t.waitFor("kim", "확인하려면 ‘마포구’ 입력")
        try t.type("kim", "마포구")
        try t.keys("kim", "Enter")
        try t.waitFor("kim", "메시지 승인 대기로 등록 (다른 근무자가 승인해야 발송): m-")
        let records = try s.waitForOutbox("the LIVE message") { $0.count == 1 }
        guard case .message(let m) = records.first else { Issue.record("no message"); return }
        #expect(m.mode == .live && m.needsApproval)

        // kim cannot approve his own.
        try t.keys("kim", "o")
        try t.waitFor("kim", "승인 대기: 다른 근무자가 a로 승인")
        try t.keys("kim", "a")
        try t.waitFor("kim", "본인이 승인할 수 없습니다")

        // lee, at another desk, approves from Home's outbox with the district typed.
        try t.start("lee", width: 100, height: 30, s.haechi("lee"))
        try t.waitFor("lee", "발송함: 대기 0 · 승인 대기 1")
        try t.keys("lee", "o")
        try t.waitFor("lee", "발송함 · 전체 (1)", m.id)
        try t.keys("lee", "a")
        try t.waitFor("lee", "시민에게 게시됩니다. 확인하려면 ‘마포구’ 입력")
        try t.type("lee", "마포구")
        try t.keys("lee", "Enter")
        try t.waitFor("lee", "승인 기록됨: \(m.id) (lee)")
        let after = try s.waitForOutbox("the approval") { $0.count == 2 }
        if case .approve(let id, let by, _) = after.last { #expect(id == m.id && by == "lee") } else { Issue.record("no approve: \(after)") }
        // kim's screen follows within a second.
        try t.waitFor("kim", "승인: lee", timeout: 120)
        try t.keys("kim", "C-c")
        try t.keys("lee", "C-c")
        #expect(try t.waitForExit("kim") == 0)
        #expect(try t.waitForExit("lee") == 0)
    }

    /// The whole path with the real sender: queued in the TUI, posted by `haechi-sender --once`
    /// to drill file endpoints with the drill prefix, and the TUI's outbox shows it delivered.
    @Test func aDrillMessageQueuedInTheTUIIsPostedByTheSenderAndShownDelivered() throws {
        let s = try Setup()
        let t = s.tmux
        defer { t.shutdown() }
        let posts = s.tmux.directory.appendingPathComponent("posts")
        let config = s.tmux.directory.appendingPathComponent("sender.yaml")
        try """
            channels:
              x:
                drill: { kind: file, path: \(posts.path)/x-drill.jsonl }
              mastodon:
                drill: { kind: file, path: \(posts.path)/mastodon-drill.jsonl }
            """.write(to: config, atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(at: posts, withIntermediateDirectories: true)

        try t.start("a", width: 100, height: 30, s.haechi("kim"))
        try s.open("a", mode: .drill)
        try t.keys("a", "m")
        try t.waitFor("a", "메시지 작성")
        try t.keys("a", "C-o")
        try t.waitFor("a", "메시지 발송함에 등록")
        try t.keys("a", "o")
        try t.waitFor("a", "대기 (발송기 차례)")

        let sent = try Binaries.run("haechi-sender", ["--state", s.state.path, "--config", config.path, "--once"])
        #expect(sent.status == 0, "\(sent.stderr)")
        try t.waitFor("a", "전달 완료", "x/ko", "mastodon/en", timeout: 120)
        let x = try String(contentsOf: posts.appendingPathComponent("x-drill.jsonl"), encoding: .utf8)
        #expect(x.contains("[훈련] [서울시] 마포구 지진 발생. 낙하물에 주의하십시오."))
        #expect(x.contains("[DRILL] [Seoul] Earthquake in 마포구. Watch for falling objects."))
        try t.keys("a", "C-c")
        #expect(try t.waitForExit("a") == 0)
    }

    @Test func anOutboxThatCannotBeWrittenSaysNotQueuedAndKeepsTheDraft() throws {
        let s = try Setup()
        let t = s.tmux
        defer { t.shutdown() }
        // outbox.jsonl is a directory: every append fails at open.
        try FileManager.default.createDirectory(atPath: s.outboxPath, withIntermediateDirectories: true)
        try t.start("a", width: 100, height: 30, s.haechi("kim"))
        try s.open("a", mode: .drill)
        try t.keys("a", "m")
        try t.waitFor("a", "메시지 작성")
        try t.type("a", " 재시도")
        try t.keys("a", "C-o")
        try t.waitFor("a", "등록 안 됨 (NOT queued): open outbox.jsonl: Is a directory")
        try t.waitFor("a", "메시지 작성", "주의하십시오. 재시도")            // still composing, text intact
        #expect(try s.journal().contains { $0.kind == "message" } == false)

        // Fixed: the same draft goes with the next Ctrl-O.
        try FileManager.default.removeItem(atPath: s.outboxPath)
        try t.keys("a", "C-o")
        try t.waitFor("a", "메시지 발송함에 등록")
        let records = try s.waitForOutbox("the retried message") { $0.count == 1 }
        guard case .message(let m) = records.first else { Issue.record("no message"); return }
        #expect(m.text.ko.hasSuffix("주의하십시오. 재시도"))
        try t.keys("a", "C-c")
        #expect(try t.waitForExit("a") == 0)
    }
}

/// The shell's outbox side against real files, without a terminal: `.enqueue` answers only
/// after the append, follows both files as others write them, and reports failures and bad
/// lines in words.
@Suite(.ownThread) struct TUIOutboxShellTests {
    static func message(_ id: String, by op: String = "kim", needsApproval: Bool = false) -> OutboxMessage {
        OutboxMessage(id: id, incident: "i-1", mode: .drill, kind: .info, channels: ["mastodon"],
                      text: Localized(ko: "훈련 안내", en: ""), operator: op, created: Date(timeIntervalSince1970: 1_795_888_800),
                      needsApproval: needsApproval)
    }

    static let channels = ChannelProfiles([
        ChannelProfile(id: "mastodon", name: Localized(ko: "마스토돈", en: "Mastodon"), counting: .characters, limit: 500, languages: [.ko, .en]),
    ])

    @Test func enqueueReadsBackThenSaysAppendedAndFollowsOtherWriters() throws {
        let dir = StateDirectory(path: Binaries.temporaryDirectory("tui-outbox"))
        try dir.prepare()
        // The shell's own effect handler on the real files.
        var runner = EffectRunner(files: StateFiles(state: dir, log: nil))
        runner.files.outbox = TUIOutbox(state: dir, channels: Self.channels)
        let shell = runner.files.outbox
        // The desk has incident i-1 open: its messages are all held, however old (older settled
        // ones of other incidents are only counted, see TUIOutboxRetentionTests).
        shell.keep(incident: "i-1")
        let first = try #require(shell.poll(now: Date()))          // the first poll always answers
        #expect(first.messages.isEmpty && first.problems.isEmpty)
        #expect(runner.pollOutbox(now: Date()) == nil)              // nothing new: nothing to send

        let record = OutboxRecord.message(Self.message("m-1"))
        let actions = runner.perform(.enqueue(record), now: Date())
        #expect(actions.count == 2)
        guard case .outboxLoaded(let feed) = actions.first, case .outboxAppended(record) = actions.last else {
            Issue.record("wrong answer: \(actions)"); return
        }
        #expect(feed.messages.map(\.id) == ["m-1"])
        #expect(try dir.outbox.readAll().records == [record])

        // Another desk's approval-needing message and the sender's ledger line arrive on the next poll.
        try FileOutbox(state: dir).append(.message(Self.message("m-2", by: "lee", needsApproval: true)))
        try dir.delivery.append(DeliveryRecord(kind: .delivered, message: "m-1", channel: "mastodon", language: .ko, at: Date(), remoteID: "42"))
        let next = try #require(shell.poll(now: Date()))
        #expect(next.messages.map(\.id) == ["m-1", "m-2"])
        #expect(next["m-1"]?.isDeliveredEverywhere == true)
        let summary = shell.statusSummary(now: Date())
        #expect(summary.delivered == 1 && summary.awaitingApproval == 1 && summary.queued == 0)
        #expect(summary.sender == .absent)                          // no heartbeat file
    }

    @Test func aFailedAppendIsNotQueuedWithAShortReasonAndBadLinesAreReported() throws {
        let dir = StateDirectory(path: Binaries.temporaryDirectory("tui-outbox-fail"))
        try dir.prepare()
        try FileManager.default.createDirectory(atPath: dir.outboxPath, withIntermediateDirectories: false)
        var runner = EffectRunner(files: StateFiles(state: dir, log: nil))
        let shell = runner.files.outbox
        let record = OutboxRecord.message(Self.message("m-1"))
        let actions = runner.perform(.enqueue(record), now: Date())
        #expect(actions == [.outboxAppendFailed(record, reason: "open outbox.jsonl: Is a directory")])

        try FileManager.default.removeItem(atPath: dir.outboxPath)
        try Data("not a record\n".utf8).write(to: URL(fileURLWithPath: dir.outboxPath))
        let feed = try #require(shell.poll(now: Date()))
        #expect(feed.problems.count == 1)
        #expect(feed.problems.first?.contains("outbox.jsonl:1: byte 0") == true)
        // A heartbeat just touched: alive.
        FileManager.default.createFile(atPath: dir.heartbeatPath, contents: Data())
        if case .alive = shell.sender(now: Date()) {} else { Issue.record("heartbeat not seen as alive") }
        if case .stale = shell.sender(now: Date().addingTimeInterval(60)) {} else { Issue.record("old heartbeat not stale") }
    }
}
