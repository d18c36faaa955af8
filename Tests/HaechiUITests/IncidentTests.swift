import Foundation
import HaechiCore
import Testing
@testable import HaechiUI

/// Replaying a journal is the only way an incident comes to exist; damaged journals must give
/// a visible count of what was ignored, never a silently different incident.
@Suite struct IncidentTests {
    let at = Fixture.start
    func e(_ kind: IncidentEvent.Kind, _ seconds: Double = 0, incident: String = "i", step: String? = nil,
           status: StepStatus? = nil, text: String? = nil, level: AlertLevel? = nil, by: String = "kim") -> IncidentEvent {
        IncidentEvent(kind: kind, incident: incident, at: at.addingTimeInterval(seconds), operator: by,
                      manual: kind == .opened ? "earthquake" : nil, mode: kind == .opened ? .drill : nil,
                      level: level ?? (kind == .opened ? .interest : nil), step: step, status: status, text: text)
    }

    @Test func noOpeningNoIncident() {
        #expect(Incident.replay([]) == nil)
        #expect(Incident.replay([e(.note, step: "a", text: "x")]) == nil)
    }

    @Test func eventsThatMakeNoSenseAreCountedNotApplied() {
        let incident = Incident.replay([
            e(.note, step: "a", text: "before opening"),
            e(.opened),
            e(.opened, 1),                          // a second opening
            e(.stepStatus, 2, step: "receive"),     // no status
            e(.stepStatus, 3, incident: "other", step: "receive", status: .done),
            e(.stepStatus, 4, step: "receive", status: .done),
        ])!
        #expect(incident.ignoredEvents == 4)
        #expect(incident.status(of: "receive") == .done)
        #expect(incident.notes.isEmpty)
    }

    @Test func theLastStatusWinsAndKeepsWhoAndWhen() {
        let incident = Incident.replay([
            e(.opened), e(.stepStatus, 10, step: "a", status: .inProgress),
            e(.stepStatus, 20, step: "a", status: .skipped, text: "중복", by: "lee"),
        ])!
        #expect(incident.progress["a"] == Incident.StepProgress(status: .skipped, at: at.addingTimeInterval(20), by: "lee", reason: "중복"))
        #expect(incident.lastEventAt == at.addingTimeInterval(20))
        #expect(incident.eventCount == 3)
    }

    @Test func overdueIsMeasuredFromTheOpeningAndStopsAtClosing() {
        var incident = Incident.replay([e(.opened)])!
        let step = Fixture.earthquake.allSteps[0]  // 5 minutes
        #expect(!incident.isOverdue(step, now: at.addingTimeInterval(300)))
        #expect(incident.isOverdue(step, now: at.addingTimeInterval(301)))
        incident.apply(e(.closed, 200, text: "끝"))
        #expect(!incident.isOverdue(step, now: at.addingTimeInterval(3600)))
        #expect(incident.elapsed(now: at.addingTimeInterval(3600)) == 200)
    }
}
