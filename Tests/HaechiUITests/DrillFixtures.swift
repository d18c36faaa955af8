import Foundation
import HaechiCore
@testable import HaechiUI

extension Fixture {
    /// A scenario for `Fixture.earthquake`: a warning at T+1 that raises the level to 주의 and
    /// expects the first step, an aftershock at T+5 that raises it to 경계, a plain report at T+10.
    static let quakeScenario = Scenario(
        id: "quake-drill", title: Localized(ko: "마포구 규모 4.8 지진", en: "M4.8 earthquake in Mapo"), manual: "earthquake",
        startLevel: .interest, variables: ["district": "마포구", "magnitude": "4.8"],
        injects: [
            Inject(id: "warning", at: 60, text: Localized(ko: "기상청 지진속보: 마포구 규모 4.8, 주의로 상향", en: "KMA: M4.8 in Mapo, raise to Yellow"),
                   level: .caution, expect: Expectation(steps: ["receive"], within: 300)),
            Inject(id: "aftershock", at: 300, text: Localized(ko: "여진 규모 5.1, 경계로 상향", en: "M5.1 aftershock, raise to Orange"),
                   level: .alert, expect: Expectation(steps: ["hq"], within: 600)),
            Inject(id: "bridge", at: 600, text: Localized(ko: "마포대교 남단 균열 신고", en: "Crack reported at the south end of Mapo Bridge")),
        ])
}

extension Harness {
    /// A harness that knows the scenario and has opened a drill of it at `speed`.
    static func drill(speed: DrillClock.Speed = .x1, width: Int = 80, height: Int = 24, language: Language = .ko) -> Harness {
        var h = Harness(width: width, height: height, language: language)
        h.state.scenarios = [Fixture.quakeScenario]
        h.send(.openDrill(scenario: "quake-drill", speed: speed))
        return h
    }

    static let drillID = "20261129-030000-earthquake-0001"
    var journal: [IncidentEvent] { journals[Self.drillID] ?? [] }

    /// Moves the clock and lets the shell's tick run.
    mutating func wait(seconds: Double) {
        clock.advance(seconds: seconds)
        send(.tick)
    }
}
