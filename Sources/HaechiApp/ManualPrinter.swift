import Foundation
import HaechiCore
import HaechiUI

/// A manual as a checklist on paper: for the night the computers are down. Every step has a box
/// to tick, a time to write, its target, level, role, instructions, contacts and the message to
/// read out or post by hand.
public enum ManualPrinter {
    public enum Format: String, CaseIterable, Sendable { case text, markdown }

    public static func render(_ manual: Manual, language: Language, format: Format, width: Int = 78) -> String {
        switch format {
        case .text: text(manual, language, width: width)
        case .markdown: markdown(manual, language)
        }
    }

    static func labels(_ l: Language) -> [String: String] {
        l == .ko
            ? ["dept": "담당", "rev": "개정", "cat": "분류", "vars": "상황 정보 (기입)", "start": "상황 발생 시각",
               "level": "위기경보", "target": "목표", "role": "담당", "contacts": "연락처", "message": "발송 문안",
               "done": "완료 시각", "min": "분", "channels": "채널", "from": "이상", "steps": "단계",
               "note": "이 문서는 시스템 장애 시 수기 점검용입니다. 완료한 단계에 표시하고 시각을 적으십시오."]
            : ["dept": "Owner", "rev": "Revised", "cat": "Category", "vars": "Incident details (fill in)", "start": "Incident start time",
               "level": "Alert level", "target": "Target", "role": "Role", "contacts": "Contacts", "message": "Message",
               "done": "Done at", "min": "min", "channels": "Channels", "from": "and up", "steps": "steps",
               "note": "Paper checklist for when the system is down. Tick each step and write the time."]
    }

    static func levelText(_ level: AlertLevel, _ l: Language) -> String {
        l == .ko ? "\(level.korean) \(labels(l)["from"]!)" : "\(level.english) \(labels(l)["from"]!)"
    }

    /// Where a step applies: the national level, or the city's duty stage as well.
    static func applies(_ s: Step, _ l: Language) -> String {
        levelText(s.fromLevel, l) + (s.fromStage.map { l == .ko ? " 또는 시 \($0.korean) 이상" : " or city \($0.english) and up" } ?? "")
    }

    /// The step's legal basis, shelters and closures, and who sends its message to where.
    static func references(_ s: Step, _ l: Language) -> [String] {
        var out: [String] = []
        if !s.legalBasis.isEmpty { out.append((l == .ko ? "근거: " : "Legal basis: ") + s.legalBasis.map { $0.text(l) }.joined(separator: ", ")) }
        if !s.shelters.isEmpty { out.append((l == .ko ? "대피장소: " : "Shelters: ") + s.shelters.map { $0.name[l] }.joined(separator: ", ")) }
        if !s.closures.isEmpty { out.append((l == .ko ? "통제 구간: " : "Closures: ") + s.closures.map { $0.name[l] }.joined(separator: ", ")) }
        if let m = s.message, m.authority != nil || !m.area.isEmpty {
            out.append((l == .ko ? "송출: " : "Sent by: ") + (m.authority.map { $0.name[l] } ?? "-")
                       + (m.area.isEmpty ? "" : (l == .ko ? " → " : " to ") + m.area.map { MessageArea.name(code: $0)[l] }.joined(separator: ", ")))
        }
        return out
    }

    static func contactText(_ c: Contact, _ l: Language) -> String {
        "\(c.name[l]) \(c.phone)" + (c.allHours == true ? (l == .ko ? " (24시간)" : " (24 h)") : "")
    }

    static func ownerLine(_ m: Manual, _ l: Language) -> String? {
        guard m.owner != nil || m.reviewed != nil else { return nil }
        return (l == .ko ? "책임: " : "Owner: ") + (m.owner?[l] ?? "-") + (m.reviewed.map { (l == .ko ? "   검토: " : "   Reviewed: ") + $0 } ?? "")
    }

    static func text(_ m: Manual, _ l: Language, width: Int) -> String {
        let t = labels(l)
        var out: [String] = []
        let rule = String(repeating: "=", count: width)
        out.append(rule)
        out.append(m.title[l] + "  (\(m.id))")
        out.append("\(t["cat"]!): \(m.category.title[l])   \(t["dept"]!): \(m.department[l])   \(t["rev"]!): \(m.revised)")
        if let owner = ownerLine(m, l) { out.append(owner) }
        out.append(rule)
        out += t["note"]!.wrapped(to: width)
        out.append("")
        out.append(t["vars"]! + ":")
        out.append("  \(t["start"]!): ____:____   \(t["level"]!): 관심 / 주의 / 경계 / 심각   "
                   + (l == .ko ? "시 비상근무: 준비 / 1 / 2 / 3단계" : "City duty stage: standby / 1 / 2 / 3"))
        for v in m.variables { out.append("  \(v.label[l]): " + String(repeating: "_", count: 30)) }
        for phase in m.phases {
            out.append("")
            out.append("## \(phase.title[l])")
            out.append(String(repeating: "-", count: width))
            for s in phase.steps {
                out.append("[ ] \(s.id)  \(s.title[l])")
                out.append("    \(t["target"]!): +\(s.targetMinutes) \(t["min"]!)   \(t["level"]!): \(applies(s, l))   \(t["done"]!): ____:____")
                out.append("    \(t["role"]!): \(s.role[l])")
                for line in reflow(s.instructions[l]).wrapped(to: width - 4) {
                    out.append("    " + line)
                }
                for line in references(s, l) { out += line.wrapped(to: width - 4).map { "    " + $0 } }
                if !s.contacts.isEmpty {
                    out.append("    \(t["contacts"]!): " + s.contacts.map { contactText($0, l) }.joined(separator: " · "))
                }
                if let msg = s.message {
                    out.append("    \(t["message"]!) [\(msg.messageClass.korean)/\(msg.messageClass.rawValue)] \(t["channels"]!): \(msg.channels.joined(separator: ", "))")
                    for language in Language.allCases where !msg.text[language].isEmpty {
                        for line in "\(language.rawValue): \(msg.text[language])".wrapped(to: width - 6) { out.append("      " + line) }
                    }
                }
                out.append("")
            }
        }
        return out.joined(separator: "\n") + "\n"
    }

    static func markdown(_ m: Manual, _ l: Language) -> String {
        let t = labels(l)
        func esc(_ s: String) -> String {
            var o = ""
            for ch in s { if "\\`*_[]<>|#".contains(ch) { o.append("\\") }; o.append(ch) }
            return o
        }
        var out: [String] = []
        out.append("# \(esc(m.title[l])) (`\(m.id)`)")
        out.append("")
        out.append("\(t["cat"]!): \(m.category.title[l]) · \(t["dept"]!): \(esc(m.department[l])) · \(t["rev"]!): \(m.revised)")
        if let owner = ownerLine(m, l) { out.append(""); out.append(esc(owner)) }
        out.append("")
        out.append("> \(t["note"]!)")
        out.append("")
        out.append("**\(t["vars"]!)**")
        out.append("")
        out.append("- \(t["start"]!): ____")
        for v in m.variables { out.append("- \(esc(v.label[l])): ____") }
        for phase in m.phases {
            out.append("")
            out.append("## \(esc(phase.title[l]))")
            out.append("")
            for s in phase.steps {
                out.append("- [ ] **\(s.id) \(esc(s.title[l]))** — \(t["target"]!) +\(s.targetMinutes) \(t["min"]!), \(t["level"]!) \(applies(s, l)), \(t["role"]!): \(esc(s.role[l])) · \(t["done"]!): ____")
                for line in reflow(s.instructions[l]).split(separator: "\n") {
                    out.append("  \(esc(String(line)))")
                }
                for line in references(s, l) { out.append("  - " + esc(line)) }
                if !s.contacts.isEmpty {
                    out.append("  - \(t["contacts"]!): " + s.contacts.map { esc(contactText($0, l)) }.joined(separator: " · "))
                }
                if let msg = s.message {
                    out.append("  - \(t["message"]!) (\(msg.messageClass.korean), \(msg.channels.joined(separator: ", "))):")
                    for language in Language.allCases where !msg.text[language].isEmpty {
                        out.append("    > \(language.rawValue): \(esc(msg.text[language]))")
                    }
                }
            }
        }
        return out.joined(separator: "\n") + "\n"
    }

    /// Joins the soft line breaks of an author's block text into flowing paragraphs, keeping
    /// blank lines and lines that start a list item ("- ", "1. ", "· "), so it can be re-wrapped
    /// to the paper's width.
    static func reflow(_ text: String) -> String {
        let lines = text.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "\n", omittingEmptySubsequences: false)
        var out = ""
        var previousBlank = true
        for raw in lines {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty {
                out += "\n"
                previousBlank = true
                continue
            }
            let afterDigits = line.drop(while: { $0.isNumber })
            let startsItem = line.hasPrefix("- ") || line.hasPrefix("· ") || line.hasPrefix("* ")
                || (line.first?.isNumber == true && (afterDigits.hasPrefix(".") || afterDigits.hasPrefix(")")))
            if previousBlank {
                out += out.isEmpty ? line : "\n" + line
            } else if startsItem {
                out += "\n" + line
            } else {
                out += " " + line
            }
            previousBlank = false
        }
        return out
    }
}
