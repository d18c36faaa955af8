import Foundation

/// The report as Markdown: readable as plain text in a terminal or mail, and rendered by any forge.
public enum ReportMarkdown {
    public static func render(_ report: IncidentReport, style: ReportStyle = ReportStyle()) -> String {
        var out = ""
        out.reserveCapacity(256 + report.timeline.count * 96)
        func line(_ s: String = "") { out += s; out += "\n" }

        let t = style.t
        let lang = style.language
        func dur(_ seconds: TimeInterval) -> String { ReportText.duration(seconds, lang) }
        let modeWord = report.mode == .drill ? t("훈련", "DRILL") : t("실제 상황", "LIVE")
        line(t("# \(modeWord) 사후 검토 보고서: \(inline(report.incident))", "# \(modeWord) incident report: \(inline(report.incident))"))
        line()
        var header: [(String, String)] = [
            (t("매뉴얼", "Manual"), report.manual.id + (style.title(report.manual.title).map { " — \($0)" } ?? "")
                + (report.manual.revised.map { t(" (개정 \($0))", " (revised \($0))") } ?? "")),
            (t("구분", "Mode"), modeWord),
        ]
        if let s = report.scenario { header.append((t("시나리오", "Scenario"), s.id + (style.title(s.title).map { " — \($0)" } ?? ""))) }
        header.append((t("시작", "Opened"), style.dateTime(report.opened)))
        header.append((t("종료", "Closed"), report.closed.map { style.dateTime($0) + " (" + dur(report.duration ?? 0) + ")" } ?? t("진행 중", "still open")))
        if let summary = report.closeSummary { header.append((t("종료 요약", "Close summary"), summary)) }
        header.append((t("담당자", "Operators"), report.operators.isEmpty ? "–" : report.operators.joined(separator: ", ")))
        header.append((t("경보 단계", "Levels"), report.levels.map { "\(ReportText.level($0.level, lang)) " + t("", "at ") + ReportText.offset($0.offset) }
            .joined(separator: " → ")))
        for (label, value) in style.variables(report) { header.append((label, value)) }
        line("| | |"); line("|---|---|")
        for (k, v) in header { line("| \(cell(k)) | \(cell(v)) |") }
        line()

        let s = report.summary
        line(t("## 요약", "## Summary")); line()
        line(t("- 목표 내 완료 단계: **\(s.stepsApplicable)개 중 \(s.stepsOnTime)개** (\(ReportText.percent(s.stepsOnTime, of: s.stepsApplicable))); 지연 \(s.stepsLate), 건너뜀 \(s.stepsSkipped), 미완료 \(s.stepsNotDone)"
               + (s.stepsNotDue > 0 ? "; 종료 시 기한 전 \(s.stepsNotDue)" : ""),
               "- Steps on time: **\(s.stepsOnTime) of \(s.stepsApplicable)** (\(ReportText.percent(s.stepsOnTime, of: s.stepsApplicable))); late \(s.stepsLate), skipped \(s.stepsSkipped), never done \(s.stepsNotDone)"
               + (s.stepsNotDue > 0 ? "; \(s.stepsNotDue) not yet due at close" : "")))
        line(t("- 첫 메시지 전달까지: ", "- Time to the first delivered message: ")
             + (s.firstDelivered.map { "**\(dur($0))**" } ?? t("전달된 메시지 없음", "none delivered")))
        line(t("- 메시지: \(s.messages); 게시 전달 \(s.delivered), 실패 \(s.dead), 결과 불명 \(s.unknown)",
               "- Messages: \(s.messages); posts delivered \(s.delivered), dead \(s.dead), unknown \(s.unknown)")
             + otherPosts(s, lang))
        if let p = report.publicUpdates {
            line(t("- 시민 안내 제때: **\(p.intervals.count)회 중 \(p.onTime)회** (\(p.percent)%)", "- Public updates on time: **\(p.onTime) of \(p.intervals.count)** (\(p.percent)%)")
                 + (p.longestLate > 0 ? t(", 최장 지연 \(dur(p.longestLate))", ", longest wait past due \(dur(p.longestLate))") : ""))
        }
        if let d = report.drill {
            line(t("- 훈련 점수: **\(d.percent)%**, 상황 \(d.expected)개 중 \(d.answered)개에 제시간 대응", "- Drill score: **\(d.percent)%**, \(d.answered) of \(d.expected) injects answered in their window")
                 + (d.meanResponse.map { t(", 평균 대응 \(dur($0))", ", mean response \(dur($0))") } ?? ""))
            line(t("- 기대 행동: 충족 \(d.count(.met)), 미충족 \(d.count(.missed)), 위반 \(d.count(.violated))",
                   "- Expected actions: met \(d.count(.met)), missed \(d.count(.missed)), violated \(d.count(.violated))")
                 + (d.count(.pending) > 0 ? t(", 시간 남음 \(d.count(.pending))", ", window still open \(d.count(.pending))") : ""))
        }
        line()

        line(t("## 단계", "## Steps")); line()
        line(t("| 단계 | 제목 | 적용 단계 | 기한 | 완료 | 결과 | 완료자 |", "| Step | Title | Level | Target | Done at | Outcome | By |"))
        line("|---|---|---|---|---|---|---|")
        for step in report.steps {
            let target = step.deadline.map { ReportText.offset($0) } ?? "–"
            line("| `\(code(step.id))` | \(cell(style.title(step.title) ?? "")) | \(step.fromLevel?.korean ?? "") | \(target) | "
                 + "\(step.completed.map(ReportText.offset) ?? "–") | \(cell(ReportText.outcome(step, lang)))"
                 + (step.reopened > 0 ? t(" (\(step.reopened)회 다시 열림)", " (reopened \(step.reopened)×)") : "") + " | \(cell(step.completedBy ?? "")) |")
        }
        line()

        line(t("## 메시지", "## Messages")); line()
        if report.messages.isEmpty { line(t("등록된 메시지가 없습니다.", "No messages were queued.")); line() }
        for m in report.messages {
            var title = "### `\(code(m.id))` — \(m.kind.korean)" + t("", " (\(m.kind.rawValue))")
                + t(" \(ReportText.offset(m.offset)) \(inline(m.operator))", " at \(ReportText.offset(m.offset)) by \(inline(m.operator))")
            if let step = m.step { title += t(", 단계 `\(code(step))`", ", step `\(code(step))`") }
            line(title); line()
            if let c = m.corrects { line(t("`\(code(c))`의 정정입니다.", "Corrects `\(code(c))`.")); line() }
            for language in m.text.nonEmptyLanguages {
                line("> " + inline(m.text[language]))
            }
            line()
            if m.needsApproval {
                line(t("- 승인: ", "- Approval: ") + (m.approvedBy.map { t("\(inline($0)) 승인 \(ReportText.offset(m.approvedAt ?? 0))", "approved by \(inline($0)) at \(ReportText.offset(m.approvedAt ?? 0))") }
                                                      ?? t("**승인되지 않음**", "**never approved**")))
            }
            if let by = m.cancelledBy {
                line(t("- 취소: \(inline(by)) \(ReportText.offset(m.cancelledAt ?? 0))", "- Cancelled by \(inline(by)) at \(ReportText.offset(m.cancelledAt ?? 0))")
                     + (m.cancelReason.map { $0.isEmpty ? "" : ": \(inline($0))" } ?? ""))
            }
            if !m.correctedBy.isEmpty { line(t("- 정정: ", "- Corrected by ") + m.correctedBy.map { "`\(code($0))`" }.joined(separator: ", ")) }
            for d in m.deliveries { line("- " + inline(ReportText.delivery(d, lang))) }
            line()
        }

        if let d = report.drill {
            line(t("## 훈련 상황", "## Drill injects")); line()
            line(t("| 상황 | 예정 | 제시 | 내용 | 기대 단계 | 대응 시간 | 대응 |", "| Inject | Planned | Shown | Text | Expected | Response | Answered |"))
            line("|---|---|---|---|---|---|---|")
            for i in d.injects {
                let expected = i.expected.isEmpty ? "–" : i.expected.map { "`\(code($0))`" }.joined(separator: ", ")
                    + (i.within.map { t(" \(dur($0)) 이내", " within \(dur($0))") } ?? "")
                let answered = ReportText.answered(i, lang)
                line("| `\(code(i.id))` | \(ScenarioTime.format(i.scheduled)) | \(i.shown.map(ReportText.offset) ?? "–") | "
                     + "\(cell(style.title(i.text) ?? "")) | \(expected) | \(i.response.map(dur) ?? "–") | \(cell(answered)) |")
            }
            line()
            // Every expectation judged on its own (DrillJudgement), times from the inject's showing.
            let judged = d.injects.flatMap { i in (i.results ?? []).map { (i, $0) } }
            if !judged.isEmpty {
                line(t("### 기대 행동 채점", "### Expected actions scored")); line()
                line(t("| 상황 | 기대 | 기한 | 결과 |", "| Inject | Expected | Within | Result |"))
                line("|---|---|---|---|")
                for (i, r) in judged {
                    line("| `\(code(i.id))` | \(cell(ReportText.expected(r, lang))) | \(i.within.map(dur) ?? "–") | \(cell(ReportText.verdict(r, lang))) |")
                }
                line()
            }
        }

        if !report.notes.isEmpty {
            line(t("## 메모", "## Notes")); line()
            for n in report.notes {
                line("- \(ReportText.offset(n.offset)) \(inline(n.operator))" + (n.step.map { t(" (`\(code($0))`)", " on `\(code($0))`") } ?? "") + ": \(inline(n.text))")
            }
            line()
        }

        line(t("## 경과", "## Timeline")); line()
        line(t("| 시각 | 경과 | 구분 | 담당 | 내용 |", "| Time | Offset | Event | By | What |"))
        line("|---|---|---|---|---|")
        for e in report.timeline {
            line("| \(style.clock(e.at)) | \(ReportText.offset(e.offset)) | \(ReportText.kind(e.kind, lang)) | \(cell(e.operator ?? "")) | \(e.pinned == true ? "**" + t("[고정]", "[pinned]") + "** " : "")\(cell(e.text(lang))) |")
        }
        if !report.problems.isEmpty {
            line(); line(t("## 기록에서 발견된 문제", "## Problems found in the records")); line()
            for p in report.problems(lang) { line("- " + inline(p)) }
        }
        return out
    }

    static func otherPosts(_ s: IncidentReport.Summary, _ language: Language = .en) -> String {
        let ko: [IncidentReport.Delivery.State: String] = [.cancelled: "취소", .awaitingApproval: "승인 대기", .waiting: "대기",
                                                           .attempting: "발송 중", .retrying: "재시도"]
        let rest = [IncidentReport.Delivery.State.cancelled, .awaitingApproval, .waiting, .attempting, .retrying]
            .compactMap { state in s.posts[state].map { "\(language == .ko ? ko[state] ?? state.rawValue : state.rawValue) \($0)" } }
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
