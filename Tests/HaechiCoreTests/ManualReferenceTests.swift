import Foundation
import Testing
@testable import HaechiCore

/// The manual format's references (contacts, shelters, closures, legal basis, area codes,
/// owner/review date, duty stage) and the channel rules with dates and quiet hours: each rule
/// is shown to pass on a valid file and to report its problem at the exact line and column.
@Suite struct ManualReferenceTests {
    static let contacts = """
    contacts:
      - id: cbs-desk
        name: {ko: 재난문자 담당, en: CBS operator}
        phone: "02-0000-0001"
        role: {ko: 재난문자 송출, en: Sends CBS texts}
        hours: 24h
    """
    static let places = """
    shelters:
      - id: gwanak-hall
        name: {ko: 관악구청, en: Gwanak-gu Office}
        district: "11620"
    closures:
      - id: jamsu
        name: {ko: 잠수교, en: Jamsu Bridge}
        district: "11650"
    """
    /// Line numbers matter: tests replace single lines.
    static let manual = """
    id: flood
    title: {ko: 침수, en: Flooding}
    category: natural
    department: {ko: 물순환안전국, en: Water Safety Bureau}
    revised: "2026-06-01"
    owner: {ko: 자연재난과장, en: Head of Natural Disaster Division}
    reviewed: "2026-05-01"
    variables:
      - id: shelter
        label: {ko: 대피장소, en: Shelter}
        max_length: 10
        offers: shelters
    phases:
      - id: act
        title: {ko: 대응, en: Response}
        steps:
          - id: F-01
            title: {ko: 대피 안내, en: Evacuate}
            instructions: {ko: 대피를 알린다., en: Announce the evacuation.}
            role: {ko: 상황실, en: Situation room}
            target_minutes: 20
            from_level: 경계
            from_stage: 2단계
            legal_basis: [재난안전법 40, 재난안전법 제43조]
            contacts: [cbs-desk]
            shelters: [gwanak-hall]
            closures: [jamsu]
            message:
              class: safety
              channels: [cbs]
              area: ["11620", "1162052500"]
              authority: district
              text:
                ko: "[서울특별시] 관악구 침수 위험. 대피장소 {shelter}"
                en: ""
    """
    static let channels = """
    channels:
      - id: cbs
        name: {ko: 재난문자, en: CBS}
        counting: characters
        limit: 40
        schedule:
          - {from: "2026-10-01", limit: 157, class_limits: {emergency: 90}}
        quiet_hours: {from: "23:00", to: "07:00", exempt: [critical, emergency]}
        languages: [ko]
    """

    static func references() throws -> ManualReferences {
        let (c, p1) = ManualReferencesLoader.contacts(data: Data(contacts.utf8), file: "contacts.yaml")
        let (p, p2) = ManualReferencesLoader.places(data: Data(places.utf8), file: "places.yaml")
        #expect(p1.isEmpty && p2.isEmpty, "\(p1) \(p2)")
        return ManualReferences(contacts: c, places: p)
    }

    static func load(replacing line: Int? = nil, with replacement: String = "", today: String? = "2026-06-01",
                     channelsText: String = channels) throws -> (Manual?, [String]) {
        var lines = manual.components(separatedBy: "\n")
        if let line { lines[line - 1] = replacement }
        let (profiles, problems) = ChannelProfileLoader.load(data: Data(channelsText.utf8), file: "channels.yaml")
        #expect(problems.isEmpty, "\(problems)")
        let (m, d) = ManualLoader.load(data: Data(lines.joined(separator: "\n").utf8), file: "flood.yaml",
                                       channels: profiles, references: try references(), today: today)
        return (m, d.map(\.description))
    }

    @Test func aValidManualResolvesEveryReference() throws {
        let (manual, problems) = try Self.load()
        #expect(problems.isEmpty, "\(problems)")
        let m = try #require(manual)
        let step = try #require(m.step(id: "F-01"))
        #expect(step.contacts.first?.phone == "02-0000-0001")
        #expect(step.contacts.first?.allHours == true)
        #expect(step.contacts.first?.role?.en == "Sends CBS texts")
        #expect(step.shelters.map(\.id) == ["gwanak-hall"])
        #expect(step.closures.map(\.id) == ["jamsu"])
        #expect(step.legalBasis.map { $0.text(.ko) } == ["재난안전법 제40조 (대피명령)", "재난안전법 제43조 (통행제한 등)"])
        #expect(step.fromStage == .stage2)
        #expect(step.message?.area == ["11620", "1162052500"])
        #expect(step.message?.authority == .district)
        #expect(m.owner?.ko == "자연재난과장" && m.reviewed == "2026-05-01")
        #expect(m.variables.first?.offers == .shelter)
    }

    @Test func aStepAppliesFromALevelOrFromAStage() throws {
        let step = try #require(try Self.load().0?.step(id: "F-01"))
        #expect(!step.applies(level: .caution, stage: .stage1))
        #expect(step.applies(level: .caution, stage: .stage2))
        #expect(step.applies(level: .alert, stage: DutyStage.standby))
        #expect(step.applies(level: .alert))
        // A stage-only step still applies at 심각, where every step applies.
        let (m, problems) = try Self.load(replacing: 22, with: "")
        #expect(problems.isEmpty, "\(problems)")
        let stageOnly = try #require(m?.step(id: "F-01"))
        #expect(stageOnly.fromLevel == .serious)
        #expect(stageOnly.applies(level: .interest, stage: .stage2) && !stageOnly.applies(level: .alert, stage: .stage1))
    }

    @Test func aStepWithNeitherLevelNorStageIsAnError() throws {
        let manual = Self.manual.replacingOccurrences(of: "        from_level: 경계\n        from_stage: 2단계\n", with: "")
        let (profiles, _) = ChannelProfileLoader.load(data: Data(Self.channels.utf8), file: "channels.yaml")
        let (_, d) = ManualLoader.load(data: Data(manual.utf8), file: "flood.yaml", channels: profiles, references: try Self.references())
        #expect(d.map(\.description).contains("flood.yaml:17:9: error: a step needs from_level (national alert level) or from_stage (the city's duty stage), or both"), "\(d)")
    }

    @Test func unknownContactShelterClosureAndLegalBasisAreLocated() throws {
        #expect(try Self.load(replacing: 25, with: "        contacts: [cbs-dsk]").1
            == ["flood.yaml:25:20: error: unknown contact 'cbs-dsk' (not in contacts.yaml); did you mean 'cbs-desk'?"])
        #expect(try Self.load(replacing: 26, with: "        shelters: [gwanak-hal]").1
            == ["flood.yaml:26:20: error: unknown shelter 'gwanak-hal' (not among the shelters in places.yaml); did you mean 'gwanak-hall'?"])
        // A closure id is not a shelter.
        #expect(try Self.load(replacing: 26, with: "        shelters: [jamsu]").1
            == ["flood.yaml:26:20: error: unknown shelter 'jamsu' (not among the shelters in places.yaml)"])
        let legal = try Self.load(replacing: 24, with: "        legal_basis: [재난안전법 99]").1
        #expect(legal.count == 1 && legal[0].hasPrefix("flood.yaml:24:23: error: unknown legal basis '재난안전법 99'"), "\(legal)")
    }

    @Test func badAreaCodesAndADistrictSendingCityWideAreLocated() throws {
        #expect(try Self.load(replacing: 31, with: "          area: [\"26110\"]").1
            == ["flood.yaml:31:18: error: bad area code '26110': an area code for Seoul starts with 11"])
        #expect(try Self.load(replacing: 31, with: "          area: [\"11999\"]").1
            == ["flood.yaml:31:18: error: bad area code '11999': no Seoul 자치구 has this code (11110 종로구 … 11740 강동구)"])
        #expect(try Self.load(replacing: 31, with: "          area: [\"1162052511\"]").1
            == ["flood.yaml:31:18: error: bad area code '1162052511': a 10-digit 행정동 code is the district code, a 3-digit 동 number (not 000) and 00"])
        #expect(try Self.load(replacing: 31, with: "          area: [\"11\"]").1
            == ["flood.yaml:32:22: error: a district sends only within its own district, but the area spans all of Seoul; use authority: city"])
        #expect(try Self.load(replacing: 31, with: "          area: [\"11620\", \"11650\"]").1
            == ["flood.yaml:32:22: error: a district sends only within its own district, but the area spans 2 districts; use authority: city"])
        #expect(try Self.load(replacing: 32, with: "          authority: city").1.isEmpty)
    }

    @Test func aReviewOlderThanAYearIsAWarningAtItsLine() throws {
        #expect(try Self.load(today: "2027-05-01").1.isEmpty)
        #expect(try Self.load(today: "2027-05-02").1
            == ["flood.yaml:7:11: warning: last reviewed 2026-05-01, more than a year before 2027-05-02: have the owner review the manual and update reviewed"])
        #expect(try Self.load(replacing: 7, with: "reviewed: \"2026-13-01\"").1
            == ["flood.yaml:7:11: error: reviewed must be a date written YYYY-MM-DD, found '2026-13-01'"])
    }

    /// The template is 39 characters with the drill prefix: under the base 40; the longer one is over it but under the 157 that
    /// under the 157 that the schedule puts in force from 2026-10-01. Lint counts the limit of the revision date.
    @Test func lintCountsTheLimitInForceOnTheRevisionDate() throws {
        let before = try Self.load().1
        #expect(before.isEmpty, "\(before)")
        let over = try Self.load(replacing: 34, with: "            ko: \"[서울특별시] 관악구 침수 위험. 반지하 주민은 대피 바랍니다. 대피장소 {shelter}\"").1
        #expect(over == ["flood.yaml:34:17: error: text.ko is 56 long on cbs, over its limit of 40 in force on 2026-06-01 for safety messages by 16 (counted as characters, placeholders at their max_length, drill prefix included)"], "\(over)")
        var lines = Self.manual.components(separatedBy: "\n")
        lines[4] = "revised: \"2026-10-01\""
        lines[33] = "            ko: \"[서울특별시] 관악구 침수 위험. 반지하 주민은 대피 바랍니다. 대피장소 {shelter}\""
        let (profiles, _) = ChannelProfileLoader.load(data: Data(Self.channels.utf8), file: "channels.yaml")
        let (_, later) = ManualLoader.load(data: Data(lines.joined(separator: "\n").utf8), file: "flood.yaml",
                                           channels: profiles, references: try Self.references())
        #expect(later.isEmpty, "\(later)")
        let cbs = try #require(profiles["cbs"])
        #expect(cbs.limit(for: .safety, on: "2026-09-30") == 40)
        #expect(cbs.limit(for: .safety, on: "2026-10-01") == 157)
        #expect(cbs.limit(for: .emergency, on: "2027-01-01") == 90)
    }

    @Test func quietHoursHoldNonUrgentClassesAcrossMidnightAndAreLintedAtTheirLine() throws {
        let (profiles, problems) = ChannelProfileLoader.load(data: Data(Self.channels.utf8), file: "channels.yaml")
        #expect(problems.isEmpty)
        let quiet = try #require(profiles["cbs"]?.quietHours)
        #expect(quiet.holds(.safety, minuteOfDay: 23 * 60))
        #expect(quiet.holds(.info, minuteOfDay: 6 * 60 + 59))
        #expect(!quiet.holds(.safety, minuteOfDay: 7 * 60))
        #expect(!quiet.holds(.safety, minuteOfDay: 22 * 60 + 59))
        #expect(!quiet.holds(.emergency, minuteOfDay: 2 * 60))
        #expect(!quiet.holds(.critical, minuteOfDay: 2 * 60))
        let bad = Self.channels.replacingOccurrences(of: "to: \"07:00\"", with: "to: \"7:00\"")
        let (_, d) = ChannelProfileLoader.load(data: Data(bad.utf8), file: "channels.yaml")
        #expect(d.map(\.description) == ["channels.yaml:8:38: error: quiet_hours.to must be a time written HH:MM (00:00 to 23:59), found '7:00'"])
        let badDate = Self.channels.replacingOccurrences(of: "2026-10-01", with: "2026-10")
        let (_, d2) = ChannelProfileLoader.load(data: Data(badDate.utf8), file: "channels.yaml")
        #expect(d2.map(\.description) == ["channels.yaml:7:16: error: from must be a date written YYYY-MM-DD, found '2026-10'"])
    }

    @Test func referenceFilesReportTheirOwnProblems() {
        let (_, d) = ManualReferencesLoader.places(data: Data(Self.places.replacingOccurrences(of: "\"11650\"", with: "\"11651\"").utf8), file: "places.yaml")
        #expect(d.map(\.description) == ["places.yaml:8:15: error: district must be a Seoul 자치구 code (5 digits, 11110 종로구 … 11740 강동구), found '11651'"])
        let (_, d2) = ManualReferencesLoader.contacts(data: Data(Self.contacts.replacingOccurrences(of: "hours: 24h", with: "hours: always").utf8), file: "contacts.yaml")
        #expect(d2.count == 1 && d2[0].description.hasPrefix("contacts.yaml:6:12: error:"), "\(d2)")
    }

    /// One rule for a phone number, wherever a contact is written: in a step or in contacts.yaml.
    @Test func aPhoneWithOtherCharactersIsAnErrorAtItsPlaceInAManualAndInContacts() throws {
        let inline = try Self.load(replacing: 25, with: #"        contacts: [{name: {ko: Room, en: Room}, phone: "02-12#"}]"#).1
        #expect(inline == ["flood.yaml:25:56: error: phone '02-12#' may contain only digits, spaces and - + ( ) ext."])
        let shared = Self.contacts.replacingOccurrences(of: #""02-0000-0001""#, with: #""02-0000-0001#""#)
        let (_, d) = ManualReferencesLoader.contacts(data: Data(shared.utf8), file: "contacts.yaml")
        #expect(d.map(\.description) == ["contacts.yaml:4:12: error: phone '02-0000-0001#' may contain only digits, spaces and - + ( ) ext."])
        // The allowed characters pass in both places.
        #expect(try Self.load(replacing: 25, with: #"        contacts: [{name: {ko: Room, en: Room}, phone: "+82 (2) 120 ext. 5"}]"#).1.isEmpty)
    }

    @Test func seoulAreasKnowTwentyFiveDistrictsInFourZones() {
        #expect(SeoulAreas.districts.count == 25)
        #expect(Set(SeoulAreas.districts.map(\.code)).count == 25)
        #expect(SeoulAreas.district(named: "강동구")?.zone == .southeast)
        #expect(SeoulAreas.districts.filter { $0.zone == .southeast }.map(\.name.ko) == ["서초구", "강남구", "송파구", "강동구"])
        #expect(ManualReview.isStale(reviewed: "2024-02-28", today: "2025-03-01"))
        #expect(!ManualReview.isStale(reviewed: "2024-03-01", today: "2025-03-01"))
    }
}

/// Compose refuses a non-urgent CBS text in quiet hours (Seoul time) unless a reason is typed;
/// evacuation texts go at any hour.
@Suite struct QuietHoursComposeTests {
    @Test func aSafetyTextAtMidnightIsRefusedUntilAReasonIsTyped() throws {
        let (profiles, _) = ChannelProfileLoader.load(data: Data(ManualReferenceTests.channels.utf8), file: "channels.yaml")
        // 2026-11-29 23:30 KST.
        let night = Date(timeIntervalSince1970: 1_795_888_800 - 3.5 * 3600 + 24 * 3600)
        let noon = night.addingTimeInterval(12.5 * 3600)
        var draft = ComposeDraft(mode: .drill, kind: .safety, channels: ["cbs"], text: Localized(ko: "도로 통제", en: ""))
        let refused = Compose.check(draft, channels: profiles, now: night)
        #expect(refused.refusals == [.quietHours(channel: "cbs", hours: "23:00~07:00")], "\(refused.refusals)")
        #expect(!refused.canQueue)
        #expect(Compose.check(draft, channels: profiles, now: noon).refusals.isEmpty)
        draft.quietHoursOverride = "도로 통제로 귀가 차량 우회가 필요함"
        #expect(Compose.check(draft, channels: profiles, now: night).canQueue)
        draft.quietHoursOverride = nil
        draft.kind = .emergency
        #expect(Compose.check(draft, channels: profiles, now: night).canQueue)
    }
}
