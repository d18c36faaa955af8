import Foundation
import HaechiCore
import HaechiTestSupport
import Testing
@testable import HaechiUI

/// The checklist and the after-action report must agree on every step's lateness. Over 1,200
/// seeded generated incident histories (levels raised and lowered, steps done on time and late,
/// reopened, skipped, ruled out, notes, drill clocks sped up and paused, open and closed), the
/// checklist is rendered exactly as an operator would see it at the report's cut-off time and its
/// marks are compared with the report's outcome for every step of the manual.
@Suite struct StepAgreementTests {
    typealias Seeded = SeededRandom

    static let t0 = Fixture.start
    static let incidentID = "gen-incident"

    /// A manual of 4–9 steps over two phases, each with a random level and a 1–20 minute target.
    static func manual(_ rng: inout Seeded) -> Manual {
        let count = Int.random(in: 4...9, using: &rng)
        let steps = (0..<count).map { i in
            Fixture.step("s\(i)", "단계 \(i)", "Step \(i)", minutes: Int.random(in: 1...20, using: &rng),
                         from: AlertLevel.allCases.randomElement(using: &rng)!)
        }
        let half = count / 2
        return Manual(id: "gen", title: Localized(ko: "생성", en: "Generated"), category: .natural,
                      department: Localized(ko: "시험", en: "Test"), revised: "2026-01-01", variables: [],
                      phases: [Phase(id: "a", title: Localized(ko: "가", en: "A"), steps: Array(steps[..<half])),
                               Phase(id: "b", title: Localized(ko: "나", en: "B"), steps: Array(steps[half...]))])
    }

    /// One incident's journal. Times step in whole seconds, often whole minutes, so completions
    /// land exactly on deadlines as well as either side of them.
    static func journal(_ manual: Manual, _ rng: inout Seeded) -> [IncidentEvent] {
        let drill = Bool.random(using: &rng)
        let scenario = drill && Bool.random(using: &rng) ? "gen-scenario" : nil  // only scenario drills have a clock
        var level = AlertLevel.allCases.randomElement(using: &rng)!
        var t = t0
        func stamp(_ by: String = "kim") -> IncidentEvent.Stamp { .init(incident: incidentID, at: t, operator: by) }
        var events: [IncidentEvent] = [.opened(stamp(), .init(manual: manual.id, mode: drill ? .drill : .live, level: level,
                                                               scenario: scenario))]
        var speed = DrillClock.Speed.x1
        var paused = false
        let steps = manual.allSteps
        for _ in 0..<Int.random(in: 3...40, using: &rng) {
            let wholeMinutes = Int.random(in: 0...3, using: &rng) > 0
            t = t.addingTimeInterval(wholeMinutes ? Double(Int.random(in: 0...6, using: &rng) * 60)
                                                  : Double(Int.random(in: 1...400, using: &rng)))
            let by = ["kim", "lee", "park"].randomElement(using: &rng)!
            switch Int.random(in: 0..<100, using: &rng) {
            case 0..<16:
                var to = AlertLevel.allCases.randomElement(using: &rng)!
                if to == level { to = level == .serious ? .interest : AlertLevel(rawValue: level.rawValue + 1)! }
                level = to
                events.append(.level(stamp(by), .init(level: to)))
            case 16..<70:
                let step = steps.randomElement(using: &rng)!
                let statuses: [StepStatus] = [.done, .done, .done, .inProgress, .inProgress, .todo, .skipped, .notApplicable]
                let status = statuses.randomElement(using: &rng)!
                let reason = status == .skipped ? "이미 조치됨" : status == .notApplicable && Bool.random(using: &rng) ? "해당 없음" : nil
                events.append(.step(stamp(by), .init(step: step.id, status: status, reason: reason)))
            case 70..<78:
                events.append(.note(stamp(by), .init(step: steps.randomElement(using: &rng)!.id, text: "메모")))
            case 78..<92 where scenario != nil:
                if Bool.random(using: &rng) { paused.toggle() } else { speed = DrillClock.Speed.allCases.randomElement(using: &rng)! }
                events.append(.clock(stamp("trainer"), .init(speed: speed, paused: paused)))
            default:
                events.append(.message(stamp(by), .init(message: "m\(events.count)", step: steps.randomElement(using: &rng)!.id)))
            }
        }
        if Bool.random(using: &rng) {
            t = t.addingTimeInterval(Double(Int.random(in: 0...600, using: &rng)))
            events.append(.closed(stamp(), summary: "끝"))
        }
        return events
    }

    /// What the checklist shows for one step: nothing (not listed), its row's state column, and
    /// the details pane's status line.
    struct Shown: CustomStringConvertible {
        var listed: Bool
        var row: String
        var details: String
        var description: String { listed ? "row '\(row)' details '\(details)'" : "not listed" }
    }

    static func checklist(_ h: Harness, _ manual: Manual) throws -> [String: Shown] {
        let incident = try #require(h.state.incident)
        let screen = ChecklistScreen()
        var out: [String: Shown] = [:]
        for step in manual.allSteps { out[step.id] = Shown(listed: false, row: "", details: "") }
        for row in ChecklistScreen.rows(incident, manual) {
            guard case .step(let step, let number, _) = row else { continue }
            var canvas = Canvas(width: 80, height: 1)
            screen.drawRow(row, selected: false, incident: incident, app: h.state, x: 0, y: 0, width: 80, into: &canvas)
            let details = StepDetails.lines(step, number: number, manual: manual, incident: incident, app: h.state, width: 200)
            let status = details.first { $0.0.hasPrefix("Status ") }?.0 ?? ""
            out[step.id] = Shown(listed: true, row: canvas.text, details: status)
        }
        return out
    }

    @Test func theChecklistAndTheReportAgreeOnEveryStep() throws {
        var outcomes: [IncidentReport.Outcome: Int] = [:]
        var compared = 0
        for seed in UInt64(1)...1200 {
            var rng = Seeded(state: seed)
            let manual = Self.manual(&rng)
            let journal = Self.journal(manual, &rng)
            let report = try IncidentReport.build(ReportInput(journal: journal, manual: manual))

            // The checklist at the report's cut-off: the close, or the last line of an open incident.
            var h = Harness(language: .en, manuals: [manual])
            h.send(.journalLoaded(incident: Self.incidentID, events: journal, problems: []))
            let incident = try #require(h.state.incident, "seed \(seed)")
            h.state.now = incident.closedAt ?? incident.lastEventAt
            let shown = try Self.checklist(h, manual)

            for outcome in report.steps {
                let s = try #require(shown[outcome.id])
                let context = "seed \(seed) step \(outcome.id) (from \(outcome.fromLevel!), \(outcome.targetMinutes!)m): report \(outcome.outcome.rawValue), checklist \(s)"
                outcomes[outcome.outcome, default: 0] += 1
                compared += 1
                let overdueMark = s.row.contains("LATE +")
                let lateMark = s.row.contains("late ")
                switch outcome.outcome {
                case .notDone:
                    // Overdue on the checklist, by the same whole minutes the report's numbers give.
                    let end = report.duration ?? report.timeline.map(\.offset).max() ?? 0
                    let by = end - (outcome.deadline ?? 0)
                    #expect(s.listed && overdueMark && s.details.contains("OVERDUE by " + Format.minutes(by)), "\(context)")
                case .late:
                    #expect(s.listed && lateMark && s.details.contains("late by " + Format.minutes(outcome.lateBy ?? -1)), "\(context)")
                case .onTime:
                    #expect(s.listed && s.row.contains("done ") && !overdueMark && !lateMark, "\(context)")
                case .notDue:
                    #expect(s.listed && !overdueMark && !lateMark && !s.details.contains("OVERDUE"), "\(context)")
                case .skipped, .notApplicable:
                    #expect(!overdueMark && !lateMark, "\(context)")
                }
                // And the other way round: every mark on screen is a miss in the report.
                if overdueMark { #expect(outcome.outcome == .notDone, "\(context)") }
                if lateMark { #expect(outcome.outcome == .late, "\(context)") }
                // Not on the checklist means it owes nothing.
                if !s.listed { #expect(outcome.outcome == .notApplicable, "\(context)") }
            }
        }
        // The generator really exercises every outcome, so agreement is not agreement on nothing.
        for o in IncidentReport.Outcome.allCases { #expect((outcomes[o] ?? 0) > 50, "only \(outcomes[o] ?? 0) \(o.rawValue)") }
        #expect(compared > 5000)
    }

    /// The rule itself, on a hand-made history: a step brought in by a level change counts its
    /// target from that change; lowered away untouched it owes nothing; raised again it counts
    /// from the new raise; done, it is judged at the moment it was done.
    @Test func aStepsClockStartsWhenItBeginsToApply() throws {
        let m = Fixture.earthquake  // hq: 30 min from 경계
        let hq = try #require(m.step(id: "hq"))
        func at(_ minutes: Double) -> IncidentEvent.Stamp { .init(incident: "i", at: Self.t0.addingTimeInterval(minutes * 60), operator: "kim") }
        var incident = try #require(Incident.replay([.opened(at(0), .init(manual: "earthquake", mode: .live, level: .interest))]))
        func now(_ minutes: Double) -> Date { Self.t0.addingTimeInterval(minutes * 60) }
        #expect(incident.timing(of: hq, now: now(100)).verdict == .notApplicable)
        incident.apply(.level(at(10), .init(level: .alert)))
        #expect(incident.timing(of: hq, now: now(40)) == StepTiming(appliesFrom: 600, deadline: 2400, verdict: .pending))
        #expect(incident.timing(of: hq, now: now(41)).verdict == .overdue(by: 60))
        incident.apply(.level(at(45), .init(level: .caution)))   // lowered away, untouched
        #expect(incident.timing(of: hq, now: now(50)).verdict == .notApplicable)
        #expect(!incident.visibleSteps(of: m.phases[1]).contains(hq))
        incident.apply(.level(at(60), .init(level: .serious)))   // back: a new 30 minutes from +60
        #expect(incident.timing(of: hq, now: now(89)).deadline == 5400)
        #expect(incident.timing(of: hq, now: now(89)).verdict == .pending)
        incident.apply(.step(at(90), .init(step: "hq", status: .done)))
        #expect(incident.timing(of: hq, now: now(200)) == StepTiming(appliesFrom: 3600, deadline: 5400, completed: 5400, verdict: .onTime))
        incident.apply(.step(at(91), .init(step: "hq", status: .done)))
        #expect(incident.timing(of: hq, now: now(200)).verdict == .late(by: 60))
    }
}
