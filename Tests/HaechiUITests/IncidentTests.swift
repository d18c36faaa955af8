import Foundation
import HaechiCore
import Testing
@testable import HaechiUI

/// Replaying a journal is the only way an incident comes to exist; damaged journals must give
/// a visible count of what was ignored, never a silently different incident.
@Suite struct IncidentTests {
    let at = Fixture.start
    func stamp(_ seconds: Double, _ incident: String = "i", by: String = "kim") -> IncidentEvent.Stamp {
        .init(incident: incident, at: at.addingTimeInterval(seconds), operator: by)
    }
    func opened(_ seconds: Double = 0, level: AlertLevel = .interest) -> IncidentEvent {
        .opened(stamp(seconds), .init(manual: "earthquake", mode: .drill, level: level))
    }
    func step(_ seconds: Double, _ id: String, _ status: StepStatus, reason: String? = nil, incident: String = "i", by: String = "kim") -> IncidentEvent {
        .step(stamp(seconds, incident, by: by), .init(step: id, status: status, reason: reason))
    }

    @Test func noOpeningNoIncident() {
        #expect(Incident.replay([]) == nil)
        #expect(Incident.replay([.note(stamp(0), .init(step: "a", text: "x"))]) == nil)
    }

    @Test func eventsThatMakeNoSenseAreCountedNotApplied() throws {
        let unknown = IncidentEvent.unknown(stamp(2), .init(kind: "step", problem: "a 'step' line needs 'status'", fields: ["step": .string("receive")]))
        let incident = try #require(Incident.replay([
            .note(stamp(0), .init(step: "a", text: "before opening")),
            opened(),
            opened(1),                                   // a second opening
            unknown,                                     // a step line with no status
            step(3, "receive", .done, incident: "other"),
            step(4, "receive", .done),
        ]))
        #expect(incident.ignoredEvents == 4)
        #expect(incident.unknownEvents == [unknown])
        #expect(incident.status(of: "receive") == .done)
        #expect(incident.notes.isEmpty)
    }

    @Test func theLastStatusWinsAndKeepsWhoAndWhen() throws {
        let incident = try #require(Incident.replay([opened(), step(10, "a", .inProgress), step(20, "a", .skipped, reason: "중복", by: "lee")]))
        #expect(incident.progress["a"] == Incident.StepProgress(status: .skipped, at: at.addingTimeInterval(20), by: "lee", reason: "중복"))
        #expect(incident.history["a"]?.map(\.status) == [.inProgress, .skipped])
        #expect(incident.lastEventAt == at.addingTimeInterval(20))
        #expect(incident.eventCount == 3)
    }

    @Test func overdueIsMeasuredFromTheOpeningAndStopsAtClosing() throws {
        var incident = try #require(Incident.replay([opened()]))
        let step = Fixture.earthquake.allSteps[0]  // 5 minutes
        #expect(!incident.isOverdue(step, now: at.addingTimeInterval(300)))
        #expect(incident.isOverdue(step, now: at.addingTimeInterval(301)))
        incident.apply(.closed(stamp(200), summary: "끝"))
        #expect(!incident.isOverdue(step, now: at.addingTimeInterval(3600)))
        #expect(incident.elapsed(now: at.addingTimeInterval(3600)) == 200)
    }
}
