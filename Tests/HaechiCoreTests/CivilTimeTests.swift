import Foundation
import Testing
@testable import HaechiCore

/// The TUI's ICU-free clock (CivilTime, ZoneInfo) against Foundation's Calendar.
@Suite struct CivilTimeTests {
    @Test func agreesWithCalendarOverManyInstantsAndZones() throws {
        var generator = SystemRandomNumberGenerator()
        let zones = try ["Asia/Seoul", "UTC", "America/New_York", "Europe/London", "Asia/Kolkata"].map { try #require(TimeZone(identifier: $0)) }
        for _ in 0..<2000 {
            let date = Date(timeIntervalSince1970: Double(Int64.random(in: -2_000_000_000...4_000_000_000, using: &generator)))
            for zone in zones {
                var cal = Calendar(identifier: .gregorian)
                cal.timeZone = zone
                let c = cal.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
                let mine = CivilTime(date, zone)
                #expect([mine.year, mine.month, mine.day, mine.hour, mine.minute, mine.second] == [c.year, c.month, c.day, c.hour, c.minute, c.second],
                        "\(date) in \(zone.identifier)")
            }
        }
    }

    @Test func seoulFromTheTzDatabaseIsAFixedNineHours() throws {
        try #require(FileManager.default.fileExists(atPath: ZoneInfo.directory + "/Asia/Seoul"), "tzdata is not installed")
        let seoul = try #require(ZoneInfo.timeZone(identifier: "Asia/Seoul"))
        #expect(seoul.secondsFromGMT(for: Date()) == 9 * 3600)
        let data = try #require(FileManager.default.contents(atPath: ZoneInfo.directory + "/Asia/Seoul"))
        #expect(ZoneInfo.fixedOffset(tzif: data, now: Date()) == 32400)
        // Daylight saving ahead: not fixed; the named zone is used and still right.
        let ny = try #require(FileManager.default.contents(atPath: ZoneInfo.directory + "/America/New_York"))
        #expect(ZoneInfo.fixedOffset(tzif: ny, now: Date()) == nil)
        let named = try #require(ZoneInfo.timeZone(identifier: "America/New_York"))
        #expect(named.identifier == "America/New_York")
        #expect(ZoneInfo.fixedOffset(tzif: Data("not a zone".utf8), now: Date()) == nil)
        #expect(ZoneInfo.current(environment: ["TZ": "Asia/Seoul"]).secondsFromGMT(for: Date()) == 32400)
    }
}

/// RecordCoding's timestamps from digits agree with Foundation's ISO 8601 style both ways.
@Suite struct TimestampAgreementTests {
    @Test func parseAndFormatAgreeWithFoundation() throws {
        var generator = SystemRandomNumberGenerator()
        let style = Date.ISO8601FormatStyle().year().month().day().time(includingFractionalSeconds: true)
        for _ in 0..<3000 {
            let ms = Int.random(in: 0...999, using: &generator)
            let whole = Date(timeIntervalSince1970: Double(Int.random(in: 0...4_000_000_000, using: &generator)))
            let text = String(Timestamp.format(whole).dropLast(4)) + (ms < 10 ? "00" : ms < 100 ? "0" : "") + "\(ms)Z"
            let foundation = try Date(text, strategy: style)
            let mine = try #require(RecordCoding.parseTimestamp(text))
            // The same millisecond (the records' precision). Not `==`: Foundation counts from 2001
            // and can land one unit in the last place away from the same instant counted from
            // 1970 (2001-01-20T12:09:04.897Z did, once in a full run).
            #expect((mine.timeIntervalSince1970 * 1000).rounded() == (foundation.timeIntervalSince1970 * 1000).rounded(), "\(text)")
            // (Not `== text`: Foundation's own parse-then-format does not give back every text.)
            #expect(RecordCoding.formatTimestamp(mine) == mine.formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted)))
        }
    }
}
