import Foundation

/// The report as one self-contained HTML page: inline CSS, an inline SVG timeline, no scripts,
/// fonts or images fetched from anywhere, so it opens from a USB stick in a situation room and
/// prints cleanly.
public enum ReportHTML {
    public static func render(_ report: IncidentReport, style: ReportStyle = ReportStyle()) -> String {
        let e = HTMLText.escape
        var out = ""
        out.reserveCapacity(8192 + report.timeline.count * 200)
        func w(_ s: String) { out += s; out += "\n" }
        let drill = report.mode == .drill
        let modeWord = drill ? "DRILL" : "LIVE"

        w("<!DOCTYPE html>")
        w("<html lang=\"\(style.language.rawValue)\"><head><meta charset=\"utf-8\">")
        w("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
        w("<title>\(e(modeWord)) \(e(report.incident)) — Haechi report</title>")
        w("<style>\(HTMLText.baseCSS)\(reportCSS)</style></head><body>")
        w("<header><span class=\"badge \(drill ? "drill" : "live")\">\(modeWord)</span>")
        w("<h1>Incident report: \(e(report.incident))</h1>")
        w("<div class=\"muted\">\(e(style.title(report.manual.title) ?? report.manual.id))</div></header>")

        // Header table
        w("<table class=\"header\">")
        func row(_ k: String, _ v: String) { w("<tr><th>\(e(k))</th><td>\(v)</td></tr>") }
        row("Manual", "<code>\(e(report.manual.id))</code>" + (report.manual.revised.map { " <span class=\"muted\">revised \(e($0))</span>" } ?? ""))
        if let s = report.scenario {
            row("Scenario", "<code>\(e(s.id))</code> " + e(style.title(s.title) ?? ""))
        }
        row("Opened", "<span class=\"num\">\(e(style.dateTime(report.opened)))</span>")
        row("Closed", report.closed.map { "<span class=\"num\">\(e(style.dateTime($0)))</span> (\(e(ReportText.duration(report.duration ?? 0))))" } ?? "<strong>still open</strong>")
        if let c = report.closeSummary { row("Close summary", e(c)) }
        row("Operators", report.operators.isEmpty ? "–" : report.operators.map(e).joined(separator: ", "))
        row("Levels", report.levels.map { "<span class=\"lvl l\($0.level.rawValue)\">\(e(ReportText.level($0.level)))</span> <span class=\"num muted\">\(ReportText.offset($0.offset))</span>" }
            .joined(separator: " → "))
        for (k, v) in report.variables.sorted(by: { $0.key < $1.key }) { row(k, e(v)) }
        w("</table>")

        // Summary cards
        let s = report.summary
        w("<h2>Summary</h2><div class=\"cards\">")
        func card(_ big: String, _ label: String, _ cls: String = "") {
            w("<div class=\"card \(cls)\"><div class=\"big\">\(e(big))</div><div class=\"label\">\(e(label))</div></div>")
        }
        card("\(s.stepsOnTime) / \(s.stepsApplicable)", "steps on time (\(ReportText.percent(s.stepsOnTime, of: s.stepsApplicable)))")
        card("\(s.stepsLate) · \(s.stepsSkipped) · \(s.stepsNotDone)", "late · skipped · never done" + (s.stepsNotDue > 0 ? " (\(s.stepsNotDue) not yet due)" : ""))
        card(s.firstDelivered.map(ReportText.duration) ?? "none", "to the first delivered message")
        card("\(s.delivered) · \(s.dead) · \(s.unknown)", "posts delivered · dead · unknown (\(s.messages) messages)")
        if let d = report.drill {
            card("\(d.percent)%", "drill score: \(d.answered) of \(d.expected) injects answered"
                 + (d.meanResponse.map { ", mean \(ReportText.duration($0))" } ?? ""))
        }
        w("</div>")

        w("<h2>Timeline chart</h2>")
        w(ReportSVG.render(report, style: style))

        // Steps
        w("<h2>Steps</h2><table><tr><th>Step</th><th>Title</th><th>Level</th><th>Target</th><th>Done at</th><th>Outcome</th><th>By</th></tr>")
        for step in report.steps {
            w("<tr><td><code>\(e(step.id))</code></td><td>\(e(style.title(step.title) ?? ""))</td>"
              + "<td>\(e(step.fromLevel?.korean ?? ""))</td><td class=\"num\">\(step.deadline.map(ReportText.offset) ?? "–")</td>"
              + "<td class=\"num\">\(step.completed.map(ReportText.offset) ?? "–")</td>"
              + "<td class=\"\(step.outcome.rawValue)\">\(e(ReportText.outcome(step)))\(step.reopened > 0 ? " <span class=\"muted\">(reopened \(step.reopened)×)</span>" : "")</td>"
              + "<td>\(e(step.completedBy ?? ""))</td></tr>")
        }
        w("</table>")

        // Messages
        w("<h2>Messages</h2>")
        if report.messages.isEmpty { w("<p class=\"muted\">No messages were queued.</p>") }
        for m in report.messages {
            w("<div class=\"message\"><h3><code>\(e(m.id))</code> \(e(m.kind.korean)) <span class=\"muted\">(\(e(m.kind.rawValue))) at \(ReportText.offset(m.offset)) by \(e(m.operator))"
              + (m.step.map { ", step <code>\(e($0))</code>" } ?? "") + "</span></h3>")
            if let c = m.corrects { w("<p>Corrects <code>\(e(c))</code>.</p>") }
            for language in m.text.nonEmptyLanguages { w("<blockquote lang=\"\(language.rawValue)\">\(e(m.text[language]))</blockquote>") }
            w("<ul>")
            if m.needsApproval {
                w("<li>" + (m.approvedBy.map { "Approved by \(e($0)) at \(ReportText.offset(m.approvedAt ?? 0))" } ?? "<strong class=\"not-done\">Never approved</strong>") + "</li>")
            }
            if let by = m.cancelledBy {
                w("<li class=\"skipped\">Cancelled by \(e(by)) at \(ReportText.offset(m.cancelledAt ?? 0))\((m.cancelReason ?? "").isEmpty ? "" : ": " + e(m.cancelReason!))</li>")
            }
            if !m.correctedBy.isEmpty { w("<li>Corrected by " + m.correctedBy.map { "<code>\(e($0))</code>" }.joined(separator: ", ") + "</li>") }
            for d in m.deliveries { w("<li class=\"\(d.state.rawValue)\">\(e(ReportText.delivery(d)))</li>") }
            w("</ul></div>")
        }

        if let d = report.drill {
            w("<h2>Drill injects</h2><table><tr><th>Inject</th><th>Planned</th><th>Shown</th><th>Text</th><th>Expected</th><th>Response</th><th>Answered</th></tr>")
            for i in d.injects {
                let expected = i.expected.isEmpty ? "–" : i.expected.map { "<code>\(e($0))</code>" }.joined(separator: ", ")
                    + (i.within.map { " within \(e(ReportText.duration($0)))" } ?? "")
                let (cls, answered) = i.expected.isEmpty ? ("", "–") : i.answered ? ("on-time", "yes") : i.shown == nil ? ("not-done", "not played")
                    : ("not-done", "no (missing \(i.missing.joined(separator: ", ")))")
                w("<tr><td><code>\(e(i.id))</code></td><td class=\"num\">\(ScenarioTime.format(i.scheduled))</td><td class=\"num\">\(i.shown.map(ReportText.offset) ?? "–")</td>"
                  + "<td>\(e(style.title(i.text) ?? ""))</td><td>\(expected)</td><td class=\"num\">\(i.response.map(ReportText.duration) ?? "–")</td>"
                  + "<td class=\"\(cls)\">\(e(answered))</td></tr>")
            }
            w("</table>")
        }

        if !report.notes.isEmpty {
            w("<h2>Notes</h2><ul>")
            for n in report.notes {
                w("<li><span class=\"num\">\(ReportText.offset(n.offset))</span> <strong>\(e(n.operator))</strong>"
                  + (n.step.map { " on <code>\(e($0))</code>" } ?? "") + ": \(e(n.text))</li>")
            }
            w("</ul>")
        }

        w("<h2>Timeline</h2><table class=\"timeline\"><tr><th>Time</th><th>Offset</th><th>Event</th><th>By</th><th>What</th></tr>")
        for t in report.timeline {
            w("<tr class=\"k-\(t.kind.rawValue)\"><td class=\"num\">\(style.clock(t.at))</td><td class=\"num\">\(ReportText.offset(t.offset))</td>"
              + "<td>\(t.kind.rawValue)</td><td>\(e(t.operator ?? ""))</td><td>\(t.pinned == true ? "<strong>[pinned]</strong> " : "")\(e(t.text))</td></tr>")
        }
        w("</table>")
        if !report.problems.isEmpty {
            w("<h2>Problems found in the records</h2><ul>")
            for p in report.problems { w("<li>\(e(p))</li>") }
            w("</ul>")
        }
        w("<footer class=\"muted\"><p>Times are \(e(style.timeZone.identifier)); offsets count from the opening\(drill ? " in scenario time" : ""). Generated by Haechi.</p></footer>")
        w("</body></html>")
        return out
    }

    static let reportCSS = """
    .lvl { padding: 0 6px; border-radius: 3px; } .l1 { background: #dbe9ff; } .l2 { background: #fff1b8; } .l3 { background: #ffd8a8; } .l4 { background: #ffc9c9; }
    .timeline td { padding: 2px 8px; } .k-level td, .k-inject td { background: #fbf7ff; } .k-dead td, .k-unknown td { background: #fff4f4; }
    .message { break-inside: avoid; }
    """
}

/// The timeline chart: one row per step, a bar from when it began to apply (or was started) to
/// when it was done, its deadline as a tick; level changes as vertical lines; messages and
/// injects as markers on rows of their own. Plain SVG, so it prints as vectors.
enum ReportSVG {
    static func render(_ report: IncidentReport, style: ReportStyle) -> String {
        let e = HTMLText.escape
        let steps = report.steps.filter { $0.outcome != .notApplicable || $0.completed != nil }
        let labelWidth = 230.0, chartWidth = 820.0, rowHeight = 18.0, top = 28.0
        let extraRows = 2.0 + (report.drill == nil ? 0 : 1)
        let height = top + (Double(steps.count) + extraRows) * rowHeight + 24

        // The horizontal scale runs to the last thing that happened: the close, a completion, a
        // delivery. Deadlines far beyond it (a 24-hour review step of a 90-minute incident) would
        // squash the chart into its first inch, so those are drawn as arrows at the right edge.
        var end = report.duration ?? 0
        for s in steps { end = max(end, s.completed ?? 0) }
        for m in report.messages { end = max(end, m.offset); for d in m.deliveries { end = max(end, d.offset ?? 0) } }
        if let last = report.timeline.last { end = max(end, last.offset) }
        end = max(end, 60)
        let tick = niceTick(end)
        end = (end / tick).rounded(.up) * tick
        func x(_ t: TimeInterval) -> Double { labelWidth + max(0, min(t, end)) / end * chartWidth }
        func f(_ v: Double) -> String { String(format: "%.1f", v) }

        var out = ""
        out.reserveCapacity(2048 + steps.count * 300)
        let width = labelWidth + chartWidth + 40 // room for the last time label
        out += "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(f(width)) \(f(height))\" role=\"img\" aria-label=\"Timeline of steps, messages and level changes\">\n"
        out += "<style>.bar{fill:#9ec5a8}.bar.late{fill:#f0b36a}.bar.open{fill:#f3a29c}.bar.skipped{fill:#d0d5da}.grid{stroke:#e3e7eb}.target{stroke:#1b1f24;stroke-width:2}.lvl{stroke-width:1.5;stroke-dasharray:4 3}</style>\n"

        // Grid and time axis
        var t = 0.0
        while t <= end + 0.5 {
            out += "<line class=\"grid\" x1=\"\(f(x(t)))\" y1=\"\(f(top - 6))\" x2=\"\(f(x(t)))\" y2=\"\(f(height - 20))\"/>"
            out += "<text x=\"\(f(x(t)))\" y=\"\(f(top - 10))\" text-anchor=\"middle\">\(ReportText.offset(t))</text>\n"
            t += tick
        }

        // Level changes
        let levelColours = [AlertLevel.interest: "#3b73c8", .caution: "#c9a400", .alert: "#e07b00", .serious: "#c62828"]
        for change in report.levels {
            out += "<line class=\"lvl\" stroke=\"\(levelColours[change.level]!)\" x1=\"\(f(x(change.offset)))\" y1=\"\(f(top - 4))\" x2=\"\(f(x(change.offset)))\" y2=\"\(f(height - 20))\"><title>\(e("level \(ReportText.level(change.level)) at \(ReportText.offset(change.offset))"))</title></line>"
            out += "<text x=\"\(f(x(change.offset) + 3))\" y=\"\(f(height - 8))\" fill=\"\(levelColours[change.level]!)\">\(e(change.level.korean))</text>\n"
        }

        var y = top
        for step in steps {
            let label = step.id + (style.title(step.title).map { " " + $0 } ?? "")
            out += "<text x=\"4\" y=\"\(f(y + 12))\">\(e(truncate(label, 34)))</text>"
            let from = step.started ?? step.applicableFrom ?? 0
            let to: Double
            let cls: String
            switch step.outcome {
            case .onTime: to = step.completed ?? from; cls = "bar"
            case .late: to = step.completed ?? from; cls = "bar late"
            case .skipped, .notApplicable, .notDue: to = max(from, step.completed ?? from); cls = "bar skipped"
            case .notDone: to = end; cls = "bar open"
            }
            let tip = "\(step.id): \(ReportText.outcome(step))"
            out += "<rect class=\"\(cls)\" x=\"\(f(x(from)))\" y=\"\(f(y + 3))\" width=\"\(f(max(2, x(to) - x(from))))\" height=\"\(f(rowHeight - 6))\" rx=\"2\"><title>\(e(tip))</title></rect>"
            if let deadline = step.deadline, deadline > end {
                let edge = labelWidth + chartWidth
                out += "<path d=\"M\(f(edge - 6)) \(f(y + 4)) L\(f(edge)) \(f(y + rowHeight / 2)) L\(f(edge - 6)) \(f(y + rowHeight - 4))\" fill=\"none\" stroke=\"#1b1f24\"><title>\(e("target \(ReportText.offset(deadline)), after the end of this chart"))</title></path>"
            } else if let deadline = step.deadline {
                out += "<line class=\"target\" x1=\"\(f(x(deadline)))\" y1=\"\(f(y + 1))\" x2=\"\(f(x(deadline)))\" y2=\"\(f(y + rowHeight - 1))\"><title>\(e("target \(ReportText.offset(deadline))"))</title></line>"
            }
            out += "\n"
            y += rowHeight
        }

        // Messages: a diamond when queued, a dot per delivered post (red cross for dead or unknown).
        out += "<text x=\"4\" y=\"\(f(y + 12))\" font-weight=\"bold\">Messages</text>"
        for m in report.messages {
            let cx = x(m.offset), cy = y + rowHeight / 2
            out += "<path d=\"M\(f(cx)) \(f(cy - 6)) L\(f(cx + 6)) \(f(cy)) L\(f(cx)) \(f(cy + 6)) L\(f(cx - 6)) \(f(cy)) Z\" fill=\"#3b73c8\"><title>\(e("\(m.id) queued at \(ReportText.offset(m.offset))"))</title></path>"
            for d in m.deliveries {
                guard let off = d.offset else { continue }
                let colour = d.state == .delivered ? "#1f7a3a" : d.state == .dead || d.state == .unknown ? "#b3261e" : "#8a939c"
                out += "<circle cx=\"\(f(x(off)))\" cy=\"\(f(cy))\" r=\"3\" fill=\"\(colour)\"><title>\(e(m.id + " " + ReportText.delivery(d)))</title></circle>"
            }
        }
        out += "\n"
        y += rowHeight
        if let drill = report.drill {
            out += "<text x=\"4\" y=\"\(f(y + 12))\" font-weight=\"bold\">Injects</text>"
            for i in drill.injects {
                let at = i.shown ?? i.scheduled
                let cx = x(at), cy = y + rowHeight / 2
                out += "<path d=\"M\(f(cx - 6)) \(f(cy + 6)) L\(f(cx)) \(f(cy - 6)) L\(f(cx + 6)) \(f(cy + 6)) Z\" fill=\"\(i.answered || i.expected.isEmpty ? "#6a2fb0" : "#b3261e")\"><title>\(e("\(i.id) at \(ReportText.offset(at)): \(style.title(i.text) ?? "")"))</title></path>"
                if let within = i.within, i.shown != nil {
                    out += "<line x1=\"\(f(cx))\" y1=\"\(f(cy))\" x2=\"\(f(x(at + within)))\" y2=\"\(f(cy))\" stroke=\"#6a2fb0\" stroke-width=\"1\" stroke-dasharray=\"2 2\"/>"
                }
            }
            out += "\n"
        }
        out += "</svg>"
        return out
    }

    /// 1, 2, 5, 10, 15, 30 or 60-minute grid lines, about eight across the chart.
    static func niceTick(_ span: TimeInterval) -> TimeInterval {
        let minutes = [1.0, 2, 5, 10, 15, 30, 60, 120, 240]
        for m in minutes where span / (m * 60) <= 10 { return m * 60 }
        return 480 * 60
    }

    static func truncate(_ s: String, _ n: Int) -> String {
        s.count <= n ? s : String(s.prefix(n - 1)) + "…"
    }
}
