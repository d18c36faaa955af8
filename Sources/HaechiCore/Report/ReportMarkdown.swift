import Foundation

/// The report as Markdown: readable as plain text in a terminal or mail, and rendered by any forge.
public enum ReportMarkdown {
    public static func render(_ report: IncidentReport, style: ReportStyle = ReportStyle()) -> String {
        var out = ""
        out.reserveCapacity(256 + report.timeline.count * 96)
        func line(_ s: String = "") { out += s; out += "\n" }

        let modeWord = report.mode == .drill ? "DRILL" : "LIVE"
        line("# \(modeWord) incident report: \(inline(report.incident))")
        line()
        var header: [(String, String)] = [
            ("Manual", report.manual.id + (style.title(report.manual.title).map { " — \($0)" } ?? "")
                + (report.manual.revised.map { " (revised \($0))" } ?? "")),
            ("Mode", modeWord),
        ]
        if let s = report.scenario { header.append(("Scenario", s.id + (style.title(s.title).map { " — \($0)" } ?? ""))) }
        header.append(("Opened", style.dateTime(report.opened)))
        header.append(("Closed", report.closed.map { style.dateTime($0) + " (" + ReportText.duration(report.duration ?? 0) + ")" } ?? "still open"))
        if let summary = report.closeSummary { header.append(("Close summary", summary)) }
        header.append(("Operators", report.operators.isEmpty ? "–" : report.operators.joined(separator: ", ")))
        header.append(("Levels", report.levels.map { "\(ReportText.level($0.level)) at \(ReportText.offset($0.offset))" }
            .joined(separator: " → ")))
        for (k, v) in report.variables.sorted(by: { $0.key < $1.key }) { header.append(("Variable `\(code(k))`", v)) }
        line("| | |"); line("|---|---|")
        for (k, v) in header { line("| \(k) | \(cell(v)) |") }
        line()

        let s = report.summary
        line("## Summary"); line()
        line("- Steps on time: **\(s.stepsOnTime) of \(s.stepsApplicable)** (\(ReportText.percent(s.stepsOnTime, of: s.stepsApplicable))); late \(s.stepsLate), skipped \(s.stepsSkipped), never done \(s.stepsNotDone)"
             + (s.stepsNotDue > 0 ? "; \(s.stepsNotDue) not yet due at close" : ""))
        line("- Time to the first delivered message: " + (s.firstDelivered.map { "**\(ReportText.duration($0))**" } ?? "none delivered"))
        line("- Messages: \(s.messages); posts delivered \(s.delivered), dead \(s.dead), unknown \(s.unknown)"
             + otherPosts(s))
        if let d = report.drill {
            line("- Drill score: **\(d.percent)%**, \(d.answered) of \(d.expected) injects answered in their window"
                 + (d.meanResponse.map { ", mean response \(ReportText.duration($0))" } ?? ""))
        }
        line()

        line("## Steps"); line()
        line("| Step | Title | Level | Target | Done at | Outcome | By |")
        line("|---|---|---|---|---|---|---|")
        for step in report.steps {
            let target = step.deadline.map { ReportText.offset($0) } ?? "–"
            line("| `\(code(step.id))` | \(cell(style.title(step.title) ?? "")) | \(step.fromLevel?.korean ?? "") | \(target) | "
                 + "\(step.completed.map(ReportText.offset) ?? "–") | \(cell(ReportText.outcome(step)))"
                 + (step.reopened > 0 ? " (reopened \(step.reopened)×)" : "") + " | \(cell(step.completedBy ?? "")) |")
        }
        line()

        line("## Messages"); line()
        if report.messages.isEmpty { line("No messages were queued."); line() }
        for m in report.messages {
            var title = "### `\(code(m.id))` — \(m.kind.korean) (\(m.kind.rawValue)) at \(ReportText.offset(m.offset)) by \(inline(m.operator))"
            if let step = m.step { title += ", step `\(code(step))`" }
            line(title); line()
            if let c = m.corrects { line("Corrects `\(code(c))`."); line() }
            for language in m.text.nonEmptyLanguages {
                line("> " + inline(m.text[language]))
            }
            line()
            if m.needsApproval {
                line("- Approval: " + (m.approvedBy.map { "approved by \(inline($0)) at \(ReportText.offset(m.approvedAt ?? 0))" } ?? "**never approved**"))
            }
            if let by = m.cancelledBy {
                line("- Cancelled by \(inline(by)) at \(ReportText.offset(m.cancelledAt ?? 0))" + (m.cancelReason.map { $0.isEmpty ? "" : ": \(inline($0))" } ?? ""))
            }
            if !m.correctedBy.isEmpty { line("- Corrected by " + m.correctedBy.map { "`\(code($0))`" }.joined(separator: ", ")) }
            for d in m.deliveries { line("- " + inline(ReportText.delivery(d))) }
            line()
        }

        if let d = report.drill {
            line("## Drill injects"); line()
            line("| Inject | Planned | Shown | Text | Expected | Response | Answered |")
            line("|---|---|---|---|---|---|---|")
            for i in d.injects {
                let expected = i.expected.isEmpty ? "–" : i.expected.map { "`\(code($0))`" }.joined(separator: ", ")
                    + (i.within.map { " within \(ReportText.duration($0))" } ?? "")
                let answered = i.expected.isEmpty ? "–" : i.answered ? "yes" : i.shown == nil ? "not played" :
                    "no (missing " + i.missing.joined(separator: ", ") + ")"
                line("| `\(code(i.id))` | \(ScenarioTime.format(i.scheduled)) | \(i.shown.map(ReportText.offset) ?? "–") | "
                     + "\(cell(style.title(i.text) ?? "")) | \(expected) | \(i.response.map(ReportText.duration) ?? "–") | \(cell(answered)) |")
            }
            line()
        }

        if !report.notes.isEmpty {
            line("## Notes"); line()
            for n in report.notes {
                line("- \(ReportText.offset(n.offset)) \(inline(n.operator))" + (n.step.map { " on `\(code($0))`" } ?? "") + ": \(inline(n.text))")
            }
            line()
        }

        line("## Timeline"); line()
        line("| Time | Offset | Event | By | What |")
        line("|---|---|---|---|---|")
        for e in report.timeline {
            line("| \(style.clock(e.at)) | \(ReportText.offset(e.offset)) | \(e.kind.rawValue) | \(cell(e.operator ?? "")) | \(e.pinned == true ? "**[pinned]** " : "")\(cell(e.text)) |")
        }
        if !report.problems.isEmpty {
            line(); line("## Problems found in the records"); line()
            for p in report.problems { line("- " + inline(p)) }
        }
        return out
    }

    static func otherPosts(_ s: IncidentReport.Summary) -> String {
        let rest = [IncidentReport.Delivery.State.cancelled, .awaitingApproval, .waiting, .attempting, .retrying]
            .compactMap { state in s.posts[state].map { "\(state.rawValue) \($0)" } }
        return rest.isEmpty ? "" : ", " + rest.joined(separator: ", ")
    }

    /// Text from operators and files goes into tables and quotes: it must not end the cell, start
    /// a heading, or smuggle raw HTML into a renderer that allows it.
    static func inline(_ text: String) -> String {
        // Most texts need nothing: check the bytes once before building a new string.
        if !text.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F || $0 == 0xC2 || Self.special.contains($0) }) { return text }
        var out = ""
        out.reserveCapacity(text.utf8.count)
        // Scalars, not Characters: grapheme breaking is the slow part of a 10,000-row table.
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n", "\r", "\t": out += " "
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "&": out += "&amp;"
            case "\\", "`", "*", "_", "[", "]", "#", "|": out += "\\"; out.unicodeScalars.append(scalar)
            default:
                if scalar.value >= 0x20 && !(0x7F...0x9F).contains(scalar.value) { out.unicodeScalars.append(scalar) }
            }
        }
        return out
    }

    static func cell(_ text: String) -> String { inline(text) }

    /// ASCII bytes that mean something to Markdown or HTML; 0xC2 above starts the C1 controls.
    static let special: Set<UInt8> = Set("<>&\\`*_[]#|".utf8)

    /// Inside backticks only the backtick itself is special.
    static func code(_ text: String) -> String {
        String(text.map { $0 == "`" || $0 == "\n" ? "'" : $0 })
    }
}

extension Localized {
    /// The languages with text, Korean first.
    public var nonEmptyLanguages: [Language] { Language.allCases.filter { !self[$0].isEmpty } }
}
