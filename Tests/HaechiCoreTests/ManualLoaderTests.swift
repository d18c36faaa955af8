import Foundation
import Testing
@testable import HaechiCore

/// A small valid manual. Tests change one line of it and expect the error at that exact place,
/// so line numbers below matter: keep `lines` in step with the text.
let fixtureChannels = """
channels:
  - id: x
    name: {ko: X, en: X}
    counting: x-weighted
    limit: 280
    languages: [ko, en]
    approval: [critical, emergency]
  - id: cbs
    name: {ko: 재난문자, en: CBS}
    counting: characters
    limit: 157
    class_limits: {emergency: 90}
    languages: [ko]
    approval: [emergency]
    idempotent: true
"""

let fixtureManual = """
id: flood
title: {ko: 침수, en: Flooding}
category: natural
department: {ko: 물순환안전국, en: Water Safety Bureau}
revised: "2026-06-01"
variables:
  - id: district
    label: {ko: 자치구, en: District}
    max_length: 8
phases:
  - id: detect
    title: {ko: 감지, en: Detection}
    steps:
      - id: F-01
        title: {ko: 수위 확인, en: Check water levels}
        instructions: {ko: 잠수교 수위를 확인한다., en: Check the Jamsu bridge gauge.}
        role: {ko: 상황실, en: Situation room}
        target_minutes: 5
        from_level: 관심
      - id: F-02
        title: {ko: 알림, en: Alert}
        instructions: {ko: 시민에게 알린다., en: Alert citizens.}
        role: {ko: 홍보, en: Press office}
        target_minutes: 10
        from_level: 주의
        message:
          class: emergency
          channels: [x, cbs]
          text:
            ko: "{district} 침수 우려. 지하차도 진입 금지."
            en: "Flood risk in {district}. Keep out of underpasses."
"""

func fixtureLibrary() -> ChannelProfiles {
    let (channels, problems) = ChannelProfileLoader.load(data: Data(fixtureChannels.utf8), file: "channels.yaml")
    precondition(problems.isEmpty, "\(problems)")
    return channels
}

/// Loads the fixture manual with line `line` (1-based) replaced by `replacement` (nil: unchanged).
func load(replacing line: Int? = nil, with replacement: String = "", text: String = fixtureManual) -> (Manual?, [String]) {
    var lines = text.components(separatedBy: "\n")
    if let line { lines[line - 1] = replacement }
    let (manual, diagnostics) = ManualLoader.load(data: Data(lines.joined(separator: "\n").utf8), file: "flood.yaml", channels: fixtureLibrary())
    return (manual, diagnostics.map(\.description))
}

@Suite struct ManualLoaderTests {
    @Test func theFixtureIsValid() throws {
        let (manual, errors) = load()
        #expect(errors.isEmpty)
        let m = try #require(manual)
        #expect(m.stepCount == 2)
        #expect(m.allSteps[1].message?.channels == ["x", "cbs"])
        #expect(m.steps(at: .interest).map(\.id) == ["F-01"])
    }

    @Test func yamlSyntaxErrorsCarryTheirPlace() {
        let (manual, errors) = load(replacing: 3, with: "category: [natural")
        #expect(manual == nil)
        #expect(errors == ["flood.yaml:4:11: error: YAML syntax: did not find expected ',' or ']' (while parsing a flow sequence at 3:11)"], "\(errors)")
    }

    @Test func unknownKeysSuggestTheNearestOne() {
        let (_, errors) = load(replacing: 18, with: "        target_minute: 5")
        #expect(errors.contains("flood.yaml:18:9: error: unknown key 'target_minute' in a step; did you mean 'target_minutes'?"), "\(errors)")
        #expect(errors.contains("flood.yaml:14:9: error: a step is missing required key 'target_minutes'"), "\(errors)")
    }

    @Test func missingRequiredFields() {
        let (_, errors) = load(replacing: 4, with: "")
        #expect(errors == ["flood.yaml:1:1: error: a manual is missing required key 'department'"], "\(errors)")
    }

    @Test func wrongTypes() {
        let (_, errors) = load(replacing: 18, with: "        target_minutes: soon")
        #expect(errors == ["flood.yaml:18:25: error: target_minutes must be a whole number, found 'soon'"], "\(errors)")
        let (_, title) = load(replacing: 2, with: "title: [침수, Flooding]")
        #expect(title == ["flood.yaml:2:8: error: title must be a mapping (key: value), found a list"], "\(title)")
    }

    @Test func duplicateStepIDs() {
        let (_, errors) = load(replacing: 20, with: "      - id: F-01")
        #expect(errors == ["flood.yaml:20:13: error: duplicate step id 'F-01' (first at flood.yaml:14:13)"], "\(errors)")
    }

    @Test func undeclaredPlaceholdersPointAtThePlaceholder() {
        let (_, errors) = load(replacing: 30, with: "            ko: \"{distrct} 침수 우려.\"")
        #expect(errors == ["flood.yaml:30:18: error: placeholder {distrct} is not a declared variable; did you mean {district}?"], "\(errors)")
    }

    @Test func unknownChannelsAndLevels() {
        let (_, channels) = load(replacing: 28, with: "          channels: [x, cbss]")
        #expect(channels == ["flood.yaml:28:25: error: unknown channel 'cbss'; did you mean 'cbs'?"], "\(channels)")
        let (_, levels) = load(replacing: 19, with: "        from_level: 경보")
        #expect(levels.first?.hasPrefix("flood.yaml:19:21: error: from_level must be one of 관심, 주의, 경계, 심각") == true, "\(levels)")
    }

    @Test func templatesLongerThanAChannelAllows() {
        // 80 Hangul + a placeholder of 8 + the drill prefix (5) is over CBS's 90 for emergency texts.
        let long = String(repeating: "가", count: 80)
        let (_, errors) = load(replacing: 30, with: "            ko: \"{district} \(long)\"")
        #expect(errors == ["flood.yaml:30:17: error: text.ko is 94 long on cbs, over its limit of 90 for emergency messages by 4 (counted as characters, placeholders at their max_length, drill prefix included)"], "\(errors)")
    }

    @Test func textInALanguageNoneOfItsChannelsPostsIsAnError() {
        let (_, errors) = load(replacing: 28, with: "          channels: [cbs]")
        #expect(errors == ["flood.yaml:31:17: error: text.en would be posted nowhere: none of its channels (cbs) posts in en"], "\(errors)")
    }

    @Test func aChannelsLanguageMustBeFilled() {
        let (_, errors) = load(replacing: 31, with: "            en: \"\"")
        #expect(errors == ["flood.yaml:28:22: error: channel 'x' posts in en, but text.en is empty"], "\(errors)")
    }

    @Test func controlCharactersAndEscapeSequencesAreRefused() {
        let (_, escaped) = load(replacing: 15, with: "        title: {ko: \"수위\\e[31m 확인\", en: Check}")
        #expect(escaped == ["flood.yaml:15:21: error: step title.ko contains an escape character (U+001B, ESC); control characters and escape sequences are not allowed in text"], "\(escaped)")
        let (_, raw) = load(replacing: 15, with: "        title: {ko: 수위\u{07}, en: Check}")
        #expect(raw == ["flood.yaml:15:23: error: YAML: control character U+0007 is not allowed"], "\(raw)")
        let (_, bidi) = load(replacing: 15, with: "        title: {ko: 수위\u{202E}확인, en: Check}")
        #expect(bidi.first?.contains("bidirectional control (U+202E)") == true, "\(bidi)")
    }

    @Test func emptyBinaryHugeNestedAndTruncatedFilesGetALocatedError() {
        let channels = fixtureLibrary()
        func errors(_ data: Data) -> [String] { ManualLoader.load(data: data, file: "m.yaml", channels: channels).1.map(\.description) }
        #expect(errors(Data()) == ["m.yaml:1:1: error: file is empty"])
        #expect(errors(Data("id: a\n\u{0}\u{1}\u{2}".utf8)) == ["m.yaml:2:1: error: NUL byte: this looks like a binary file, not YAML"])
        #expect(errors(Data([0x69, 0x64, 0x3A, 0x20, 0xFF, 0xFE])) == ["m.yaml:1:5: error: not UTF-8 text (invalid byte 0xFF)"])
        let huge = errors(Data(repeating: UInt8(ascii: "a"), count: YAMLDocument.maximumBytes + 1))
        #expect(huge.first?.hasPrefix("m.yaml:1:1: error: file is") == true)
        let nested = errors(Data((String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000)).utf8))
        #expect(nested.count == 1 && nested[0].hasPrefix("m.yaml:1:"), "\(nested)")
        let truncated = errors(Data(fixtureManual.utf8.prefix(400)))
        #expect(!truncated.isEmpty && truncated.allSatisfy { $0.range(of: #"^m\.yaml:\d+:\d+: error: "#, options: .regularExpression) != nil }, "\(truncated)")
        // Anchors and aliases that would expand to billions of nodes stop with a message.
        var bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
        for i in 1..<9 { bomb += "\(Character(UnicodeScalar(97 + i)!)): &\(Character(UnicodeScalar(97 + i)!)) [" + Array(repeating: "*\(Character(UnicodeScalar(96 + i)!))", count: 10).joined(separator: ", ") + "]\n" }
        let bombErrors = errors(Data(bomb.utf8))
        #expect(!bombErrors.isEmpty && bombErrors.allSatisfy { $0.hasPrefix("m.yaml:") })
    }

    @Test func allProblemsAreReportedInOneRun() {
        var lines = fixtureManual.components(separatedBy: "\n")
        lines[2] = "category: natual"
        lines[17] = "        target_minutes: -3"
        lines[18] = "        from_level: 빨강"
        let (_, diagnostics) = ManualLoader.load(data: Data(lines.joined(separator: "\n").utf8), file: "flood.yaml", channels: fixtureLibrary())
        #expect(diagnostics.map(\.location.line) == [3, 18, 19], "\(diagnostics)")
    }

    @Test func theIDMustMatchTheFileName() {
        let (_, errors) = load(replacing: 1, with: "id: floods")
        #expect(errors == ["flood.yaml:1:5: error: manual id 'floods' does not match the file name 'flood.yaml'"])
    }

    @Test func channelProfileErrorsAreLocatedToo() {
        let broken = fixtureChannels.replacingOccurrences(of: "counting: characters", with: "counting: chars")
        let (_, problems) = ChannelProfileLoader.load(data: Data(broken.utf8), file: "channels.yaml")
        #expect(problems.map(\.description) == ["channels.yaml:10:15: error: counting must be one of x-weighted, characters, graphemes, found 'chars'"], "\(problems)")
    }
}
