import Foundation
import Testing
@testable import HaechiCore

/// Seoul CBS rules at compose time: the limit in force on today's date in the city (157 from
/// the day it takes effect, 90 the day before), and quiet hours (no non-urgent text 23:00–07:00)
/// overridden only by a typed reason that the record and the incident journal keep.
@Suite struct QuietHoursOverrideTests {
    static let channels = """
    channels:
      - id: cbs
        name: {ko: 재난문자, en: CBS}
        counting: characters
        limit: 90
        schedule:
          - {from: "2027-03-01", limit: 157, class_limits: {critical: 90, emergency: 90}}
        quiet_hours: {from: "23:00", to: "07:00", exempt: [critical, emergency]}
        languages: [ko]
      - id: kakao
        name: {ko: 카카오톡, en: KakaoTalk}
        counting: characters
        limit: 200
        languages: [ko]
    """

    static func profiles() throws -> ChannelProfiles {
        let (profiles, problems) = ChannelProfileLoader.load(data: Data(channels.utf8), file: "channels.yaml")
        try #require(problems.isEmpty, "\(problems)")
        try #require(profiles.ids == ["cbs", "kakao"])
        return profiles
    }

    static let seoul = TimeZone(identifier: "Asia/Seoul")!

    /// An instant given as a wall-clock time in Seoul.
    static func seoul(_ y: Int, _ m: Int, _ d: Int, _ h: Int, _ min: Int) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = seoul
        return calendar.date(from: DateComponents(year: y, month: m, day: d, hour: h, minute: min))!
    }

    static let longText = String(repeating: "가", count: 120)

    static func draft(_ kind: MessageClass, _ text: String = "도로 통제 안내", channels: [String] = ["cbs"], reason: String? = nil) -> ComposeDraft {
        var d = ComposeDraft(mode: .live, kind: kind, channels: channels, text: Localized(ko: text, en: ""), incident: "inc-q")
        d.quietHoursOverride = reason
        return d
    }

    // MARK: limits by date

    @Test func a120CharacterSafetyTextIsRefusedTheDayBefore157TakesEffectAndAcceptedFromThatDay() throws {
        let profiles = try Self.profiles()
        let before = Compose.check(Self.draft(.safety, Self.longText), channels: profiles, now: Self.seoul(2027, 2, 28, 12, 0), timeZone: Self.seoul)
        #expect(before.refusals == [.overLimit(channel: "cbs", language: .ko, count: 120, limit: 90, rule: .characters)], "\(before.refusals)")
        let from = Compose.check(Self.draft(.safety, Self.longText), channels: profiles, now: Self.seoul(2027, 3, 1, 12, 0), timeZone: Self.seoul)
        #expect(from.refusals.isEmpty, "\(from.refusals)")
        #expect(from.posts.map(\.limit) == [157])
        // The record stores the limit it was checked against.
        let record = try #require(Compose.record(Self.draft(.safety, Self.longText), check: from, id: "m-1", operator: "kim",
                                                 created: Self.seoul(2027, 3, 1, 12, 0)))
        guard case .message(let m) = record else { Issue.record("not a message: \(record)"); return }
        #expect(m.posts?.first?.limit == 157)
        // Evacuation texts stay at 90 on that day too.
        let evacuation = Compose.check(Self.draft(.emergency, Self.longText), channels: profiles, now: Self.seoul(2027, 3, 1, 12, 0), timeZone: Self.seoul)
        #expect(evacuation.refusals == [.overLimit(channel: "cbs", language: .ko, count: 120, limit: 90, rule: .characters)])
    }

    /// 00:30 in Seoul on 1 March is still 28 February on a UTC server: the city's date decides.
    @Test func theNewLimitStartsAtMidnightInTheCitysZone() throws {
        let profiles = try Self.profiles()
        let draft = Self.draft(.safety, Self.longText, reason: "정전으로 엘리베이터 갇힘 신고 급증")
        let lastEvening = Compose.check(draft, channels: profiles, now: Self.seoul(2027, 2, 28, 23, 59), timeZone: Self.seoul)
        #expect(lastEvening.refusals == [.overLimit(channel: "cbs", language: .ko, count: 120, limit: 90, rule: .characters)])
        let afterMidnight = Self.seoul(2027, 3, 1, 0, 30)
        let seoulCheck = Compose.check(draft, channels: profiles, now: afterMidnight, timeZone: Self.seoul)
        #expect(seoulCheck.refusals.isEmpty, "\(seoulCheck.refusals)")
        #expect(seoulCheck.posts.map(\.limit) == [157])
        // The same instant in UTC is the day before: the zone is what compose is given, never the server's.
        #expect(try Self.profiles()["cbs"]?.limit(for: .safety, at: afterMidnight, timeZone: TimeZone(identifier: "UTC")!) == 90)
        #expect(try Self.profiles()["cbs"]?.limit(for: .safety, at: afterMidnight, timeZone: Self.seoul) == 157)
    }

    /// An old record without stored posts is read with the limit in force when it was created.
    @Test func anOldRecordsPostsUseTheLimitOfItsCreationDate() throws {
        let profiles = try Self.profiles()
        let old = OutboxMessage(id: "m-old", mode: .live, kind: .safety, channels: ["cbs"], text: Localized(ko: Self.longText, en: ""),
                                operator: "kim", created: Self.seoul(2027, 2, 28, 12, 0))
        #expect(Posts.of(old, profiles: profiles).map(\.limit) == [90])
        var later = old
        later.created = Self.seoul(2027, 3, 1, 12, 0)
        #expect(Posts.of(later, profiles: profiles).map(\.limit) == [157])
    }

    // MARK: quiet hours

    @Test func aNonUrgentTextAtNightIsRefusedUntilAReasonIsTypedAndTheReasonIsRecorded() throws {
        let profiles = try Self.profiles()
        let night = Self.seoul(2026, 11, 29, 23, 30)
        let refused = Compose.check(Self.draft(.safety), channels: profiles, now: night, timeZone: Self.seoul)
        #expect(refused.refusals == [.quietHours(channel: "cbs", hours: "23:00~07:00")])
        #expect(refused.onlyQuietHoursStandInTheWay)
        #expect(refused.quietHoursOverride == nil)

        let draft = Self.draft(.info, channels: ["kakao", "cbs"], reason: "  귀가 차량 우회 안내가 출근 전 필요함 \n")
        let allowed = Compose.check(draft, channels: profiles, now: night, timeZone: Self.seoul)
        #expect(allowed.canQueue, "\(allowed.refusals)")
        // Only the channel whose quiet hours held; the reason trimmed.
        let expected = QuietHoursOverride(reason: "귀가 차량 우회 안내가 출근 전 필요함", channels: ["cbs"])
        #expect(allowed.quietHoursOverride == expected)
        let record = try #require(Compose.record(draft, check: allowed, id: "m-q", operator: "kim", created: night))
        guard case .message(let m) = record else { Issue.record("not a message: \(record)"); return }
        #expect(m.quietHoursOverride == expected)
        // And it is journaled in the incident as its own kind of line.
        let event = try #require(IncidentEvent.quietHours(of: m, at: night, operator: "kim"))
        #expect(event.kind == "quiet-hours" && event.incident == "inc-q")
        #expect(event.quietHoursOverridden == IncidentEvent.QuietHoursOverridden(message: "m-q", reason: expected.reason, channels: ["cbs"]))
    }

    @Test func anEmptyOrBlankReasonIsRefusedWithAClearMessageNeverTakenAsNone() throws {
        let profiles = try Self.profiles()
        let night = Self.seoul(2026, 11, 30, 2, 0)
        for blank in ["", "   ", "\n\t "] {
            let check = Compose.check(Self.draft(.safety, reason: blank), channels: profiles, now: night, timeZone: Self.seoul)
            #expect(check.refusals == [.quietHoursReasonEmpty], "\(check.refusals)")
            #expect(check.onlyQuietHoursStandInTheWay)
            #expect(Compose.record(Self.draft(.safety, reason: blank), check: check, id: "m", operator: "kim", created: night) == nil)
        }
        #expect(ComposeRefusal.quietHoursReasonEmpty.description
            == "the reason to send in quiet hours is empty: say why this non-urgent text cannot wait (it is kept in the outbox record and the incident journal)")
    }

    @Test func urgentClassesNeverAskAndADaytimeReasonIsNotRecorded() throws {
        let profiles = try Self.profiles()
        let night = Self.seoul(2026, 11, 30, 4, 0)
        for kind in [MessageClass.critical, .emergency] {
            let check = Compose.check(Self.draft(kind), channels: profiles, now: night, timeZone: Self.seoul)
            #expect(check.canQueue && check.quietHoursOverride == nil, "\(kind): \(check.refusals)")
        }
        let morning = Self.seoul(2026, 11, 30, 7, 0)
        let day = Compose.check(Self.draft(.safety, reason: "불필요한 사유"), channels: profiles, now: morning, timeZone: Self.seoul)
        #expect(day.canQueue && day.quietHoursOverride == nil)
        let record = try #require(Compose.record(Self.draft(.safety, reason: "불필요한 사유"), check: day, id: "m", operator: "kim", created: morning))
        guard case .message(let m) = record else { Issue.record("not a message"); return }
        #expect(m.quietHoursOverride == nil)
        // Quiet hours plus something else: the other refusal is what stands in the way first.
        let both = Compose.check(Self.draft(.safety, Self.longText), channels: profiles, now: night, timeZone: Self.seoul)
        #expect(both.refusals.count == 2 && !both.onlyQuietHoursStandInTheWay)
    }

    @Test func theJournalLineReadsBackAndABlankReasonLineIsKeptAsUnreadable() throws {
        let event = IncidentEvent.quietHoursOverride(.init(incident: "inc-q", at: Self.seoul(2026, 11, 29, 23, 30), operator: "kim"),
                                                     .init(message: "m-q", step: "HR-05", reason: "우회 안내", channels: ["cbs"]))
        let bytes = try RecordCoding.encoder().encode(event)
        #expect(String(decoding: bytes, as: UTF8.self)
            == #"{"at":"2026-11-29T14:30:00.000Z","channels":["cbs"],"incident":"inc-q","kind":"quiet-hours","message":"m-q","operator":"kim","step":"HR-05","text":"우회 안내"}"#)
        #expect(try RecordCoding.decoder().decode(IncidentEvent.self, from: bytes) == event)
        let blank = #"{"at":"2026-11-29T14:30:00.000Z","channels":["cbs"],"incident":"inc-q","kind":"quiet-hours","message":"m-q","operator":"kim","text":" "}"#
        let read = try RecordCoding.decoder().decode(IncidentEvent.self, from: Data(blank.utf8))
        #expect(read.unrecognised?.problem == "a 'quiet-hours' line needs a reason in 'text'")
        // The incident model keeps it.
        let opened = IncidentEvent.opened(.init(incident: "inc-q", at: Self.seoul(2026, 11, 29, 23, 0), operator: "kim"),
                                          .init(manual: "heavy-rain", mode: .live, level: .caution))
        let incident = try #require(Incident.replay([opened, event]))
        #expect(incident.quietHoursOverrides.map(\.reason) == ["우회 안내"])
        #expect(incident.ignoredEvents == 0)
    }

    /// The after-action report shows who sent what at night and why, in both languages.
    @Test func theReportTimelineShowsTheOverrideInBothLanguages() throws {
        let at = Self.seoul(2026, 11, 29, 23, 30)
        let stamp = { (minutes: Double) in IncidentEvent.Stamp(incident: "inc-q", at: at.addingTimeInterval(minutes * 60), operator: "kim") }
        let journal: [IncidentEvent] = [
            .opened(stamp(0), .init(manual: "heavy-rain", mode: .live, level: .caution)),
            .message(stamp(5), .init(message: "m-q", text: "queued for cbs")),
            .quietHoursOverride(stamp(5), .init(message: "m-q", reason: "귀가 차량 우회 안내", channels: ["cbs"])),
            .closed(stamp(30), summary: nil),
        ]
        let report = try IncidentReport.build(ReportInput(journal: journal))
        let entry = try #require(report.timeline.first { $0.text.contains("quiet hours") })
        #expect(entry.kind == .message && entry.message == "m-q" && entry.operator == "kim")
        #expect(entry.text(.en) == "message m-q sent in quiet hours on cbs, reason: 귀가 차량 우회 안내")
        #expect(entry.text(.ko) == "메시지 m-q 심야 발송 제한 시간 예외 발송 (cbs), 사유: 귀가 차량 우회 안내")
        let ko = ReportMarkdown.render(report, style: ReportStyle(language: .ko))
        let en = ReportMarkdown.render(report, style: ReportStyle(language: .en))
        #expect(ko.contains("| 23:35:00 | +05:00 | 메시지 | kim | 메시지 m-q 심야 발송 제한 시간 예외 발송 (cbs), 사유: 귀가 차량 우회 안내 |"), "\(ko)")
        #expect(en.contains("message m-q sent in quiet hours on cbs, reason: 귀가 차량 우회 안내"), "\(en)")
        #expect(report.problems.isEmpty, "\(report.problems)")
    }
}
