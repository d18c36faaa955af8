import Foundation
import HaechiCore
import Testing
@testable import HaechiUI

/// Snapshots of issue 13: the checklist at 80×24, 100×30 and 120×40 in both languages and in
/// each theme (the text, styles, and what each tone on screen looks like in that theme), the
/// palette, the read-only seat, a prompt with its counter, and typed variables on Start.
@Suite struct ErgonomicsSnapshotTests {
    static let sizes = [(80, 24), (100, 30), (120, 40)]

    /// The theme's colours for every tone the canvas uses, so a theme change shows in review.
    static func legend(_ state: AppState) -> String {
        let canvas = render(state)
        var tones: [Tone] = []
        for cell in canvas.cells where !tones.contains(cell.style.tone) { tones.append(cell.style.tone) }
        return "---- theme \(state.theme.name.rawValue)\n"
            + tones.sorted { $0.rawValue < $1.rawValue }.map { "\($0): \(state.theme.describe($0))\n" }.joined()
    }

    /// A worked incident with the bundled manuals' long roles and day-long targets.
    static func incident(width: Int, height: Int, language: Language, mode: Mode = .live) -> Harness {
        let role = Localized(ko: "서울안전상황실 당직관", en: "Seoul Safety Situation Room duty officer")
        var manual = Fixture.earthquake
        manual.phases[0].steps[0].role = role
        manual.phases[0].steps[1].role = Localized(ko: "재난안전대책본부 상황관리반", en: "Countermeasures HQ situation management team")
        manual.phases[1].steps[1].targetMinutes = 1440
        manual.phases[1].steps[0].targetMinutes = 144
        var h = Harness(width: width, height: height, language: language, manuals: [manual, Fixture.fire])
        h.openDrill(level: .serious, mode: mode)
        h.clock.advance(minutes: 3)
        h.key(.char("d"))
        h.key(.char("n")); h.type("마포대교 남단 균열"); h.key(.enter)
        h.clock.advance(minutes: 9)
        h.send(.tick)
        h.state.flash = nil
        return h
    }

    @Test func checklistInEverySizeLanguageAndTheme() throws {
        for (w, ht) in Self.sizes {
            for language in Language.allCases {
                for theme in Theme.Name.allCases {
                    var h = Self.incident(width: w, height: ht, language: language)
                    h.state.theme = .named(theme)
                    try SnapshotTests.check("ergo-checklist-\(language.rawValue)-\(theme.rawValue)", h.state, legend: Self.legend(h.state))
                }
            }
        }
    }

    @Test func rolesAndTargetsAreWholeFrom100Columns() throws {
        for (w, ht) in [(100, 30), (120, 40)] {
            for language in Language.allCases {
                let h = Self.incident(width: w, height: ht, language: language)
                let text = h.screenText
                #expect(!text.contains("T+14"), "\(text)")
                #expect(text.contains("T+24h"))
                #expect(text.contains("T+2h24"))
                if language == .ko { #expect(text.contains("서울안전상황실 당직관"), "\(w): \(text)") }
                #expect(!text.contains("상황실 당~"))
            }
        }
    }

    @Test func paletteReadOnlyAndPromptCounter() throws {
        for (w, ht) in Self.sizes {
            var h = Self.incident(width: w, height: ht, language: .ko, mode: .drill)
            h.key(.char(":")); h.type("scene")
            try SnapshotTests.check("ergo-palette", h.state)
            h.key(.escape)
            h.key(.char("n")); h.type("구청 도착, 현장 통제선 설치 완료"); h.key(.alt("b"))
            try SnapshotTests.check("ergo-note-prompt", h.state)
            h.key(.escape)
            h.state.readOnly = true
            h.key(.char("d"))
            try SnapshotTests.check("ergo-read-only", h.state)
        }
    }

    @Test func typedVariablesOnStart() throws {
        var manual = Fixture.earthquake
        manual.variables = [
            IncidentVariable(id: "district", label: Localized(ko: "자치구", en: "District"), maxLength: 10, example: "마포구", type: .district),
            IncidentVariable(id: "snow_cm", label: Localized(ko: "예상 적설", en: "Expected snowfall"), maxLength: 5,
                             type: .number(unit: Localized(ko: "cm", en: "cm"), min: 0, max: 300)),
            IncidentVariable(id: "road", label: Localized(ko: "통제 도로ㆍ지하차도 (우회 안내 포함)", en: "Closed roads and underpasses (with detours)"),
                             maxLength: 12, required: false,
                             type: .choice([Localized(ko: "잠수교", en: "Jamsu Bridge"), Localized(ko: "올림픽대로", en: "Olympic-daero")])),
        ]
        for (w, ht) in Self.sizes {
            for language in Language.allCases {
                var h = Harness(width: w, height: ht, language: language, manuals: [manual])
                h.key(.enter); h.key(.down); h.key(.down)
                h.type("마포"); h.key(.tab)                        // completes 마포구
                h.key(.down); h.type("통일로")                     // refused beside the field
                h.key(.down); h.type("잠")
                try SnapshotTests.check("ergo-start-typed-\(language.rawValue)", h.state)
            }
        }
    }
}
