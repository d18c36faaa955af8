import Foundation
import HaechiCore

/// The inject panel at the top of a scenario drill's checklist: scenario time and the clock's
/// speed, the newest inject in warning colours (it is what the trainees must act on), and the
/// injects before it. Its height is fixed per terminal size, so the list below never jumps
/// when an inject arrives.
public enum DrillPanel {
    /// Rows the panel takes (its separator included); 0 outside scenario drills.
    public static func height(_ app: AppState) -> Int {
        guard app.incident?.clock != nil, app.incident?.scenarioID != nil else { return 0 }
        return app.height >= 34 ? 7 : 5
    }

    /// How many earlier injects fit under the newest one.
    static func historyRows(_ app: AppState) -> Int { height(app) - 4 }

    public static func render(_ app: AppState, into c: inout Canvas, y top: Int) {
        let rows = height(app)
        guard rows > 0, let incident = app.incident, let clock = incident.clock else { return }
        let scenario = incident.scenarioID.flatMap { id in app.scenarios.first { $0.id == id } }
        let width = c.width - 2
        var y = top

        // Scenario time, speed, what comes next; the trainer's keys at the end.
        let elapsed = clock.elapsed(at: incident.closedAt ?? app.now)
        var x = c.put(app.t("훈련 시각 ", "Scenario ") + "T+" + Format.elapsed(elapsed) + " ", x: 1, y: y, style: Style(.drillAccent, bold: true))
        let state = clock.isPaused ? app.t(" || 일시정지 ", " || PAUSED ") : " >> \(clock.speed) "
        x = c.put(state, x: x, y: y, style: Style(clock.isPaused ? .warning : .drillBanner, bold: true, reverse: clock.isPaused))
        var tail = ""
        if incident.isClosed {
            tail = app.t("훈련 종료", "drill closed")
        } else if let scenario, let next = InjectSchedule(scenario: scenario).next(played: incident.playedInjects) {
            tail = app.t("다음 상황 ", "next inject ") + ScenarioTime.format(next.at)
            if let when = clock.wallDate(whenElapsed: next.at, now: app.now) {
                tail += app.t(" (실제 ", " (in ") + Format.elapsed(when.timeIntervalSince(app.now)) + app.t(" 후)", ")")
            }
        } else if scenario != nil {
            tail = app.t("모든 상황 제시됨", "all injects played")
        } else {
            tail = app.t("시나리오 파일 없음: ", "scenario file missing: ") + (incident.scenarioID ?? "")
        }
        x = c.put(" " + tail, x: x, y: y, style: Style(.dim), maxWidth: width - x)
        // The trainer's keys, as many as fit (Help has them all).
        let keys = [app.t("+- 속도 · Space 정지 · R 보고서", "+- speed · Space pause · R report"),
                    app.t("+- 속도 · Space 정지", "+- speed · Space pause")]
        if let fit = keys.first(where: { x + 2 + $0.displayWidth <= c.width - 1 }) {
            c.put(fit, x: c.width - 1 - fit.displayWidth, y: y, style: Style(.dim))
        }
        y += 1

        // The newest inject, two lines at most: the trainees read it from across the room.
        let injects = incident.injects
        if let latest = injects.last {
            let label = " " + app.t("상황", "INJECT") + " " + ScenarioTime.format(incident.offset(of: latest.at)) + " "
            let lx = c.put(label, x: 1, y: y, style: Style(.warning, bold: true, reverse: true)) + 1
            var text = app.t(Drill.injectText(latest, app: app))
            if let level = latest.inject.level { text += " → " + level.name(app.language) }
            let lines = text.wrapped(to: max(10, c.width - 1 - lx))
            for (i, line) in lines.prefix(2).enumerated() {
                c.put(line, x: lx, y: y + i, style: Style(.warning, bold: true), maxWidth: c.width - 1 - lx)
            }
        } else {
            c.put(app.t("아직 제시된 상황이 없습니다", "No inject yet"), x: 1, y: y, style: Style(.dim))
        }
        y += 2

        // Earlier injects, newest first.
        for event in injects.dropLast().reversed().prefix(historyRows(app)) {
            var text = ScenarioTime.format(incident.offset(of: event.at)).padded(to: 7) + app.t(Drill.injectText(event, app: app))
            if let level = event.inject.level { text += " → " + level.name(app.language) }
            c.put(text, x: 2, y: y, style: Style(.dim), maxWidth: width - 1)
            y += 1
        }
        c.hline(y: top + rows - 1)
    }
}
