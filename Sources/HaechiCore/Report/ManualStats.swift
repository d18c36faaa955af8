import Foundation

/// Across past incidents, which steps of each manual are most often late, skipped or never done:
/// what `haechi manuals --stats` shows so manual owners know which targets or steps to rethink.
public struct ManualStats: Sendable, Hashable, Codable {
    public struct StepStat: Sendable, Hashable, Codable, Identifiable {
        public var id: String
        public var title: Localized?
        /// Incidents in which the step applied.
        public var applied: Int
        public var onTime: Int
        public var late: Int
        public var skipped: Int
        public var notDone: Int
        /// Mean seconds late over the late ones.
        public var meanLate: TimeInterval?
        /// Skip reasons with how often each was given, most frequent first.
        public var skipReasons: [Reason]
        public var missed: Int { late + skipped + notDone }
    }

    public struct Reason: Sendable, Hashable, Codable {
        public var text: String
        public var count: Int
    }

    public var manual: String
    public var title: Localized?
    public var incidents: Int
    public var drills: Int
    /// Every step that was ever missed, the most missed first; steps never missed are left out
    /// because the owner's question is "what should I fix".
    public var steps: [StepStat]

    /// - Parameter journals: one array per incident journal (as read from `incidents/*.jsonl`).
    /// - Parameter manuals: the current manuals; incidents of other manuals are grouped by id alone.
    public static func compute(journals: [[IncidentEvent]], manuals: [Manual]) -> [ManualStats] {
        struct Acc { var stat: StepStat; var lateTotal: TimeInterval = 0; var reasons: [String: Int] = [:] }
        var byManual: [String: (incidents: Int, drills: Int, steps: [String: Acc], order: [String])] = [:]
        let manualByID = Dictionary(manuals.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        for journal in journals {
            guard let id = Incident.replay(journal)?.manualID,
                  let report = try? IncidentReport.build(ReportInput(journal: journal, manual: manualByID[id]))
            else { continue }
            var entry = byManual[id] ?? (0, 0, [:], [])
            entry.incidents += 1
            if report.mode == .drill { entry.drills += 1 }
            for step in report.steps where step.outcome != .notApplicable && step.outcome != .notDue {
                if entry.steps[step.id] == nil {
                    entry.order.append(step.id)
                    entry.steps[step.id] = Acc(stat: StepStat(id: step.id, title: step.title, applied: 0, onTime: 0, late: 0,
                                                              skipped: 0, notDone: 0, meanLate: nil, skipReasons: []))
                }
                var acc = entry.steps[step.id]!
                acc.stat.applied += 1
                switch step.outcome {
                case .onTime: acc.stat.onTime += 1
                case .late: acc.stat.late += 1; acc.lateTotal += step.lateBy ?? 0
                case .skipped:
                    acc.stat.skipped += 1
                    let reason = (step.reason ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
                    acc.reasons[reason.isEmpty ? "(no reason given)" : reason, default: 0] += 1
                case .notDone: acc.stat.notDone += 1
                case .notApplicable, .notDue: break
                }
                entry.steps[step.id] = acc
            }
            byManual[id] = entry
        }
        return byManual.keys.sorted().map { id in
            let entry = byManual[id]!
            let manualOrder = Dictionary((manualByID[id]?.allSteps.map(\.id) ?? entry.order).enumerated().map { ($1, $0) },
                                         uniquingKeysWith: { a, _ in a })
            let steps = entry.order.compactMap { stepID -> StepStat? in
                let acc = entry.steps[stepID]!
                guard acc.stat.missed > 0 else { return nil }
                var stat = acc.stat
                stat.meanLate = stat.late > 0 ? acc.lateTotal / Double(stat.late) : nil
                stat.skipReasons = acc.reasons.map { Reason(text: $0.key, count: $0.value) }
                    .sorted { $0.count != $1.count ? $0.count > $1.count : $0.text < $1.text }
                return stat
            }.sorted { a, b in
                // Most missed first; ties in the manual's own order so the list reads like the checklist.
                a.missed != b.missed ? a.missed > b.missed : (manualOrder[a.id] ?? .max) < (manualOrder[b.id] ?? .max)
            }
            return ManualStats(manual: id, title: manualByID[id]?.title, incidents: entry.incidents, drills: entry.drills, steps: steps)
        }
    }

    /// Plain text for the terminal: one block per manual, one line per step.
    public static func renderText(_ stats: [ManualStats], language: Language = .ko, limit: Int = 10) -> String {
        var out = ""
        let style = ReportStyle(language: language)
        for m in stats {
            out += "\(m.manual)" + (style.title(m.title).map { " — \($0)" } ?? "")
                + ": \(m.incidents) incident\(m.incidents == 1 ? "" : "s") (\(m.drills) drill\(m.drills == 1 ? "" : "s"))\n"
            if m.steps.isEmpty { out += "  no step was ever late, skipped or left undone\n"; continue }
            for s in m.steps.prefix(limit) {
                var line = "  \(s.id): missed \(s.missed) of \(s.applied) — late \(s.late)"
                if let mean = s.meanLate { line += " (mean \(ReportText.duration(mean)))" }
                line += ", skipped \(s.skipped), never done \(s.notDone)"
                if let top = s.skipReasons.first { line += "; most given reason: \"\(Sanitize.line(top.text))\" ×\(top.count)" }
                out += line + "\n"
            }
        }
        return out
    }
}

