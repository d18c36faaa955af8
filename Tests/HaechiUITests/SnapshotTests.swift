import Foundation
import HaechiCore
import Testing
@testable import HaechiUI

/// Text snapshots of every screen at 80×24 and 120×40, LIVE and DRILL, with Korean rows.
/// Stored in Snapshots/; run with HAECHI_RECORD_SNAPSHOTS=1 to re-record after a deliberate
/// change, and read the diff before committing it.
@Suite struct SnapshotTests {
    static let sizes = [(80, 24), (120, 40)]

    /// The canvas as text, then each row's styled runs (so LIVE red vs DRILL blue, overdue and
    /// selection are part of the snapshot too).
    static func describe(_ canvas: Canvas) -> String {
        var out = canvas.text + "\n---- styles (row: tone from-to)\n"
        for y in 0..<canvas.height {
            var runs: [String] = []
            var x = 0
            while x < canvas.width {
                let style = canvas[x, y].style
                var end = x
                while end + 1 < canvas.width, canvas[end + 1, y].style == style { end += 1 }
                if style != .normal {
                    var name = "\(style.tone)"
                    if style.bold { name += "+b" }
                    if style.reverse { name += "+r" }
                    if style.underline { name += "+u" }
                    runs.append("\(name) \(x)-\(end)")
                }
                x = end + 1
            }
            if !runs.isEmpty { out += "\(y): " + runs.joined(separator: ", ") + "\n" }
        }
        if let cursor = canvas.cursor { out += "cursor: \(cursor.x),\(cursor.y)\n" }
        return out
    }

    static func check(_ name: String, _ state: AppState, legend: String = "", sourceLocation: Testing.SourceLocation = #_sourceLocation) throws {
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Snapshots")
        let file = dir.appendingPathComponent("\(name)-\(state.width)x\(state.height).txt")
        let actual = describe(render(state)) + legend
        let record = ProcessInfo.processInfo.environment["HAECHI_RECORD_SNAPSHOTS"] == "1"
        let expected = try? String(contentsOf: file, encoding: .utf8)
        if record || expected == nil {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            try actual.write(to: file, atomically: true, encoding: .utf8)
            if !record {
                Issue.record("Recorded a new snapshot \(file.lastPathComponent); check it and run again", sourceLocation: sourceLocation)
            }
            return
        }
        if actual != expected {
            let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
            let e = expected!.split(separator: "\n", omittingEmptySubsequences: false)
            let first = zip(a, e).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(a.count, e.count)
            Issue.record("""
                Snapshot \(file.lastPathComponent) differs at line \(first + 1):
                  expected: \(first < e.count ? String(e[first]) : "<end>")
                  actual:   \(first < a.count ? String(a[first]) : "<end>")
                Whole screen now:
                \(render(state).text)
                (HAECHI_RECORD_SNAPSHOTS=1 swift test re-records)
                """, sourceLocation: sourceLocation)
        }
    }

    /// An incident 12 minutes in: one step done, one skipped, one in progress with a note,
    /// one overdue.
    static func workedIncident(width: Int, height: Int, mode: Mode, level: AlertLevel, language: Language = .ko) -> Harness {
        var h = Harness(width: width, height: height, language: language)
        h.openDrill(level: level, mode: mode)
        h.clock.advance(minutes: 3)
        h.key(.char("d"))                                  // 상황 접수 및 전파: done at 3m
        h.key(.char("s")); h.type("소방에서 이미 요청함"); h.key(.enter)  // 재난문자: skipped
        h.key(.down)
        h.key(.char("p"))                                  // 현장 피해 확인 (from 주의): in progress
        h.key(.char("n")); h.type("마포대교 남단 균열, 통제 요청"); h.key(.enter)
        h.clock.advance(minutes: 13)
        h.send(.tick)
        h.state.flash = nil
        return h
    }

    @Test func home() throws {
        for (w, ht) in Self.sizes {
            var h = Harness(width: w, height: ht)
            h.send(.incidentsListed([
                IncidentSummary(id: "a", manualID: "fire", mode: .live, level: .alert, openedAt: Fixture.start.addingTimeInterval(-754),
                                closedAt: nil, resolvedSteps: 1, totalSteps: 2, firstVariable: "중구 을지로 3가"),
                IncidentSummary(id: "b", manualID: "earthquake", mode: .drill, level: .caution, openedAt: Fixture.start.addingTimeInterval(-300),
                                closedAt: nil, resolvedSteps: 0, totalSteps: 3, firstVariable: "마포구"),
                IncidentSummary(id: "c", manualID: "earthquake", mode: .drill, level: .interest, openedAt: Fixture.start.addingTimeInterval(-9000),
                                closedAt: Fixture.start.addingTimeInterval(-5400), resolvedSteps: 2, totalSteps: 2, firstVariable: "강남구"),
            ]))
            h.send(.statusSummary(StatusSummary(queued: 2, awaitingApproval: 1, failed: 0, delivered: 14,
                                                sender: .alive(lastBeat: Fixture.start.addingTimeInterval(-3)))))
            try Self.check("home", h.state)
        }
    }

    @Test func start() throws {
        for (w, ht) in Self.sizes {
            var h = Harness(width: w, height: ht)
            h.key(.enter); h.key(.down); h.key(.right); h.key(.right); h.key(.down); h.type("마포구")
            try Self.check("start-drill", h.state)
            var l = Harness(width: w, height: ht)
            l.key(.enter); l.key(.right)
            l.state.flash = nil
            try Self.check("start-live", l.state)
        }
    }

    @Test func checklist() throws {
        for (w, ht) in Self.sizes {
            let drill = Self.workedIncident(width: w, height: ht, mode: .drill, level: .caution)
            try Self.check("checklist-drill", drill.state)
            let live = Self.workedIncident(width: w, height: ht, mode: .live, level: .serious)
            try Self.check("checklist-live", live.state)
        }
    }

    @Test func checklistPromptsAndEnglish() throws {
        var h = Self.workedIncident(width: 80, height: 24, mode: .drill, level: .caution)
        h.key(.char("n")); h.type("구청 도착")
        try Self.check("checklist-note-prompt", h.state)
        h.key(.escape); h.key(.char("l")); h.key(.right)
        try Self.check("checklist-level-prompt", h.state)
        h.key(.enter)  // 주의 → 경계: the HQ step appears, the change is on the info line
        try Self.check("checklist-level-changed", h.state)
        let en = Self.workedIncident(width: 120, height: 40, mode: .live, level: .alert, language: .en)
        try Self.check("checklist-live-en", en.state)
        var closed = Self.workedIncident(width: 80, height: 24, mode: .drill, level: .caution)
        closed.key(.char("c")); closed.type("훈련 종료"); closed.key(.enter)
        try Self.check("checklist-closed", closed.state)
    }

    @Test func review() throws {
        for (w, ht) in Self.sizes {
            var h = Harness(width: w, height: ht)
            h.key(.char("r")); h.key(.down)
            try Self.check("review", h.state)
            h.key(.char("/")); h.type("확인"); h.key(.enter)
            try Self.check("review-search", h.state)
        }
    }

    @Test func help() throws {
        for (w, ht) in Self.sizes {
            var h = Self.workedIncident(width: w, height: ht, mode: .live, level: .interest)
            h.key(.char("?"))
            try Self.check("help-live", h.state)
        }
    }

    @Test func tooSmall() throws {
        var h = Self.workedIncident(width: 80, height: 24, mode: .live, level: .interest)
        h.send(.resized(width: 79, height: 24))
        try Self.check("too-small-live", h.state)
        var d = Harness()
        d.send(.resized(width: 60, height: 15))
        try Self.check("too-small-home", d.state)
    }
}
