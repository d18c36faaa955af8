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
