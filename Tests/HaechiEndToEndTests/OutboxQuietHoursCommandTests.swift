import Foundation
import HaechiCore
import HaechiStore
import HaechiTestSupport
import Testing

/// `haechi outbox add --quiet-hours-reason`: the bundled CBS profile's quiet hours (23:00–07:00)
/// through the real binary. The wall clock is real, so the test picks a city zone (`--time-zone`)
/// in which it is now between 01:00 and 05:00 (or 10:00 and 18:00 for day), hours away from
/// either edge.
@Suite(.ownThread) struct OutboxQuietHoursCommandTests {
    let state = Binaries.temporaryDirectory("outbox-quiet")

    /// A fixed-offset zone (`Etc/GMT∓N`) whose local hour now lies in `hours`.
    static func zone(localHourIn hours: ClosedRange<Int>) throws -> String {
        let utcHour = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: Date()).hour!
        let offset = try #require((-12...14).first { hours.contains(((utcHour + $0) % 24 + 24) % 24) })
        // The Etc names count the other way round: Etc/GMT-9 is nine hours ahead of UTC.
        return offset == 0 ? "Etc/GMT" : offset > 0 ? "Etc/GMT-\(offset)" : "Etc/GMT+\(-offset)"
    }

    func haechi(_ arguments: [String], zone: String) throws -> Binaries.Result {
        try Binaries.run("haechi", arguments + ["--state", state, "--manuals", Binaries.bundledManuals, "--time-zone", zone],
                         environment: ["HAECHI_OPERATOR": "kim"])
    }

    let safety = ["outbox", "add", "--mode", "drill", "--kind", "safety", "--channel", "cbs", "--text", "[서울특별시] 잠수교 보행 통제, 우회 바랍니다"]

    @Test func aNonUrgentCBSTextAtNightNeedsAReasonWhichIsRecordedAndJournaled() throws {
        defer { try? FileManager.default.removeItem(atPath: state) }
        let night = try Self.zone(localHourIn: 1...4)
        let dir = StateDirectory(path: state)
        try dir.prepare()
        try dir.journal(incident: "inc-q").append(.opened(.init(incident: "inc-q", at: Date(), operator: "kim"),
                                                          .init(manual: "heavy-rain", mode: .drill, level: .caution)))

        var r = try haechi(safety + ["--incident", "inc-q"], zone: night)
        #expect(r.status == 1 && r.stdout.isEmpty, "\(r.stderr)")
        #expect(r.stderr.contains("NOT queued: cbs carries no non-urgent texts 23:00~07:00 (quiet hours): send it later, or type a reason to override (--quiet-hours-reason \"why it cannot wait\")"), "\(r.stderr)")

        for blank in ["", "   "] {
            r = try haechi(safety + ["--incident", "inc-q", "--quiet-hours-reason", blank], zone: night)
            #expect(r.status == 1 && r.stdout.isEmpty, "\(r.stderr)")
            #expect(r.stderr.contains("NOT queued: the reason to send in quiet hours is empty: say why this non-urgent text cannot wait"), "\(r.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: dir.outboxPath), "nothing refused reaches the outbox")

        r = try haechi(safety + ["--incident", "inc-q", "--quiet-hours-reason", " 출근 전 우회 안내 필요 ", "--format", "json"], zone: night)
        #expect(r.status == 0, "\(r.stderr)")
        let out = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let shown = try #require(out["quiet_hours_override"] as? [String: Any])
        #expect(shown["reason"] as? String == "출근 전 우회 안내 필요" && shown["channels"] as? [String] == ["cbs"])
        #expect(r.stderr.contains("quiet hours overridden on cbs: reason journaled in inc-q"), "\(r.stderr)")

        let (records, bad) = try dir.outbox.readAll()
        #expect(bad.isEmpty)
        let message = try #require(records.first.flatMap { if case .message(let m) = $0 { m } else { nil } })
        #expect(message.quietHoursOverride == QuietHoursOverride(reason: "출근 전 우회 안내 필요", channels: ["cbs"]))
        let (events, _) = try FileStore(dir).readAll(IncidentEvent.self, .journal(incident: "inc-q"))
        let line = try #require(events.last?.quietHoursOverridden)
        #expect(line == IncidentEvent.QuietHoursOverridden(message: message.id, reason: "출근 전 우회 안내 필요", channels: ["cbs"]))

        // The after-action report's timeline says it, in both languages.
        let en = try haechi(["report", "inc-q", "--lang", "en"], zone: night)
        #expect(en.status == 0, "\(en.stderr)")
        #expect(en.stdout.contains("message \(message.id) sent in quiet hours on cbs, reason: 출근 전 우회 안내 필요"), "\(en.stdout)")
        let ko = try haechi(["report", "inc-q", "--lang", "ko"], zone: night)
        #expect(ko.stdout.contains("메시지 \(message.id) 심야 발송 제한 시간 예외 발송 (cbs), 사유: 출근 전 우회 안내 필요"), "\(ko.stdout)")
    }

    @Test func urgentClassesNeverNeedAReasonAndADaytimeReasonIsNotRecorded() throws {
        defer { try? FileManager.default.removeItem(atPath: state) }
        let night = try Self.zone(localHourIn: 1...4)
        var r = try haechi(["outbox", "add", "--mode", "drill", "--kind", "emergency", "--channel", "cbs",
                            "--text", "[서울특별시] 잠수교 일대 주민 즉시 대피"], zone: night)
        #expect(r.status == 0, "\(r.stderr)")
        let day = try Self.zone(localHourIn: 10...18)
        r = try haechi(safety + ["--quiet-hours-reason", "필요 없는 사유"], zone: day)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("warning: --quiet-hours-reason not needed: no chosen channel is in quiet hours for a safety message now; not recorded"), "\(r.stderr)")
        let (records, _) = try StateDirectory(path: state).outbox.readAll()
        let messages = records.compactMap { if case .message(let m) = $0 { m } else { nil } }
        #expect(messages.count == 2)
        #expect(messages.allSatisfy { $0.quietHoursOverride == nil })
    }
}
