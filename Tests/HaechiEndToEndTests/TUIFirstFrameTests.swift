import Foundation
import HaechiCore
import HaechiStore
import HaechiTestSupport
import Testing

/// The TUI's first frame drawn from the parsed-manual cache's index (issue 11), in tmux: the
/// full manuals are read right after it, so everything behind Home works as before, and an
/// index made before a manual changed is never shown.
@Suite(.ownThread, .serialized, .enabled(if: Tmux.available, "tmux is needed for end-to-end tests"))
struct TUIFirstFrameTests {
    @Test func aStartFromTheIndexOpensManualsAndAChangedManualIsShownAsItIsNow() throws {
        let s = try TUIEndToEndTests.Setup()
        let t = s.tmux
        defer { t.shutdown() }
        // A cache of its own, so the first start below is the one that writes it.
        let environment = ["XDG_CACHE_HOME": t.directory.appendingPathComponent("cache").path]
        let log = s.state.appendingPathComponent("haechi.log")
        func logText() -> String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

        try t.start("a", width: 100, height: 30, s.haechi("kim"), environment: environment)
        try t.waitFor("a", "HAECHI", "지진", "4단계")
        try t.keys("a", "q")
        #expect(try t.waitForExit("a") == 0)
        #expect(!logText().contains("cache's index"), "no cache yet: parsed")

        // Second start: Home from the index, then a manual opened (needs every step).
        try t.start("b", width: 100, height: 30, s.haechi("kim"), environment: environment)
        try t.waitFor("b", "HAECHI", "지진", "4단계")
        try t.keys("b", "Enter")
        try t.waitFor("b", "새 사건 시작", "DRILL 훈련")
        #expect(logText().contains("1 listed from the parsed-manual cache's index"), "\(logText())")
        #expect(logText().contains("1 loaded from \(s.manuals.path)") && logText().contains("(parsed-manual cache)"))
        try t.keys("b", "Escape")
        try t.waitFor("b", "진행 중인 사건·훈련")
        try t.keys("b", "q")
        #expect(try t.waitForExit("b") == 0)

        // An incident on Home: its progress (a step of a higher level worked on counts too) and
        // its district are on the first frame, drawn from the index; the manuals are read after.
        let id = "20261201-090000-earthquake-0001"
        let store = FileStore(StateDirectory(path: s.state.path))
        let opened = Date()
        for event: IncidentEvent in [
            .opened(.init(incident: id, at: opened, operator: "lee"), .init(manual: "earthquake", mode: .drill, level: .interest,
                                                                            variables: ["district": "마포구"])),
            .step(.init(incident: id, at: opened.addingTimeInterval(1), operator: "lee"), .init(step: "receive", status: .done)),
            .step(.init(incident: id, at: opened.addingTimeInterval(2), operator: "lee"), .init(step: "hq", status: .done)),
        ] { try store.append(event, to: .journal(incident: id)) }
        try t.start("d", width: 100, height: 30, s.haechi("kim"), environment: environment)
        try t.waitFor("d", "HAECHI", "지진 · 마포구", "2/4")
        try t.keys("d", "q")
        #expect(try t.waitForExit("d") == 0)
        let lastStart = try #require(logText().components(separatedBy: "start: operator kim").last)
        let frame = try #require(lastStart.range(of: "first frame after"), "\(lastStart)")
        let loaded = try #require(lastStart.range(of: "1 loaded from \(s.manuals.path)"), "\(lastStart)")
        #expect(frame.lowerBound < loaded.lowerBound, "with an incident on Home the first frame still comes before the full manuals:\n\(lastStart)")

        // The manual retitled since: the index is stale, the new title is on the first frame.
        let file = s.manuals.appendingPathComponent("earthquake.yaml")
        let yaml = try String(contentsOf: file, encoding: .utf8)
        let retitled = yaml.replacingOccurrences(of: "title: {ko: 지진, en: Earthquake}", with: "title: {ko: 지진(개정), en: Earthquake}")
        try #require(retitled != yaml)
        try retitled.write(to: file, atomically: true, encoding: .utf8)
        try t.start("c", width: 100, height: 30, s.haechi("kim"), environment: environment)
        try t.waitFor("c", "HAECHI", "지진(개정)", "4단계")
        try t.keys("c", "q")
        #expect(try t.waitForExit("c") == 0)
    }
}

/// The operator's name is trimmed on the TUI's start path by the core's one trimming answer,
/// which leaves Foundation out for a name with nothing to trim: the same blanks as
/// `CharacterSet.whitespaces`, nothing more (a newline stays).
struct OperatorNameTrimTests {
    @Test func trimmingBlanksAgreesWithFoundation() {
        let samples = ["kim", "  kim ", "\tkim\t", "\u{3000}김 철수\u{3000}", "\u{00A0}lee\u{2003}", "park\n", "\n park", "", "   ", "\u{200B}choi"]
        for s in samples {
            #expect(Trimming.whitespace(s) == s.trimmingCharacters(in: .whitespaces), "\(s.unicodeScalars.map { String($0.value, radix: 16) })")
        }
        // Every scalar of the Basic Multilingual Plane, around a name.
        let differing = (0...0xFFFF).compactMap(Unicode.Scalar.init).filter { u in
            let s = String(u) + "kim" + String(u)
            return Trimming.whitespace(s) != s.trimmingCharacters(in: .whitespaces)
        }
        #expect(differing.isEmpty, "\(differing.prefix(10).map { String($0.value, radix: 16) })")
    }
}
