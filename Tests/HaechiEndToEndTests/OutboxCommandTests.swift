import Foundation
import Testing
import HaechiCore
import HaechiStore
@testable import HaechiApp
#if canImport(FoundationXML)
import FoundationXML
import HaechiTestSupport
#endif

/// `haechi outbox …` end to end: what scripts and operators without a terminal rely on.
@Suite(.ownThread) struct OutboxCommandTests {
    let state = Binaries.temporaryDirectory("outbox-cli")

    func haechi(_ arguments: [String], stdin: String? = nil, operator op: String = "kim") throws -> Binaries.Result {
        try Binaries.run("haechi", ["outbox"] + arguments + ["--state", state, "--manuals", Binaries.bundledManuals],
                         stdin: stdin, environment: ["HAECHI_OPERATOR": op])
    }

    /// Queues a message and returns its id, failing the test if it was not queued.
    func add(_ arguments: [String], operator op: String = "kim") throws -> String {
        let r = try haechi(["add"] + arguments, operator: op)
        #expect(r.status == 0, "\(r.stderr)")
        let id = r.stdout.trimmingCharacters(in: .newlines)
        #expect(id.range(of: #"^m-\d{14}-[0-9a-f]{8}$"#, options: .regularExpression) != nil, "the id alone on stdout: '\(r.stdout)'")
        return id
    }

    func listJSON(_ extra: [String] = ["--all"]) throws -> [[String: Any]] {
        let r = try haechi(["list", "--json"] + extra)
        #expect(r.status == 0, "\(r.stderr)")
        return try r.stdout.split(separator: "\n").map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
    }

    // LIVE is confirmed with the district it goes to, the word the TUI asks for.
    let evacuation = ["--mode", "live", "--confirm-live", "마포구", "--kind", "emergency", "--channel", "x", "--channel", "cbs",
                      "--text", "[서울시] {district} 주민은 즉시 대피 바랍니다.", "--text-en", "[Seoul] {district}: evacuate now.",
                      "--district", "마포구", "--manual", "typhoon"]

    @Test func addValidatesLikeComposeAndSaysWhyNotQueued() throws {
        defer { try? FileManager.default.removeItem(atPath: state) }
        var r = try haechi(["add", "--mode", "live", "--channel", "x", "--text", "a", "--text-en", "b"])
        #expect(r.status == 1 && r.stdout.isEmpty)
        #expect(r.stderr.contains("NOT queued: LIVE messages go to the public: add --confirm-live LIVE"), "\(r.stderr)")
        r = try haechi(["add", "--mode", "drill", "--confirm-live", "LIVE", "--channel", "x", "--text", "a", "--text-en", "b"])
        #expect(r.status == 1 && r.stderr.contains("only for --mode live"), "\(r.stderr)")
        r = try haechi(["add", "--mode", "drill", "--channel", "x", "--text", String(repeating: "한", count: 140), "--text-en", "b"])
        #expect(r.stderr.contains("NOT queued: ko text is 7 over the x limit (287/280 weighted characters)"), "\(r.stderr)")
        r = try haechi(["add", "--mode", "drill", "--channel", "x", "--channel", "nope", "--text", "{shelter} 로", "--text-en", "b"])
        #expect(r.stderr.contains("NOT queued: {shelter} in the ko text is not filled"), "\(r.stderr)")
        #expect(r.stderr.contains("NOT queued: unknown channel 'nope'"), "\(r.stderr)")
        r = try haechi(["add", "--mode", "drill", "--channel", "x", "--text", "한국어만"])
        #expect(r.stderr.contains("NOT queued: x posts in en but the en text is empty"), "\(r.stderr)")
        r = try haechi(["add", "--mode", "drill", "--text", "a"])
        #expect(r.stderr.contains("NOT queued: no channel chosen"), "\(r.stderr)")
        // LIVE with a district: the district typed out, as on the TUI.
        r = try haechi(["add", "--mode", "live", "--confirm-live", "LIVE", "--channel", "webhook", "--text", "a", "--text-en", "b", "--district", "중구"])
        #expect(r.status == 1 && r.stderr.contains("NOT queued: LIVE messages go to the public: --confirm-live must be 중구 (the district it goes to"), "\(r.stderr)")
        // English that none of the chosen channels posts (CBS and Kakao are Korean only).
        r = try haechi(["add", "--mode", "drill", "--channel", "cbs", "--channel", "kakao", "--text", "한강 통제", "--text-en", "Han river closed"])
        #expect(r.status == 1 && r.stdout.isEmpty)
        #expect(r.stderr.contains("NOT queued: the en text would be posted nowhere: none of the chosen channels (cbs, kakao) posts in en"), "\(r.stderr)")
        // Control characters, escape sequences and bidi overrides, each with its place.
        r = try haechi(["add", "--mode", "drill", "--channel", "kakao", "--text", "서울 \u{1B}[31m빨강 \u{202E}역방향"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("NOT queued: the ko text has an escape character (U+001B, ESC) at character 4"), "\(r.stderr)")
        #expect(r.stderr.contains("NOT queued: the ko text has a bidirectional control (U+202E) at character 12"), "\(r.stderr)")
        #expect(!r.stderr.contains("\u{1B}[31m"), "the escape is named, never written to the terminal")
        #expect(!FileManager.default.fileExists(atPath: state + "/outbox.jsonl"), "nothing refused reaches the outbox")
    }

    @Test func queueApproveCancelAndListWithStatesPerChannel() throws {
        defer { try? FileManager.default.removeItem(atPath: state) }
        let live = try add(evacuation)
        let drill = try add(["--mode", "drill", "--channel", "kakao", "--channel", "webhook", "--text", "훈련 {time}", "--text-en", "drill"])
        var rows = try listJSON()
        #expect(rows.map { $0["id"] as? String } == [live, drill])
        #expect(rows[0]["mode"] as? String == "live" && rows[0]["channels"] as? [String] == ["x", "cbs"])
        #expect(rows[0]["created"] is String)
        let state0 = rows[0]["state"] as? [String: [String: String]]
        #expect(state0 == ["x": ["ko": "awaiting-approval", "en": "awaiting-approval"], "cbs": ["ko": "awaiting-approval"]])
        #expect((rows[1]["state"] as? [String: [String: String]])?["kakao"] == ["ko": "queued"], "drills never wait for approval")

        var r = try haechi(["approve", live])
        #expect(r.status == 1 && r.stderr.contains("NOT approved: kim queued \(live) and cannot approve it"), "\(r.stderr)")
        r = try haechi(["approve", live], operator: "lee")
        #expect(r.status == 0 && r.stdout == "approved \(live)\n", "\(r.stderr)")
        rows = try listJSON()
        #expect(rows[0]["approved_by"] as? String == "lee")
        #expect((rows[0]["state"] as? [String: [String: String]])?["x"]?["ko"] == "queued")

        // The sender's ledger drives the rest: delivered on X/ko, retrying on X/en.
        let ledger = StateDirectory(path: state).delivery
        let next = Date().addingTimeInterval(300)
        try ledger.append(DeliveryRecord(kind: .attempt, message: live, channel: "x", language: .ko, at: Date(), attempt: 1))
        try ledger.append(DeliveryRecord(kind: .delivered, message: live, channel: "x", language: .ko, at: Date(), remoteID: "1860000000000000001"))
        try ledger.append(DeliveryRecord(kind: .retry, message: live, channel: "x", language: .en, at: Date(), next: next, reason: "429"))
        rows = try listJSON()
        let states = rows[0]["state"] as? [String: [String: String]]
        #expect(states == ["x": ["ko": "delivered", "en": "retrying"], "cbs": ["ko": "queued"]])
        let detail = rows[0]["detail"] as? [String: [String: String]]
        #expect(detail?["x"]?["ko"] == "delivered (1860000000000000001)")
        #expect(detail?["x"]?["en"]?.hasPrefix("retrying at ") == true)

        r = try haechi(["cancel", live, "--reason", "기상특보 해제"], operator: "park")
        #expect(r.status == 0, "\(r.stderr)")
        rows = try listJSON()
        #expect(rows[0]["state"] as? [String: [String: String]] == ["x": ["ko": "delivered", "en": "cancelled"], "cbs": ["ko": "cancelled"]])
        r = try haechi(["cancel", live])
        #expect(r.status == 1 && r.stderr.contains("NOT cancelled: \(live) is already cancelled"), "\(r.stderr)")

        // Delivered everywhere: cancel refused, a correction is the way.
        for (channel, language) in [("kakao", Language.ko), ("webhook", .ko), ("webhook", .en)] {
            try ledger.append(DeliveryRecord(kind: .delivered, message: drill, channel: channel, language: language, at: Date(), remoteID: "r"))
        }
        r = try haechi(["cancel", drill])
        #expect(r.status == 1 && r.stderr.contains("queue a correction instead"), "\(r.stderr)")
        let fix = try add(["--mode", "drill", "--corrects", drill, "--text", "[정정] 훈련 시각 변경", "--text-en", "[CORRECTION] drill"])
        rows = try listJSON()
        #expect(rows.last?["corrects"] as? String == drill && rows.last?["id"] as? String == fix)

        // Filters: by incident, and the default (last 24 hours) still shows these.
        #expect(try listJSON(["--incident", "nothing-here"]).isEmpty)
        #expect(try listJSON([]).count == 3)
        #expect(try haechi(["list"]).stdout.contains("x/ko=delivered (1860000000000000001)"))
    }

    @Test func theSameDisasterToTheSameDistrictWithin24HoursNeedsAllowRepeatInLive() throws {
        defer { try? FileManager.default.removeItem(atPath: state) }
        _ = try add(evacuation)
        var r = try haechi(["add"] + evacuation)
        #expect(r.status == 1 && r.stderr.contains("warning: message m-") && r.stderr.contains("less than 24 hours ago"), "\(r.stderr)")
        r = try haechi(["add"] + evacuation + ["--allow-repeat"])
        #expect(r.status == 0 && r.stderr.contains("warning:"), "\(r.stderr)")
    }

    @Test func addPrintsThePostsItQueuedAndTheRecordStoresThem() throws {
        defer { try? FileManager.default.removeItem(atPath: state) }
        let r = try haechi(["add", "--mode", "drill", "--channel", "kakao", "--channel", "mastodon", "--format", "json",
                            "--text", "잠수교 통제", "--text-en", "Jamsu Bridge closed"])
        #expect(r.status == 0, "\(r.stderr)")
        let out = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let posts = try #require(out["posts"] as? [[String: Any]])
        #expect(posts.map { "\($0["channel"] as? String ?? "")/\($0["language"] as? String ?? "")" } == ["kakao/ko", "mastodon/ko", "mastodon/en"])
        #expect(posts.map { $0["text"] as? String } == ["[훈련] 잠수교 통제", "[훈련] 잠수교 통제", "[DRILL] Jamsu Bridge closed"])
        #expect(posts.first?["length"] as? Int == 11 && posts.first?["limit"] as? Int == 200)
        #expect(r.stderr.contains("3 post(s), kakao/ko, mastodon/ko, mastodon/en"), "\(r.stderr)")
        #expect(r.stderr.contains("  mastodon/en 27/500 characters: [DRILL] Jamsu Bridge closed"), "\(r.stderr)")
        let (records, _) = try StateDirectory(path: state).outbox.readAll()
        guard case .message(let m)? = records.first else { Issue.record("no message"); return }
        #expect(m.id == out["id"] as? String)
        #expect(m.posts?.map(\.text) == posts.map { $0["text"] as? String ?? "" })
    }

    @Test func jsonOnStdinAndTemplatesFromAStep() throws {
        defer { try? FileManager.default.removeItem(atPath: state) }
        let request = #"{"mode":"drill","channels":["webhook"],"text":{"ko":"{district} 한파 쉼터 운영","en":"Warming shelters open in {district}"},"variables":{"district":"종로구"},"kind":"safety"}"#
        let r = try haechi(["add", "--json", "-"], stdin: request)
        #expect(r.status == 0, "\(r.stderr)")
        let row = try #require(try listJSON().first)
        #expect(row["kind"] as? String == "safety")
        let bad = try haechi(["add", "--json", "-"], stdin: "{not json")
        #expect(bad.status == 1 && bad.stderr.contains("NOT queued: stdin is not a valid JSON request"), "\(bad.stderr)")
        // A step template, filled from --var; its own channels and class.
        let t = try haechi(["add", "--mode", "drill", "--manual", "typhoon", "--step", "TY-06", "--var", "district=영등포구"])
        #expect(t.status == 0, "\(t.stderr)")
        let rows = try listJSON()
        #expect(rows.count == 2 && rows[1]["kind"] as? String == "emergency")
    }

    @Test func anIncidentJournalSuppliesVariablesAndKeepsDrillAndLiveApart() throws {
        defer { try? FileManager.default.removeItem(atPath: state) }
        let dir = StateDirectory(path: state)
        try dir.prepare()
        try dir.journal(incident: "inc-9").append(.opened(.init(incident: "inc-9", at: Date(), operator: "kim"),
                                                          .init(manual: "typhoon", mode: .live, level: .alert, variables: ["district": "강서구"])))
        var r = try haechi(["add", "--mode", "drill", "--incident", "inc-9", "--channel", "webhook", "--text", "a", "--text-en", "b"])
        #expect(r.status == 1 && r.stderr.contains("NOT queued: incident inc-9 is a LIVE; drill and live never mix"), "\(r.stderr)")
        r = try haechi(["add", "--mode", "live", "--confirm-live", "강서구", "--incident", "inc-9", "--channel", "webhook",
                        "--text", "{district} {level} 단계", "--text-en", "{district} level {level}"])
        #expect(r.status == 0, "\(r.stderr)")
        let (records, _) = try dir.outbox.readAll()
        guard case .message(let m)? = records.first else { Issue.record("no message"); return }
        #expect(m.text == Localized(ko: "강서구 경계 단계", en: "강서구 level Orange"))
        #expect(m.manual == "typhoon" && m.district == "강서구" && m.incident == "inc-9")
    }

    @Test func verifyReportsEveryBadLineWithLineNumberAndByteOffset() throws {
        defer { try? FileManager.default.removeItem(atPath: state) }
        let first = try add(["--mode", "drill", "--channel", "webhook", "--text", "하나", "--text-en", "one"])
        let secondOffset = try Data(contentsOf: URL(fileURLWithPath: state + "/outbox.jsonl")).count
        _ = try add(["--mode", "drill", "--channel", "webhook", "--text", "둘", "--text-en", "two"])
        let handle = try #require(FileHandle(forWritingAtPath: state + "/outbox.jsonl"))
        try handle.seek(toOffset: UInt64(secondOffset + 30))
        try handle.write(contentsOf: Data("X".utf8))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(#"{"r":{"record":"mess"#.utf8))
        try handle.close()
        let r = try haechi(["verify"])
        #expect(r.status == 1)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 2, "\(r.stdout)")
        #expect(lines.first?.hasPrefix("\(state)/outbox.jsonl:2: byte \(secondOffset): ") == true, "\(r.stdout)")
        #expect(lines.last?.contains("outbox.jsonl:3: byte ") == true && lines.last?.contains("torn") == true, "\(r.stdout)")
        #expect(r.stderr.contains("1 valid record(s), 2 bad line(s)"), "\(r.stderr)")
        // Listing skips the bad lines and still shows the good one.
        let rows = try listJSON()
        #expect(rows.map { $0["id"] as? String } == [first])
    }

    @Test func capPrintsAWellFormedAlertWithReferencesForCorrections() throws {
        defer { try? FileManager.default.removeItem(atPath: state) }
        let original = try add(["--mode", "drill", "--incident", "drill-42", "--channel", "cap", "--kind", "emergency",
                                "--text", "마포구 대피 <훈련>", "--text-en", "Evacuate & stay safe", "--district", "마포구"])
        let fix = try add(["--mode", "drill", "--corrects", original, "--text", "[정정] 대피 해제", "--text-en", "[CORRECTION] all clear"])
        var r = try haechi(["cap", original])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(XMLParser(data: Data(r.stdout.utf8)).parse(), "\(r.stdout)")
        #expect(r.stdout.contains("<status>Exercise</status>") && r.stdout.contains("drill-42"))
        #expect(r.stdout.contains("&lt;훈련&gt;") && r.stdout.contains("Evacuate &amp; stay safe"))
        r = try haechi(["cap", fix])
        #expect(r.stdout.contains("<msgType>Update</msgType>") && r.stdout.contains(",\(original),"), "\(r.stdout)")
        // The correction belongs to the same drill, and the incident filter finds both.
        #expect(try listJSON(["--incident", "drill-42"]).map { $0["id"] as? String } == [original, fix])
        r = try haechi(["cap", "m-nope"])
        #expect(r.status == 1 && r.stderr.contains("no message 'm-nope'"))
    }
}

/// Verify splits a large file in two halves; bad lines in both must keep their true numbers.
@Suite(.ownThread) struct OutboxVerificationSplitTests {
    @Test func badLinesInBothHalvesKeepTheirLineNumbersAndOffsets() throws {
        let dir = Binaries.temporaryDirectory("outbox-split")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/outbox.jsonl"
        var bytes: [UInt8] = []
        var expected: [(line: Int, offset: Int)] = []
        for n in 1...400 {
            let record = OutboxRecord.approve(message: "m-\(n)", operator: "kim", at: Date(timeIntervalSince1970: 1_795_935_900))
            var line = LineFrame.encode(try RecordLog<OutboxRecord>.encode(record))
            if n == 3 || n == 150 || n == 399 {
                line[10] = UInt8(ascii: "#")
                expected.append((n, bytes.count))
            }
            bytes += line
        }
        bytes += Array(#"{"r":{"torn"#.utf8)
        expected.append((401, bytes.count - 11))
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        for threshold in [Int.max, 1] {
            var bad: [BadLine] = []
            let result = try OutboxVerification.verify(path: path, as: OutboxRecord.self, splitAbove: threshold) { bad.append($0) }
            #expect(result.records == 397 && result.bad == 4, "split above \(threshold)")
            #expect(bad.map(\.number) == expected.map(\.line), "split above \(threshold)")
            #expect(bad.map(\.offset) == expected.map(\.offset), "split above \(threshold)")
        }
    }
}
