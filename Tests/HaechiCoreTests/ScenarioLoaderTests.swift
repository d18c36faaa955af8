import Foundation
import Testing
@testable import HaechiCore

@Suite struct ScenarioLoaderTests {
    let good = """
    id: test-drill
    title: {ko: 시험 훈련, en: Test drill}
    manual: test-rain
    start_level: 주의
    variables:
      district: 강남구
    injects:
      - id: gauge
        at: T+3
        text: {ko: 수위 5.5 m, en: Gauge at 5.5 m}
        level: 경계
        expect: {steps: [evacuate], within: 10}
      - at: 8
        text: {ko: 침수 사진, en: Flood photo}
        expect:
          steps: [sns]
          within: "T+2:30"
    """

    func parse(_ yaml: String, manuals: [Manual]? = [ReportFixture.manual]) -> (Scenario?, [String]) {
        let (scenario, diagnostics) = ScenarioLoader(manuals: manuals).parse(yaml: yaml, file: "test-drill.yaml")
        return (scenario, diagnostics.map(\.description))
    }

    @Test func loadsAGoodScenario() throws {
        let (scenario, diagnostics) = parse(good)
        #expect(diagnostics == [])
        let s = try #require(scenario)
        #expect(s.id == "test-drill")
        #expect(s.startLevel == .caution)
        #expect(s.variables == ["district": "강남구"])
        #expect(s.injects.map(\.id) == ["gauge", "inject-2"])
        #expect(s.injects.map(\.at) == [180, 480])
        #expect(s.injects[0].level == .alert)
        #expect(s.injects[0].expect == Expectation(steps: ["evacuate"], within: 600))
        #expect(s.injects[1].expect?.within == 150)
        #expect(s.injects[1].location == SourceLocation(file: "test-drill.yaml", line: 13, column: 5))
        #expect(s.duration == 780)
    }

    @Test func unknownKeysAreReportedAtTheKey() {
        let yaml = good.replacingOccurrences(of: "start_level: 주의", with: "startlevel: 주의")
            .replacingOccurrences(of: "    level: 경계", with: "    levle: 경계")
        let (scenario, d) = parse(yaml)
        #expect(scenario == nil)
        #expect(d.contains("test-drill.yaml:4:1: error: unknown key 'startlevel' in a scenario; did you mean 'start_level'?"))
        #expect(d.contains("test-drill.yaml:1:1: error: a scenario is missing required key 'start_level'"))
        #expect(d.contains("test-drill.yaml:11:5: error: unknown key 'levle' in an inject (allowed: id, at, text, level, expect)"))
    }

    @Test func wrongTypesAndBadValues() {
        let yaml = good.replacingOccurrences(of: "at: T+3", with: "at: soon")
            .replacingOccurrences(of: "title: {ko: 시험 훈련, en: Test drill}", with: "title: 시험 훈련")
            .replacingOccurrences(of: "start_level: 주의", with: "start_level: purple")
            .replacingOccurrences(of: "within: 10}", with: "within: 0}")
        let (_, d) = parse(yaml)
        #expect(d.contains("test-drill.yaml:9:9: error: at must be minutes from the start, like 3, 2.5, \"T+3\" or \"T+2:30\"; found 'soon'"))
        #expect(d.contains("test-drill.yaml:2:8: error: title must be a mapping (key: value), found '시험 훈련'"))
        #expect(d.contains("test-drill.yaml:4:14: error: start_level must be one of 관심, 주의, 경계, 심각, blue, yellow, orange, red, found 'purple'"))
        #expect(d.contains("test-drill.yaml:12:41: error: within must be more than 0 minutes"))
    }

    @Test func injectsMustBeInOrderAndUnique() {
        let yaml = good.replacingOccurrences(of: "  - at: 8", with: "  - at: 2\n    id: gauge")
        let (_, d) = parse(yaml)
        #expect(d.contains("test-drill.yaml:13:5: error: inject 'gauge' at T+2 comes after one at T+3; injects must be in time order"))
        #expect(d.contains("test-drill.yaml:13:5: error: duplicate inject id 'gauge' (first at test-drill.yaml:8:5)"))
    }

    @Test func repeatedInjectIsRefused() {
        let yaml = good + """

          - at: 8
            text: {ko: 침수 사진, en: Flood photo}
        """
        let (_, d) = parse(yaml)
        #expect(d.contains("test-drill.yaml:18:5: error: inject 'inject-3' repeats inject 'inject-2' (same time and text)"))
    }

    @Test func unknownStepsManualAndVariablesAgainstTheLibrary() {
        let yaml = good.replacingOccurrences(of: "steps: [sns]", with: "steps: [sns, tweet]")
            .replacingOccurrences(of: "district: 강남구", with: "distrct: 강남구")
        let (_, d) = parse(yaml)
        #expect(d.contains("test-drill.yaml:16:20: error: manual 'test-rain' has no step 'tweet'"))
        #expect(d.contains("test-drill.yaml:6:3: error: manual 'test-rain' has no variable 'distrct'; did you mean 'district'?"))
        #expect(d.contains("test-drill.yaml:6:3: error: missing variable 'district' that manual 'test-rain' requires"))

        let (_, d2) = parse(good.replacingOccurrences(of: "manual: test-rain", with: "manual: tsunami"))
        #expect(d2.contains("test-drill.yaml:3:9: error: unknown manual 'tsunami' (known: test-rain)"))
        // Without a library the same file is only checked for its shape.
        let (s3, d3) = parse(good.replacingOccurrences(of: "manual: test-rain", with: "manual: tsunami"), manuals: nil)
        #expect(s3 != nil)
        #expect(d3.allSatisfy { $0.contains("warning") })
    }

    @Test func stepAboveTheLevelInForceIsAWarning() {
        let yaml = good.replacingOccurrences(of: "    level: 경계\n", with: "")
        let (scenario, d) = parse(yaml)
        #expect(scenario != nil)
        #expect(d.contains("test-drill.yaml:11:22: warning: step 'evacuate' applies from 경계 but the level at T+3 is 주의"))
    }

    @Test func idMustMatchTheFileNameAndLevelMustChange() {
        let (_, d) = ScenarioLoader(manuals: [ReportFixture.manual]).parse(
            yaml: good.replacingOccurrences(of: "    level: 경계", with: "    level: yellow"), file: "dir/other.yaml")
        #expect(d.map(\.description).contains("dir/other.yaml:1:5: error: scenario id 'test-drill' does not match the file name 'other.yaml'"))
        #expect(d.map(\.description).contains("dir/other.yaml:11:12: warning: inject 'gauge' sets the level to 주의, which it already is"))
    }

    @Test func yamlSyntaxErrorsAreLocated() {
        let (scenario, d) = parse("id: x\ntitle: {ko: a, en: b\nmanual: m\n")
        #expect(scenario == nil)
        #expect(d.count == 1)
        #expect(d[0].hasPrefix("test-drill.yaml:3:"))
        let (_, dup) = parse("id: x\nid: y\n")
        #expect(dup.first == "test-drill.yaml:1:1: error: duplicate key 'id' in one mapping")
    }

    @Test func directoryRefusesTheSameIdTwice() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scen-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try good.write(toFile: dir + "/test-drill.yaml", atomically: true, encoding: .utf8)
        try good.write(toFile: dir + "/test-drill.yml", atomically: true, encoding: .utf8)
        try "not: [closed".write(toFile: dir + "/broken.yml", atomically: true, encoding: .utf8)
        try "ignored".write(toFile: dir + "/README.md", atomically: true, encoding: .utf8)
        let set = ScenarioLoader(manuals: [ReportFixture.manual]).load(directory: dir)
        #expect(set.scenarios.map(\.file) == [dir + "/test-drill.yaml"])
        #expect(set.errors.count == 2)
        #expect(set.errors.contains { $0.location.file.hasSuffix("broken.yml") })
        #expect(set.errors.contains { $0.description == "\(dir)/test-drill.yml:1:1: error: scenario id 'test-drill' is already used by \(dir)/test-drill.yaml" })
    }

    @Test func scenarioTimes() {
        #expect(ScenarioTime.parse("T+3") == 180)
        #expect(ScenarioTime.parse("2.5") == 150)
        #expect(ScenarioTime.parse("T+2:30") == 150)
        #expect(ScenarioTime.parse("2:3") == nil)
        #expect(ScenarioTime.parse("T-3") == nil)
        #expect(ScenarioTime.parse("-1") == nil)
        #expect(ScenarioTime.format(150) == "T+2:30")
        #expect(ScenarioTime.format(180) == "T+3")
    }
}

/// Judgement expectations (issue 11): a message of a kind, none on a channel, a correction or
/// cancel, a level, a duty stage; each refused at its own `file:line:col` when wrong.
@Suite struct ScenarioJudgementLoaderTests {
    static let yaml = """
    id: test-drill
    title: {ko: 시험 훈련, en: Test drill}
    manual: test-rain
    start_level: 주의
    variables:
      district: 강남구
    injects:
      - id: order
        at: 1
        text: {ko: 문자 발송 지시, en: Send the text}
        expect:
          message: {class: 안전안내, channels: [x]}
          level: 경계
          within: 5
      - id: kma
        at: 2
        text: {ko: 기상청 문자 발송됨, en: KMA text sent}
        expect: {no_message: {channels: [cbs]}, within: 10}
      - id: wrong
        at: 3
        text: {ko: 잘못된 문자, en: Wrong text}
        expect: {correction: {}, stage: 1단계, steps: [sns], within: "T+2:30"}
    """

    func parse(_ yaml: String) -> (Scenario?, [String]) {
        let (s, d) = ScenarioLoader(manuals: [ReportFixture.manual], channels: ["x", "mastodon", "cbs"]).parse(yaml: yaml, file: "test-drill.yaml")
        return (s, d.map(\.description))
    }

    @Test func readsEveryKind() throws {
        let (scenario, d) = parse(Self.yaml)
        #expect(d == [])
        let s = try #require(scenario)
        #expect(s.injects[0].expect == Expectation(within: 300, message: MessageMatch(kind: .safety, channels: ["x"]), level: .alert))
        #expect(s.injects[1].expect == Expectation(within: 600, noMessage: MessageMatch(channels: ["cbs"])))
        #expect(s.injects[2].expect == Expectation(steps: ["sns"], within: 150, correction: MessageMatch(), stage: .stage1))
    }

    @Test func eachMistakeAtItsPlace() {
        let bad = Self.yaml
            .replacingOccurrences(of: "class: 안전안내, channels: [x]", with: "class: urgent, channels: [twitter]")
            .replacingOccurrences(of: "stage: 1단계", with: "stage: 4단계")
            .replacingOccurrences(of: "{no_message: {channels: [cbs]}, within: 10}", with: "{no_mesage: {channels: [cbs]}, within: 10}")
        let (scenario, d) = parse(bad)
        #expect(scenario == nil)
        #expect(d.contains("test-drill.yaml:12:24: error: message class must be one of critical, emergency, safety, info, 위급, 긴급, 안전안내, 정보, found 'urgent'"))
        #expect(d.contains("test-drill.yaml:12:43: error: unknown channel 'twitter' (channels.yaml has: x, mastodon, cbs)"))
        #expect(d.contains("test-drill.yaml:18:14: error: unknown key 'no_mesage' in an expectation; did you mean 'no_message'?"))
        #expect(d.contains { $0.hasPrefix("test-drill.yaml:22:37: error: expected stage must be one of 준비, 1단계") })
    }

    @Test func nothingExpectedContradictionsAndTheDrillsOwnLevelAreRefused() {
        let yaml = Self.yaml
            .replacingOccurrences(of: "{no_message: {channels: [cbs]}, within: 10}", with: "{within: 10}")
            .replacingOccurrences(of: "  - id: wrong\n", with: "  - id: wrong\n    level: 경계\n")
            .replacingOccurrences(of: "{correction: {}, stage: 1단계, steps: [sns], within: \"T+2:30\"}",
                                  with: "{message: {channels: [x]}, no_message: {}, level: 심각, within: 3}")
        let (scenario, d) = parse(yaml)
        #expect(scenario == nil)
        #expect(d.contains("test-drill.yaml:18:13: error: an expectation needs at least one of steps, message, no_message, correction, level or stage"))
        #expect(d.contains("test-drill.yaml:23:52: error: no_message contradicts message in the same expectation: the expected message would break it"))
        #expect(d.contains("test-drill.yaml:23:63: error: this inject sets the level itself (level:); expect a level only from injects that leave the decision to the trainees"))
    }

    /// "Any message, but none on Kakao" can be met (post on X): not a contradiction.
    @Test func aMessageThatCanAvoidTheForbiddenChannelIsAccepted() throws {
        let yaml = Self.yaml.replacingOccurrences(of: "{no_message: {channels: [cbs]}, within: 10}",
                                                  with: "{message: {}, no_message: {channels: [cbs]}, within: 10}")
        let (scenario, d) = parse(yaml)
        #expect(d == [])
        #expect(try #require(scenario).injects[1].expect == Expectation(within: 600, message: MessageMatch(), noMessage: MessageMatch(channels: ["cbs"])))
    }

    @Test func aClassNoTemplateUsesAndALevelAlreadyInForceAreWarnings() throws {
        let yaml = Self.yaml
            .replacingOccurrences(of: "class: 안전안내", with: "class: critical")
            .replacingOccurrences(of: "level: 경계\n", with: "level: 주의\n")
        let (scenario, d) = parse(yaml)
        #expect(scenario != nil)
        #expect(d == [
            "test-drill.yaml:12:24: warning: manual 'test-rain' has no template of class critical (위급); trainees would have to write it free-form",
            "test-drill.yaml:13:14: warning: the level at T+1 is already 주의; this expectation is met before the inject is read",
        ])
    }
}
