import Foundation
import HaechiCore
import HaechiStore
import HaechiUI
import Testing
@testable import HaechiApp
import HaechiTestSupport

/// The shell's effects against real files: appends land in incidents/<id>.jsonl with fsync and
/// come back as journal events; a damaged journal is reported, not fatal; a crash between any
/// two appends loses nothing that was acknowledged.
@Suite(.ownThread) struct TUIJournalTests {
    let state: StateDirectory
    let opened: IncidentEvent
    let at = Date(timeIntervalSince1970: 1_795_888_800)

    init() throws {
        state = StateDirectory(path: NSTemporaryDirectory() + "haechi-journal-\(UUID().uuidString)")
        try state.prepare()
        opened = .opened(.init(incident: "i1", at: at, operator: "kim"),
                         .init(manual: "earthquake", mode: .drill, level: .caution, variables: ["district": "마포구"]))
    }

    func step(_ id: String, _ status: StepStatus, by: String = "kim", seconds: Double = 60) -> IncidentEvent {
        .step(.init(incident: "i1", at: at.addingTimeInterval(seconds), operator: by), .init(step: id, status: status))
    }

    @Test func appendThenFollowReadsBackInFileOrderIncludingOtherWriters() throws {
        var effects = EffectRunner(files: StateFiles(state: state, log: nil))
        #expect(effects.perform(.appendJournal(opened), now: at).isEmpty)  // not following yet: nothing to read
        guard case .journalLoaded(let id, let events, let problems)? = effects.perform(.follow(incident: "i1"), now: at).first else {
            Issue.record("no load"); return
        }
        #expect(id == "i1" && events == [opened] && problems.isEmpty)

        // Another operator's process appends between our two actions.
        try state.journal(incident: "i1").append(step("receive", .done, by: "lee"))
        let ours = step("text", .skipped, seconds: 90)
        let read = effects.perform(.appendJournal(ours), now: at)
        #expect(read == [.journalEvents(incident: "i1", events: [step("receive", .done, by: "lee"), ours], problems: [])])
        #expect(effects.pollFollowed() == nil)
    }

    @Test func aTornLastLineIsLeftForLaterAndBadLinesAreReportedNotFatal() throws {
        var effects = EffectRunner(files: StateFiles(state: state, log: nil))
        try state.journal(incident: "i1").append(opened)
        _ = effects.perform(.follow(incident: "i1"), now: at)
        let path = state.journalPath(incident: "i1")
        // A writer killed mid-line: followers must wait, not report or skip it.
        let handle = FileHandle(forWritingAtPath: path)!
        handle.seekToEndOfFile()
        handle.write(Data(#"{"r":{"at":"2026-11-29T"#.utf8))
        #expect(effects.pollFollowed() == nil)
        // The next append starts on a fresh line; the torn one is then a bad line with its place.
        try state.journal(incident: "i1").append(step("receive", .done))
        guard case .journalEvents(_, let events, let problems)? = effects.pollFollowed() else { Issue.record("nothing read"); return }
        #expect(events == [step("receive", .done)])
        #expect(problems.count == 1 && problems[0].contains(":2:"))
        try handle.close()
    }

    @Test func replayAfterACrashGivesTheSameIncident() throws {
        let log = state.journal(incident: "i1")
        let events = [opened, step("receive", .done), step("text", .skipped, seconds: 120),
                      .note(.init(incident: "i1", at: at.addingTimeInterval(130), operator: "kim"), .init(step: "scene", text: "현장 도착")),
                      .level(.init(incident: "i1", at: at.addingTimeInterval(140), operator: "lee"), .init(level: .alert))]
        var live: Incident?
        for e in events {
            try log.append(e)
            live = live.map { var i = $0; i.apply(e); return i } ?? Incident(opening: e)
        }
        // "kill -9" here: nothing in memory survives; the file is all there is.
        let (records, bad) = try log.readAll()
        #expect(bad.isEmpty)
        let replayed = Incident.replay(records)
        #expect(replayed == live)
        #expect(replayed?.level == .alert && replayed?.levelChanges.first?.by == "lee")
        #expect(replayed?.notes["scene"]?.first?.text == "현장 도착")
        #expect(replayed?.elapsed(now: at.addingTimeInterval(600)) == 600)  // timers come from journal times
    }

    @Test func incidentsAreListedWithCountsAndClosedOnesMarked() throws {
        var effects = EffectRunner(files: StateFiles(state: state, log: nil))
        effects.use([Manual(
            id: "earthquake", title: Localized(ko: "지진", en: "Earthquake"), category: .natural, department: Localized(ko: "", en: ""),
            revised: "2026-01-01", variables: [IncidentVariable(id: "district", label: Localized(ko: "자치구", en: "District"), maxLength: 8)],
            phases: [Phase(id: "p", title: Localized(ko: "p", en: "p"), steps: [
                Step(id: "receive", title: Localized(ko: "a", en: "a"), instructions: Localized(ko: "", en: ""), role: Localized(ko: "", en: ""),
                     targetMinutes: 5, fromLevel: .interest),
                Step(id: "text", title: Localized(ko: "b", en: "b"), instructions: Localized(ko: "", en: ""), role: Localized(ko: "", en: ""),
                     targetMinutes: 5, fromLevel: .serious),
            ])])])
        try state.journal(incident: "i1").append([opened, step("receive", .done)])
        let second = opened.restamped { $0.incident = "i2" }
        try state.journal(incident: "i2").append([second, .closed(.init(incident: "i2", at: at.addingTimeInterval(99), operator: "kim"), summary: "끝")])
        // Not a journal of ours: ignored rather than crashing the list.
        try Data("garbage\n".utf8).write(to: URL(fileURLWithPath: state.incidentsPath + "/junk.jsonl"))
        guard case .incidentsListed(let list)? = effects.perform(.listIncidents, now: at).first else { Issue.record("no list"); return }
        let byID = Dictionary(uniqueKeysWithValues: list.map { ($0.id, $0) })
        #expect(byID.keys.sorted() == ["i1", "i2"])
        #expect(byID["i1"]?.resolvedSteps == 1 && byID["i1"]?.totalSteps == 1)  // "text" applies from 심각 only
        #expect(byID["i1"]?.firstVariable == "마포구")
        #expect(byID["i2"]?.closedAt == at.addingTimeInterval(99))
    }

    @Test func aJournalThatCannotBeWrittenSaysNotSaved() throws {
        var effects = EffectRunner(files: StateFiles(state: state, log: nil))
        // A directory where the journal should be: open fails even for root (EISDIR).
        try FileManager.default.createDirectory(atPath: state.journalPath(incident: "i1"), withIntermediateDirectories: false)
        _ = effects.perform(.follow(incident: "i1"), now: at)
        let result = effects.perform(.appendJournal(opened), now: at)
        guard case .journalAppendFailed(let e, let reason)? = result.first else { Issue.record("append did not fail: \(result)"); return }
        #expect(e == opened)
        #expect(reason.contains("Is a directory"))
    }
}
