import Foundation
import Testing
@testable import HaechiCore

/// One time zone, the city's: a setting with a default, read by everything.
@Suite struct CityTimeTests {
    @Test func theSettingIsTheOptionElseTheEnvironmentElseSeoul() throws {
        #expect(try CityTime.zone(named: nil, environment: [:]).identifier == "Asia/Seoul")
        #expect(try CityTime.zone(named: nil, environment: ["HAECHI_TIME_ZONE": "Europe/London"]).identifier == "Europe/London")
        #expect(try CityTime.zone(named: "Asia/Tokyo", environment: ["HAECHI_TIME_ZONE": "UTC"]).identifier == "Asia/Tokyo")
        #expect(throws: CityTime.UnknownZone(name: "Mars/Olympus", source: "--time-zone")) {
            try CityTime.zone(named: "Mars/Olympus", environment: [:])
        }
        #expect(throws: CityTime.UnknownZone.self) { try CityTime.zone(named: nil, environment: ["HAECHI_TIME_ZONE": "nowhere"]) }
    }

    @Test func placeholdersDefaultToTheCityNotTheServer() {
        // 2026-11-29 13:44 UTC is 22:44 in Seoul: the message must say the city's time.
        let at = Date(timeIntervalSince1970: 1_795_873_440)
        #expect(Placeholders.Context(now: at).value(of: "time", language: .ko) == "22:44")
        #expect(Placeholders.Context(now: at, timeZone: TimeZone(identifier: "UTC")!).value(of: "time", language: .ko) == "13:44")
    }
}
