import Foundation
import HaechiCore
import HaechiStore
import Testing
import HaechiTestSupport

/// A scenario drill run end to end on the real binary in a private tmux: `haechi drill` at 60×,
/// an inject that raises the level, steps done with the clock paused, kill -9 and a resume that
/// keeps the paused clock and replays nothing, the close, the report screen, and then
/// `haechi report --format json` scoring the inject as answered.
///
/// With `HAECHI_RECORD_FIXTURES=1` the run's journal is copied to
/// Tests/HaechiCoreTests/Fixtures/tui-drill-state/, a drill journal written by the app itself
/// for the report tests.
@Suite(.ownThread, .serialized, .enabled(if: Tmux.available, "tmux is needed for end-to-end tests"))
struct TUIDrillTests {
    static let fixtureDirectory = Binaries.repositoryRoot + "/Tests/HaechiCoreTests/Fixtures/tui-drill-state"

    struct Setup {
        let tmux: Tmux
        let state: URL
        init() throws {
            tmux = try Tmux()
            state = tmux.directory.appendingPathComponent("state")
        }
        var common: [String] { ["--manuals", Binaries.bundledManuals, "--state", state.path, "--operator", "kim"] }
        func incidentIDs() throws -> [String] {
            try FileManager.default.contentsOfDirectory(atPath: state.appendingPathComponent("incidents").path)
                .filter { $0.hasSuffix(".jsonl") }.map { String($0.dropLast(6)) }
        }
        func journal(_ id: String) throws -> [IncidentEvent] {
            let (records, bad) = try StateDirectory(path: state.path).journal(incident: id).readAll()
            #expect(bad.isEmpty)
            return records
        }
    }

    @Test func drillAtSixtyTimesInjectLevelPauseKillResumeCloseAndReport() throws {
        let s = try Setup()
        let t = s.tmux
        defer { t.shutdown() }
        try t.start("a", width: 100, height: 30, [Binaries.path("haechi"), "drill", "earthquake-m5", "--speed", "60"] + s.common)
        try t.waitFor("a", "DRILL · 훈련 상황", "훈련 시각 T+", ">> 60×")

        // T+1 is one second of wall time away: the early warning appears and raises the level.
        try t.waitFor("a", "상황 T+1", "기상청 지진조기경보", "경계 Orange", timeout: 120)
        try t.keys("a", "Space")
        let paused = try t.waitFor("a", "|| 일시정지")

        // The four first steps (EQ-01..04; EQ-03 appeared with 경계): done moves to the next open one.
        try t.keys("a", "d")
        try t.waitFor("a", "[x] 1.1")
        try t.keys("a", "d")
        try t.waitFor("a", "[x] 1.2")

        // kill -9 with the clock paused.
        let id = try #require(try s.incidentIDs().first)
        let before = try s.journal(id)
        let pid = try t.programPID("a")
        #expect(kill(pid, SIGKILL) == 0)
        #expect(try t.waitForExit("a") == 137)

        // Resume from Home in a plain TUI: still paused at the same scenario time, nothing replayed.
        try t.start("b", width: 100, height: 30, [Binaries.path("haechi")] + s.common)
        try t.waitFor("b", "진행 중인 사건·훈련")
        try t.keys("b", "Tab", "Enter")
        let resumed = try t.waitFor("b", "|| 일시정지", "[x] 1.1", "[x] 1.2", "기상청 지진조기경보")
        let clockLine = { (screen: String) in screen.split(separator: "\n").first { $0.contains("훈련 시각 T+") }.map(String.init) }
        #expect(clockLine(resumed)?.prefix(24) == clockLine(paused)?.prefix(24), "the paused scenario time moved across the restart")
        // A paused drill plays nothing, however long it runs: wait until the TUI has redrawn its
        // wall clock twice (two ticks it could have played an inject on), then read the journal.
        let wallClock = { (screen: String) in screen.split(separator: "\n").first.map { String($0.suffix(8)) } }
        var ticks: Set<String> = [wallClock(resumed) ?? ""]
        let deadline = Date().addingTimeInterval(120)
        while ticks.count < 3 && Date() < deadline {
            if let now = wallClock(t.capture("b")) { ticks.insert(now) }
            Thread.sleep(forTimeInterval: 0.05)
        }
        #expect(ticks.count >= 3, "the TUI's clock did not move: \(ticks)")
        #expect(try s.journal(id) == before)

        try t.keys("b", "d")
        try t.waitFor("b", "[x] 1.3")
        try t.keys("b", "d")
        try t.waitFor("b", "[x] 2.1")

        // Close, then the report screen from the checklist.
        try t.keys("b", "c")
        try t.waitFor("b", "종료 요약")
        try t.type("b", "조기경보 대응 훈련 종료")
        try t.keys("b", "Enter")
        try t.waitFor("b", "종료됨")
        try t.keys("b", "R")
        try t.waitFor("b", "사후 검토 보고서", "훈련 점수", "상황 대응 1/6", "[대응함")
        try t.keys("b", "q")
        try t.waitFor("b", "종료됨")
        try t.keys("b", "q")
        try t.waitFor("b", "진행 중인 사건·훈련")
        try t.keys("b", "q")
        #expect(try t.waitForExit("b") == 0)

        // The journal: opened with the scenario, the 60× clock, one inject with the drill's level
        // line, the pause, the four steps by kim, the close.
        let journal = try s.journal(id)
        #expect(journal.first?.opening?.scenario == "earthquake-m5" && journal.first?.opening?.mode == .drill)
        #expect(journal.compactMap(\.clockSet).map { "\($0.speed.rawValue)\($0.paused ? "p" : "")" } == ["60", "60p"])
        #expect(journal.compactMap(\.injectShown?.inject) == ["early-warning"])
        #expect(journal.contains { $0.levelSet?.level == .alert && $0.operator == "drill" })
        #expect(journal.compactMap(\.stepChange).filter { $0.status == .done }.map(\.step) == ["EQ-01", "EQ-02", "EQ-03", "EQ-04"])
        #expect(journal.last?.kind == "closed")

        // The same state directory through `haechi report`: the inject answered, in scenario time.
        let r = try Binaries.run("haechi", ["report", id, "--format", "json", "--manuals", Binaries.bundledManuals, "--state", s.state.path])
        #expect(r.status == 0, "\(r.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let drill = try #require(json["drill"] as? [String: Any])
        #expect(drill["answered"] as? Int == 1)
        #expect(drill["expected"] as? Int == 6)
        let injects = try #require(drill["injects"] as? [[String: Any]])
        let warning = try #require(injects.first { $0["id"] as? String == "early-warning" })
        #expect(warning["answered"] as? Bool == true)
        #expect(warning["missing"] as? [String] == [])
        // Shown within a scenario minute of T+1 and answered while the clock stood still: the
        // response is the few scenario seconds before the pause key landed (at 60× every wall
        // second is a minute), not the minutes the rest of the test took.
        let shown = try #require(warning["shown"] as? Double)
        #expect(shown >= 60 && shown < 130)
        // The bound is read off the paused screen, not fixed: on a loaded machine the pause key
        // may land a few wall seconds late, which at 60× is minutes of scenario time.
        let pausedAt = try #require(clockLine(paused).flatMap { line -> Double? in
            guard let r = line.range(of: "T+") else { return nil }
            let parts = line[r.upperBound...].prefix(5).split(separator: ":").compactMap { Double($0) }
            return parts.count == 2 ? parts[0] * 60 + parts[1] : nil
        })
        let response = try #require(warning["response"] as? Double)
        #expect(response <= pausedAt - shown + 2, "answered while paused: response \(response) s, paused \(pausedAt - shown) s after it was shown")
        #expect(injects.filter { $0["shown"] != nil && !($0["shown"] is NSNull) }.count == 1)

        if ProcessInfo.processInfo.environment["HAECHI_RECORD_FIXTURES"] == "1" {
            try Self.recordFixture(from: s.state, incident: id)
        }
    }

    /// Keeps the run's journal as a fixture, renamed to a stable id so tests can name it.
    static func recordFixture(from state: URL, incident id: String) throws {
        let fixture = URL(fileURLWithPath: fixtureDirectory)
        try? FileManager.default.removeItem(at: fixture)
        let incidents = fixture.appendingPathComponent("incidents")
        try FileManager.default.createDirectory(at: incidents, withIntermediateDirectories: true)
        let (events, _) = try StateDirectory(path: state.path).journal(incident: id).readAll()
        let stable = "tui-drill-earthquake-m5"
        let renamed = events.map { $0.restamped { $0.incident = stable } }
        try StateDirectory(path: fixture.path).journal(incident: stable).append(renamed)
    }

    @Test func drillCommandRefusesABadSpeedAndPrintsWithPrint() throws {
        let bad = try Binaries.run("haechi", ["drill", "earthquake-m5", "--speed", "3", "--manuals", Binaries.bundledManuals])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("--speed must be one of 1, 2, 5, 10, 60"))
        let printed = try Binaries.run("haechi", ["drill", "earthquake-m5", "--print", "--manuals", Binaries.bundledManuals])
        #expect(printed.status == 0)
        #expect(printed.stdout.contains("early-warning") || printed.stdout.contains("기상청 지진조기경보"))
    }
}
