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
        let t = style.t
        let lang = style.language
        func dur(_ seconds: TimeInterval) -> String { ReportText.duration(seconds, lang) }
        let modeWord = drill ? t("훈련", "DRILL") : t("실제 상황", "LIVE")

        w("<!DOCTYPE html>")
        w("<html lang=\"\(style.language.rawValue)\"><head><meta charset=\"utf-8\">")
        w("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
        w("<title>\(e(modeWord)) \(e(report.incident)) — \(t("해치 보고서", "Haechi report"))</title>")
        w("<style>\(HTMLText.baseCSS)\(reportCSS)</style></head><body>")
        w("<header><span class=\"badge \(drill ? "drill" : "live")\">\(e(modeWord))</span>")
        w("<h1>\(t("사후 검토 보고서", "Incident report")): \(e(report.incident))</h1>")
        w("<div class=\"muted\">\(e(style.title(report.manual.title) ?? report.manual.id))</div></header>")

        // Header table
        w("<table class=\"header\">")
        func row(_ k: String, _ v: String) { w("<tr><th>\(e(k))</th><td>\(v)</td></tr>") }
        row(t("매뉴얼", "Manual"), "<code>\(e(report.manual.id))</code>"
            + (report.manual.revised.map { " <span class=\"muted\">\(t("개정", "revised")) \(e($0))</span>" } ?? ""))
        if let s = report.scenario {
            row(t("시나리오", "Scenario"), "<code>\(e(s.id))</code> " + e(style.title(s.title) ?? ""))
        }
        row(t("시작", "Opened"), "<span class=\"num\">\(e(style.dateTime(report.opened)))</span>")
        row(t("종료", "Closed"), report.closed.map { "<span class=\"num\">\(e(style.dateTime($0)))</span> (\(e(dur(report.duration ?? 0))))" }
            ?? "<strong>\(t("진행 중", "still open"))</strong>")
        if let c = report.closeSummary { row(t("종료 요약", "Close summary"), e(c)) }
        row(t("담당자", "Operators"), report.operators.isEmpty ? "–" : report.operators.map(e).joined(separator: ", "))
        row(t("경보 단계", "Levels"), report.levels.map { "<span class=\"lvl l\($0.level.rawValue)\">\(e(ReportText.level($0.level, lang)))</span> <span class=\"num muted\">\(ReportText.offset($0.offset))</span>" }
            .joined(separator: " → "))
        for (label, value) in style.variables(report) { row(label, e(value)) }
        w("</table>")

        // Summary cards
        let s = report.summary
        w("<h2>\(t("요약", "Summary"))</h2><div class=\"cards\">")
        func card(_ big: String, _ label: String, _ cls: String = "") {
            w("<div class=\"card \(cls)\"><div class=\"big\">\(e(big))</div><div class=\"label\">\(e(label))</div></div>")
        }
        let percent = ReportText.percent(s.stepsOnTime, of: s.stepsApplicable)
        card("\(s.stepsOnTime) / \(s.stepsApplicable)", t("목표 내 완료 단계 (\(percent))", "steps on time (\(percent))"))
        card("\(s.stepsLate) · \(s.stepsSkipped) · \(s.stepsNotDone)", t("지연 · 건너뜀 · 미완료", "late · skipped · never done")
             + (s.stepsNotDue > 0 ? t(" (기한 전 \(s.stepsNotDue))", " (\(s.stepsNotDue) not yet due)") : ""))
        card(s.firstDelivered.map(dur) ?? t("없음", "none"), t("첫 메시지 전달까지", "to the first delivered message"))
        card("\(s.delivered) · \(s.dead) · \(s.unknown)", t("게시 전달 · 실패 · 결과 불명 (메시지 \(s.messages)건)", "posts delivered · dead · unknown (\(s.messages) messages)"))
        if let p = report.publicUpdates {
            card("\(p.onTime)/\(p.intervals.count)", t("시민 안내 제때 (매뉴얼 주기)", "public updates on time")
                 + (p.longestLate > 0 ? t("; 최장 지연 \(dur(p.longestLate))", "; longest wait past due \(dur(p.longestLate))") : ""))
        }
        if let d = report.drill {
            card("\(d.percent)%", t("훈련 점수: 상황 \(d.expected)개 중 \(d.answered)개 대응", "drill score: \(d.answered) of \(d.expected) injects answered")
                 + (d.meanResponse.map { t(", 평균 \(dur($0))", ", mean \(dur($0))") } ?? ""))
        }
        w("</div>")

        w("<h2>\(t("경과 도표", "Timeline chart"))</h2>")
        w(ReportSVG.render(report, style: style))

        // Steps
        w("<h2>\(t("단계", "Steps"))</h2><table><tr>" + [t("단계", "Step"), t("제목", "Title"), t("적용 단계", "Level"), t("기한", "Target"),
            t("완료", "Done at"), t("결과", "Outcome"), t("완료자", "By")].map { "<th>\($0)</th>" }.joined() + "</tr>")
        for step in report.steps {
            w("<tr><td><code>\(e(step.id))</code></td><td>\(e(style.title(step.title) ?? ""))</td>"
              + "<td>\(e(step.fromLevel?.korean ?? ""))</td><td class=\"num\">\(step.deadline.map(ReportText.offset) ?? "–")</td>"
              + "<td class=\"num\">\(step.completed.map(ReportText.offset) ?? "–")</td>"
              + "<td class=\"\(step.outcome.rawValue)\">\(e(ReportText.outcome(step, lang)))\(step.reopened > 0 ? " <span class=\"muted\">(\(t("\(step.reopened)회 다시 열림", "reopened \(step.reopened)×")))</span>" : "")</td>"
              + "<td>\(e(step.completedBy ?? ""))</td></tr>")
        }
        w("</table>")

        // Messages
        w("<h2>\(t("메시지", "Messages"))</h2>")
        if report.messages.isEmpty { w("<p class=\"muted\">\(t("등록된 메시지가 없습니다.", "No messages were queued."))</p>") }
        for m in report.messages {
            w("<div class=\"message\"><h3><code>\(e(m.id))</code> \(e(m.kind.korean)) <span class=\"muted\">"
              + t("\(ReportText.offset(m.offset)) \(e(m.operator))", "(\(e(m.kind.rawValue))) at \(ReportText.offset(m.offset)) by \(e(m.operator))")
              + (m.step.map { t(", 단계 <code>\(e($0))</code>", ", step <code>\(e($0))</code>") } ?? "") + "</span></h3>")
            if let c = m.corrects { w(t("<p><code>\(e(c))</code>의 정정입니다.</p>", "<p>Corrects <code>\(e(c))</code>.</p>")) }
            for language in m.text.nonEmptyLanguages { w("<blockquote lang=\"\(language.rawValue)\">\(e(m.text[language]))</blockquote>") }
            w("<ul>")
            if m.needsApproval {
                w("<li>" + (m.approvedBy.map { t("승인: \(e($0)) \(ReportText.offset(m.approvedAt ?? 0))", "Approved by \(e($0)) at \(ReportText.offset(m.approvedAt ?? 0))") }
                            ?? "<strong class=\"not-done\">\(t("승인되지 않음", "Never approved"))</strong>") + "</li>")
            }
            if let by = m.cancelledBy {
                w("<li class=\"skipped\">" + t("취소: \(e(by)) \(ReportText.offset(m.cancelledAt ?? 0))", "Cancelled by \(e(by)) at \(ReportText.offset(m.cancelledAt ?? 0))")
                  + "\((m.cancelReason ?? "").isEmpty ? "" : ": " + e(m.cancelReason!))</li>")
            }
            if !m.correctedBy.isEmpty { w("<li>\(t("정정", "Corrected by")) " + m.correctedBy.map { "<code>\(e($0))</code>" }.joined(separator: ", ") + "</li>") }
            for d in m.deliveries { w("<li class=\"\(d.state.rawValue)\">\(e(ReportText.delivery(d, lang)))</li>") }
            w("</ul></div>")
        }

        if let d = report.drill {
            w("<h2>\(t("훈련 상황", "Drill injects"))</h2><table><tr>" + [t("상황", "Inject"), t("예정", "Planned"), t("제시", "Shown"), t("내용", "Text"),
                t("기대 단계", "Expected"), t("대응 시간", "Response"), t("대응", "Answered")].map { "<th>\($0)</th>" }.joined() + "</tr>")
            for i in d.injects {
                let expected = i.expected.isEmpty ? "–" : i.expected.map { "<code>\(e($0))</code>" }.joined(separator: ", ")
                    + (i.within.map { t(" \(e(dur($0))) 이내", " within \(e(dur($0)))") } ?? "")
                let hasExpectation = !i.expected.isEmpty || !(i.results ?? []).isEmpty
                let cls = !hasExpectation ? "" : i.answered ? "on-time" : "not-done"
                let answered = ReportText.answered(i, lang)
                w("<tr><td><code>\(e(i.id))</code></td><td class=\"num\">\(ScenarioTime.format(i.scheduled))</td><td class=\"num\">\(i.shown.map(ReportText.offset) ?? "–")</td>"
                  + "<td>\(e(style.title(i.text) ?? ""))</td><td>\(expected)</td><td class=\"num\">\(i.response.map(dur) ?? "–")</td>"
                  + "<td class=\"\(cls)\">\(e(answered))</td></tr>")
            }
            w("</table>")
            let judged = d.injects.flatMap { i in (i.results ?? []).map { (i, $0) } }
            if !judged.isEmpty {
                w("<h3>\(t("기대 행동 채점", "Expected actions scored"))</h3>")
                w("<p>" + e(t("충족 \(d.count(.met)), 미충족 \(d.count(.missed)), 위반 \(d.count(.violated))",
                              "met \(d.count(.met)), missed \(d.count(.missed)), violated \(d.count(.violated))")) + "</p>")
                w("<table><tr>" + [t("상황", "Inject"), t("기대", "Expected"), t("기한", "Within"), t("결과", "Result")].map { "<th>\($0)</th>" }.joined() + "</tr>")
                for (i, r) in judged {
                    let rc = switch r.verdict { case .met: "on-time"; case .missed, .violated: "not-done"; default: "" }
                    w("<tr><td><code>\(e(i.id))</code></td><td>\(e(ReportText.expected(r, lang)))</td>"
                      + "<td class=\"num\">\(e(i.within.map(dur) ?? "–"))</td><td class=\"\(rc)\">\(e(ReportText.verdict(r, lang)))</td></tr>")
                }
                w("</table>")
            }
        }

        if !report.notes.isEmpty {
            w("<h2>\(t("메모", "Notes"))</h2><ul>")
            for n in report.notes {
                w("<li><span class=\"num\">\(ReportText.offset(n.offset))</span> <strong>\(e(n.operator))</strong>"
                  + (n.step.map { t(" (<code>\(e($0))</code>)", " on <code>\(e($0))</code>") } ?? "") + ": \(e(n.text))</li>")
            }
            w("</ul>")
        }

        w("<h2>\(t("경과", "Timeline"))</h2><table class=\"timeline\"><tr>" + [t("시각", "Time"), t("경과", "Offset"), t("구분", "Event"), t("담당", "By"), t("내용", "What")]
            .map { "<th>\($0)</th>" }.joined() + "</tr>")
        for r in report.timeline {
            w("<tr class=\"k-\(r.kind.rawValue)\"><td class=\"num\">\(style.clock(r.at))</td><td class=\"num\">\(ReportText.offset(r.offset))</td>"
              + "<td>\(e(ReportText.kind(r.kind, lang)))</td><td>\(e(r.operator ?? ""))</td><td>\(r.pinned == true ? "<strong>" + t("[고정]", "[pinned]") + "</strong> " : "")\(e(r.text(lang)))</td></tr>")
        }
        w("</table>")
        if !report.problems.isEmpty {
            w("<h2>\(t("기록에서 발견된 문제", "Problems found in the records"))</h2><ul>")
            for p in report.problems(lang) { w("<li>\(e(p))</li>") }
            w("</ul>")
        }
        w("<footer class=\"muted\"><p>" + t("시각은 \(e(style.timeZone.identifier)) 기준이며, 경과는 시작부터\(drill ? " 훈련 시간으로" : "") 셉니다. 해치가 만들었습니다.",
                                            "Times are \(e(style.timeZone.identifier)); offsets count from the opening\(drill ? " in scenario time" : ""). Generated by Haechi.") + "</p></footer>")
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
        out += "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(f(width)) \(f(height))\" role=\"img\" aria-label=\"\(style.t("단계, 메시지, 경보 단계 변경 경과", "Timeline of steps, messages and level changes"))\">\n"
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
            out += "<line class=\"lvl\" stroke=\"\(levelColours[change.level]!)\" x1=\"\(f(x(change.offset)))\" y1=\"\(f(top - 4))\" x2=\"\(f(x(change.offset)))\" y2=\"\(f(height - 20))\"><title>\(e(style.t("경보 단계 \(change.level.korean) \(ReportText.offset(change.offset))", "level \(ReportText.level(change.level)) at \(ReportText.offset(change.offset))")))</title></line>"
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
            let tip = "\(step.id): \(ReportText.outcome(step, style.language))"
            out += "<rect class=\"\(cls)\" x=\"\(f(x(from)))\" y=\"\(f(y + 3))\" width=\"\(f(max(2, x(to) - x(from))))\" height=\"\(f(rowHeight - 6))\" rx=\"2\"><title>\(e(tip))</title></rect>"
            if let deadline = step.deadline, deadline > end {
                let edge = labelWidth + chartWidth
                out += "<path d=\"M\(f(edge - 6)) \(f(y + 4)) L\(f(edge)) \(f(y + rowHeight / 2)) L\(f(edge - 6)) \(f(y + rowHeight - 4))\" fill=\"none\" stroke=\"#1b1f24\"><title>\(e(style.t("기한 \(ReportText.offset(deadline)), 도표 범위 밖", "target \(ReportText.offset(deadline)), after the end of this chart")))</title></path>"
            } else if let deadline = step.deadline {
                out += "<line class=\"target\" x1=\"\(f(x(deadline)))\" y1=\"\(f(y + 1))\" x2=\"\(f(x(deadline)))\" y2=\"\(f(y + rowHeight - 1))\"><title>\(e(style.t("기한 ", "target ") + ReportText.offset(deadline)))</title></line>"
            }
            out += "\n"
            y += rowHeight
        }

        // Messages: a diamond when queued, a dot per delivered post (red cross for dead or unknown).
        out += "<text x=\"4\" y=\"\(f(y + 12))\" font-weight=\"bold\">\(style.t("메시지", "Messages"))</text>"
        for m in report.messages {
            let cx = x(m.offset), cy = y + rowHeight / 2
            out += "<path d=\"M\(f(cx)) \(f(cy - 6)) L\(f(cx + 6)) \(f(cy)) L\(f(cx)) \(f(cy + 6)) L\(f(cx - 6)) \(f(cy)) Z\" fill=\"#3b73c8\"><title>\(e(style.t("\(m.id) 등록 \(ReportText.offset(m.offset))", "\(m.id) queued at \(ReportText.offset(m.offset))")))</title></path>"
            for d in m.deliveries {
                guard let off = d.offset else { continue }
                let colour = d.state == .delivered ? "#1f7a3a" : d.state == .dead || d.state == .unknown ? "#b3261e" : "#8a939c"
                out += "<circle cx=\"\(f(x(off)))\" cy=\"\(f(cy))\" r=\"3\" fill=\"\(colour)\"><title>\(e(m.id + " " + ReportText.delivery(d, style.language)))</title></circle>"
            }
        }
        out += "\n"
        y += rowHeight
        if let drill = report.drill {
            out += "<text x=\"4\" y=\"\(f(y + 12))\" font-weight=\"bold\">\(style.t("상황", "Injects"))</text>"
            for i in drill.injects {
                let at = i.shown ?? i.scheduled
                let cx = x(at), cy = y + rowHeight / 2
                out += "<path d=\"M\(f(cx - 6)) \(f(cy + 6)) L\(f(cx)) \(f(cy - 6)) L\(f(cx + 6)) \(f(cy + 6)) Z\" fill=\"\(i.answered || (i.expected.isEmpty && (i.results ?? []).isEmpty) ? "#6a2fb0" : "#b3261e")\"><title>\(e("\(i.id) at \(ReportText.offset(at)): \(style.title(i.text) ?? "")"))</title></path>"
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
