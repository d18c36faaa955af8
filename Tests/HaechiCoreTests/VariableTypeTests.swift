import Foundation
import Testing
@testable import HaechiCore

/// Typed incident variables: each type refuses what it must with a clear message, gives a
/// Korean and an English form, and the loader reads `type:` with located errors.
@Suite struct VariableTypeTests {
    let snow = IncidentVariable(id: "snow_cm", label: Localized(ko: "예상 적설", en: "Expected snowfall"), maxLength: 5,
                                type: .number(unit: Localized(ko: "cm", en: "cm"), min: 0, max: 300))
    let district = IncidentVariable(id: "district", label: Localized(ko: "자치구", en: "District"), maxLength: 10, type: .district)
    let time = IncidentVariable(id: "closed_at", label: Localized(ko: "통제 시각", en: "Closed at"), maxLength: 5, type: .time)
    let road = IncidentVariable(id: "road", label: Localized(ko: "통제 도로", en: "Closed road"), maxLength: 20,
                                type: .choice([Localized(ko: "잠수교", en: "Jamsu Bridge"), Localized(ko: "올림픽대로", en: "Olympic-daero"),
                                               Localized(ko: "동부간선도로", en: "Dongbu Expressway")]))

    @Test func aNumberRefusesWordsAndOutOfRange() throws {
        guard case .failure(let words) = snow.validate("통일로") else { Issue.record("통일로 accepted as snowfall"); return }
        #expect(words.message.ko.contains("숫자를 입력하세요"))
        #expect(words.message.en.contains("‘통일로’ is not one"))
        guard case .failure(let high) = snow.validate("450") else { Issue.record("450 cm accepted"); return }
        #expect(high.message.en == "‘Expected snowfall’: must be at most 300 cm")
        guard case .failure(let low) = snow.validate("-3") else { Issue.record("-3 cm accepted"); return }
        #expect(low.message.ko.contains("0 cm 이상"))
        #expect(try snow.validate("12").get() == Localized(ko: "12", en: "12"))
        #expect(try snow.validate("12cm").get().ko == "12")
        #expect(try snow.validate("7.5").get().ko == "7.5")
    }

    @Test func aDistrictIsOneOfTheTwentyFiveWithBothForms() throws {
        #expect(SeoulAreas.names.count == 25)
        #expect(Set(SeoulAreas.names.map(\.ko)).count == 25)
        #expect(try district.validate("마포구").get() == Localized(ko: "마포구", en: "Mapo-gu"))
        #expect(try district.validate("마포").get().en == "Mapo-gu")
        #expect(try district.validate("mapo-gu").get().ko == "마포구")
        #expect(try district.validate("Yeongdeungpo").get().ko == "영등포구")
        guard case .failure(let bad) = district.validate("분당구") else { Issue.record("분당구 is not in Seoul"); return }
        #expect(bad.message.en.contains("not one of Seoul's 25 districts"))
        // 강 starts 강북구, 강서구, 강남구, 강동구: ambiguous, listed.
        guard case .failure(let several) = district.validate("강") else { Issue.record("강 accepted"); return }
        #expect(several.message.ko.contains("강북구"))
        #expect(district.completions("강") == ["강북구", "강서구", "강남구", "강동구"])
        #expect(district.completions("gangn") == ["Gangnam-gu"])
        #expect(district.completions("동대") == ["동대문구"])
    }

    @Test func aTimeIsHoursAndMinutes() throws {
        #expect(try time.validate("22:44").get().ko == "22:44")
        #expect(try time.validate("7:05").get().ko == "07:05")
        #expect(try time.validate("2244").get().en == "22:44")
        for bad in ["24:00", "12:60", "밤 10시", "22.44"] {
            guard case .failure(let r) = time.validate(bad) else { Issue.record("\(bad) accepted as a time"); continue }
            #expect(r.message.en.contains("HH:MM"))
        }
    }

    @Test func aChoiceCarriesBothLanguages() throws {
        #expect(try road.validate("잠수교").get() == Localized(ko: "잠수교", en: "Jamsu Bridge"))
        #expect(try road.validate("jamsu bridge").get().ko == "잠수교")
        #expect(try road.validate("올림").get().en == "Olympic-daero")
        guard case .failure(let r) = road.validate("통일로") else { Issue.record("통일로 is not on the list"); return }
        #expect(r.message.ko.contains("목록에서 고르세요: 잠수교, 올림픽대로, 동부간선도로"))
        #expect(road.completions("동") == ["동부간선도로"])
    }

    @Test func englishPostsUseTheEnglishForm() {
        let context = Placeholders.Context(now: Date(timeIntervalSince1970: 0), variables: ["road": "잠수교", "road.en": "Jamsu Bridge", "time_x": "1"])
        #expect(Placeholders.fill("From {time}, {road} is closed", language: .en, context: context).text == "From 09:00, Jamsu Bridge is closed")
        #expect(Placeholders.fill("{time}부터 {road} 통제", language: .ko, context: context).text == "09:00부터 잠수교 통제")
        // No English form: the Korean value, as before.
        let old = Placeholders.Context(now: Date(timeIntervalSince1970: 0), variables: ["road": "잠수교"])
        #expect(Placeholders.fill("{road} closed", language: .en, context: old).text == "잠수교 closed")
    }

    @Test func theJournalKeepsKoreanUnderTheIdAndEnglishBeside() {
        let note = IncidentVariable(id: "road_text", label: Localized(ko: "도로", en: "Road"), maxLength: 20, type: .text(english: true))
        let manual = Manual(id: "m", title: Localized(ko: "m", en: "m"), category: .natural, department: Localized(ko: "d", en: "d"),
                            revised: "2026-01-01", variables: [district, snow, road, note], phases: [])
        let out = manual.journalVariables(["district": "mapo", "snow_cm": "12", "road": "잠수", "road_text": "북악산로"],
                                          english: ["road_text": "Bugaksan-ro"])
        #expect(out == ["district": "마포구", "district.en": "Mapo-gu", "snow_cm": "12", "road": "잠수교", "road.en": "Jamsu Bridge",
                        "road_text": "북악산로", "road_text.en": "Bugaksan-ro"])
        // A value its type refuses is not journaled (the Start screen refuses it first).
        #expect(manual.journalVariables(["snow_cm": "통일로"]).isEmpty)
    }

    // MARK: loader and lint

    func loadVariables(_ yaml: String) -> (Manual?, [String]) {
        load(replacing: 9, with: yaml)
    }

    @Test func theLoaderReadsEveryType() throws {
        let (manual, errors) = loadVariables("""
                max_length: 8
                type: district
              - id: snow_cm
                label: {ko: 예상 적설, en: Expected snowfall}
                max_length: 5
                type: number
                unit: {ko: cm, en: cm}
                min: 0
                max: 300
              - id: road
                label: {ko: 통제 도로, en: Closed road}
                max_length: 13
                type: choice
                choices:
                  - {ko: 잠수교, en: Jamsu Bridge}
                  - {ko: 올림픽대로, en: Olympic-daero}
              - id: closed_at
                label: {ko: 통제 시각, en: Closed at}
                max_length: 5
                type: time
              - id: note
                label: {ko: 비고, en: Note}
                max_length: 30
                english: true
            """)
        #expect(errors.isEmpty, "\(errors)")
        let m = try #require(manual)
        #expect(m.variables.map(\.kind.name) == ["district", "number", "choice", "time", "text"])
        #expect(m.variables[1].kind == .number(unit: Localized(ko: "cm", en: "cm"), min: 0, max: 300))
        #expect(m.variables[4].kind == .text(english: true))
    }

    @Test func typeErrorsCarryTheirPlace() {
        let (_, errors) = loadVariables("""
                max_length: 8
                type: distrct
              - id: snow_cm
                label: {ko: 예상 적설, en: Expected snowfall}
                max_length: 5
                type: number
                min: 10
                max: 1
                choices: [{ko: 가, en: A}]
              - id: road
                label: {ko: 통제 도로, en: Closed road}
                max_length: 4
                type: choice
                choices:
                  - {ko: 동부간선도로, en: Dongbu Expressway}
              - id: at
                label: {ko: 시각, en: At}
                max_length: 5
                type: time
                example: "25:00"
            """)
        #expect(errors.contains("flood.yaml:10:11: error: variable type must be one of text, number, district, time, choice, found 'distrct'; did you mean 'district'?"), "\(errors)")
        #expect(errors.contains("flood.yaml:16:10: error: max (1.0) is below min (10.0)"), "\(errors)")
        #expect(errors.contains("flood.yaml:17:14: error: 'choices' belongs to a variable of type choice, not number"), "\(errors)")
        #expect(errors.contains("flood.yaml:23:9: error: choice '동부간선도로' is longer than max_length 4"), "\(errors)")
        #expect(errors.contains { $0.hasPrefix("flood.yaml:28:14: error: example '25:00' is refused by the variable's type") }, "\(errors)")
    }
}
