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

    static func text(_ m: Manual, _ l: Language, width: Int) -> String {
        let t = labels(l)
        var out: [String] = []
        let rule = String(repeating: "=", count: width)
        out.append(rule)
        out.append(m.title[l] + "  (\(m.id))")
        out.append("\(t["cat"]!): \(m.category.title[l])   \(t["dept"]!): \(m.department[l])   \(t["rev"]!): \(m.revised)")
        out.append(rule)
        out += DisplayWidth.wrap(t["note"]!, width: width)
        out.append("")
        out.append(t["vars"]! + ":")
        out.append("  \(t["start"]!): ____:____   \(t["level"]!): 관심 / 주의 / 경계 / 심각")
        for v in m.variables { out.append("  \(v.label[l]): " + String(repeating: "_", count: 30)) }
        for phase in m.phases {
            out.append("")
            out.append("## \(phase.title[l])")
            out.append(String(repeating: "-", count: width))
            for s in phase.steps {
                out.append("[ ] \(s.id)  \(s.title[l])")
                out.append("    \(t["target"]!): +\(s.targetMinutes) \(t["min"]!)   \(t["level"]!): \(levelText(s.fromLevel, l))   \(t["done"]!): ____:____")
                out.append("    \(t["role"]!): \(s.role[l])")
                for line in DisplayWidth.wrap(DisplayWidth.reflow(s.instructions[l]), width: width - 4) {
                    out.append("    " + line)
                }
                if !s.contacts.isEmpty {
                    out.append("    \(t["contacts"]!): " + s.contacts.map { "\($0.name[l]) \($0.phone)" }.joined(separator: " · "))
                }
                if let msg = s.message {
                    out.append("    \(t["message"]!) [\(msg.messageClass.korean)/\(msg.messageClass.rawValue)] \(t["channels"]!): \(msg.channels.joined(separator: ", "))")
                    for language in Language.allCases where !msg.text[language].isEmpty {
                        for line in DisplayWidth.wrap("\(language.rawValue): \(msg.text[language])", width: width - 6) { out.append("      " + line) }
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
                out.append("- [ ] **\(s.id) \(esc(s.title[l]))** — \(t["target"]!) +\(s.targetMinutes) \(t["min"]!), \(t["level"]!) \(levelText(s.fromLevel, l)), \(t["role"]!): \(esc(s.role[l])) · \(t["done"]!): ____")
                for line in DisplayWidth.reflow(s.instructions[l]).split(separator: "\n") {
                    out.append("  \(esc(String(line)))")
                }
                if !s.contacts.isEmpty {
                    out.append("  - \(t["contacts"]!): " + s.contacts.map { "\(esc($0.name[l])) \($0.phone)" }.joined(separator: " · "))
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
}
