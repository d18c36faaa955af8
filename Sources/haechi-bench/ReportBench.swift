import ArgumentParser
import Foundation
import HaechiCore
import HaechiStore

/// Time to make the after-action report of a long incident: 10,000 journal lines, 500 messages
/// on three channels in two languages (6,000 ledger lines), read from real JSONL files through
/// the store, built, and rendered in all three formats.
struct ReportBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "report", abstract: "Time to build and render an incident report.")
    @Option(help: "Manuals directory (the heavy-rain manual gives the steps their targets).") var manuals = "manuals"
    @Option(help: "Journal lines of the synthetic incident.") var events = 10_000
    @Option(help: "Repetitions per measurement (the median is reported).") var repetitions = 5

    func run() throws {
        #if DEBUG
        print("warning: debug build; run `swift run -c release haechi-bench report` for real figures")
        #endif
        let library = ManualLibrary.load(directory: manuals)
        let manual = library.manual(id: "heavy-rain") ?? Self.syntheticManual
        let dir = NSTemporaryDirectory() + "haechi-report-bench-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let state = StateDirectory(path: dir)
        try state.prepare()
        let (journal, outbox, ledger) = Self.incident(manual: manual, events: events)
        try state.journal(incident: "bench").append(journal)
        try state.outbox.append(outbox)
        try state.delivery.append(ledger)
        let memoryBefore = peakMemoryKiB()

        var sizes = (md: 0, html: 0, json: 0)
        var input: ReportInput?
        var report: IncidentReport?
        let read = Self.median(repetitions) {
            let j = try! state.journal(incident: "bench").readAll().records
            let o = try! state.outbox.readAll().records
            let l = try! state.delivery.readAll().records
            input = ReportInput(journal: j, outbox: o, ledger: l, manual: manual, channels: library.channels)
        }
        let build = Self.median(repetitions) { report = try! IncidentReport.build(input!) }
        let style = ReportStyle()
        let md = Self.median(repetitions) { sizes.md = ReportMarkdown.render(report!, style: style).utf8.count }
        let html = Self.median(repetitions) { sizes.html = ReportHTML.render(report!, style: style).utf8.count }
        let json = Self.median(repetitions) { sizes.json = try! ReportJSON.render(report!).utf8.count }
        let total = build + md + html + json

        let r = report!
        print("report: \(journal.count) journal lines, \(outbox.count) outbox records, \(ledger.count) ledger lines, manual \(manual.id) (\(manual.stepCount) steps)")
        print("  timeline \(r.timeline.count) rows, \(r.messages.count) messages, \(r.summary.delivered) posts delivered")
        print(String(format: "read JSONL (store, checksums)   %8.1f ms", read * 1000))
        print(String(format: "build report                    %8.1f ms", build * 1000))
        print(String(format: "render markdown                 %8.1f ms   %6d KiB", md * 1000, sizes.md / 1024))
        print(String(format: "render html (with svg)          %8.1f ms   %6d KiB", html * 1000, sizes.html / 1024))
        print(String(format: "render json                     %8.1f ms   %6d KiB", json * 1000, sizes.json / 1024))
        print(String(format: "build + all three formats       %8.1f ms   (goal < 1000 ms) %@", total * 1000, total < 1 ? "ok" : "OVER"))
        print(String(format: "read + build + all three        %8.1f ms   (goal < 1000 ms) %@", (read + total) * 1000, read + total < 1 ? "ok" : "OVER"))
        print("peak memory (maxrss): \(peakMemoryKiB() / 1024) MiB (\(memoryBefore / 1024) MiB before the report; the generated incident is held too)")
    }

    static func median(_ n: Int, _ body: () -> Void) -> Double {
        body() // warm-up
        var samples: [Double] = []
        for _ in 0..<max(1, n) {
            let start = DispatchTime.now().uptimeNanoseconds
            body()
            samples.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return samples.sorted()[samples.count / 2]
    }

    /// An eight-hour incident: every step worked through (some reopened), a note every few lines,
    /// a level change every thousand, a message every twenty lines.
    static func incident(manual: Manual, events: Int) -> ([IncidentEvent], [OutboxRecord], [DeliveryRecord]) {
        let t0 = Date(timeIntervalSince1970: 1_796_000_000)
        let id = "bench"
        let steps = manual.allSteps.map(\.id)
        let step = { (i: Int) in steps.isEmpty ? "S-\(i % 20)" : steps[i % steps.count] }
        var journal: [IncidentEvent] = [.opened(.init(incident: id, at: t0, operator: "op0"),
                                                .init(manual: manual.id, mode: .live, level: .caution, variables: ["district": "강남구"]))]
        var outbox: [OutboxRecord] = []
        var ledger: [DeliveryRecord] = []
        let span = 8 * 3600.0
        let statuses: [StepStatus] = [.inProgress, .done, .todo, .done, .skipped]
        for i in 1..<max(2, events - 1) {
            let at = t0.addingTimeInterval(span * Double(i) / Double(events))
            let op = "op\(i % 4)"
            let stamp = IncidentEvent.Stamp(incident: id, at: at, operator: op)
            if i % 1000 == 0 {
                journal.append(.level(stamp, .init(level: i % 2000 == 0 ? .caution : .alert)))
            } else if i % 20 == 0 {
                let mid = "m\(i)"
                journal.append(.message(stamp, .init(message: mid, step: step(i))))
                outbox.append(.message(OutboxMessage(id: mid, incident: id, step: step(i), manual: manual.id, mode: .live, kind: .safety,
                                                     channels: ["x", "mastodon", "facebook"],
                                                     text: Localized(ko: "[서울시] 강남구 호우경보 \(i)번째 안내. 하천변 접근 금지.",
                                                                     en: "[Seoul] Heavy-rain warning update \(i). Keep away from streams."),
                                                     operator: op, created: at, needsApproval: i % 200 == 0)))
                if i % 200 == 0 { outbox.append(.approve(message: mid, operator: "chief", at: at.addingTimeInterval(30))) }
                if i % 500 == 0 { outbox.append(.cancel(message: mid, operator: op, at: at.addingTimeInterval(5), reason: "superseded")) }
                for channel in ["x", "mastodon", "facebook"] {
                    for language in Language.allCases {
                        ledger.append(DeliveryRecord(kind: .attempt, message: mid, channel: channel, language: language,
                                                     at: at.addingTimeInterval(40), attempt: 1))
                        let done: DeliveryRecord.Kind = i % 140 == 0 ? .dead : i % 300 == 0 ? .unknown : .delivered
                        ledger.append(DeliveryRecord(kind: done, message: mid, channel: channel, language: language,
                                                     at: at.addingTimeInterval(42), remoteID: done == .delivered ? "r\(i)" : nil,
                                                     reason: done == .delivered ? nil : "HTTP 500"))
                    }
                }
            } else if i % 3 == 0 {
                journal.append(.note(stamp, .init(step: step(i), text: "상황 메모 \(i): 수위 관측값 갱신 <gauge> & 현장 보고")))
            } else {
                let status = statuses[(i / steps.count.nonZero) % statuses.count]
                journal.append(.step(stamp, .init(step: step(i), status: status, reason: status == .skipped ? "not needed here" : nil)))
            }
        }
        journal.append(.closed(.init(incident: id, at: t0.addingTimeInterval(span), operator: "op0"), summary: "closed"))
        return (journal, outbox, ledger)
    }

    static let syntheticManual = Manual(
        id: "synthetic", title: Localized(ko: "합성", en: "Synthetic"), category: .natural,
        department: Localized(ko: "벤치", en: "Bench"), revised: "2026-01-01", variables: [],
        phases: [Phase(id: "p", title: Localized(ko: "단계", en: "Phase"), steps: (0..<20).map { i in
            Step(id: "S-\(i)", title: Localized(ko: "단계 \(i)", en: "Step \(i)"), instructions: Localized(ko: "-", en: "-"),
                 role: Localized(ko: "-", en: "-"), targetMinutes: 5 * (i + 1), fromLevel: .interest)
        })])
}

private extension Int {
    var nonZero: Int { Swift.max(1, self) }
}
