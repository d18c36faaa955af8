import Foundation

/// A manual as one printable HTML page, for `haechi show --format html`: what manual owners
/// review on paper and what a duty desk pins to the wall. Self-contained like the report.
public enum ManualHTML {
    public static func render(_ manual: Manual, language: Language = .ko) -> String {
        let e = HTMLText.escape
        let style = ReportStyle(language: language)
        let t = { (text: Localized) in style.title(text) ?? "" }
        var out = ""
        func w(_ s: String) { out += s; out += "\n" }
        w("<!DOCTYPE html>")
        w("<html lang=\"\(language.rawValue)\"><head><meta charset=\"utf-8\">")
        w("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
        w("<title>\(e(t(manual.title))) — Haechi manual</title>")
        w("<style>\(HTMLText.baseCSS)\(manualCSS)</style></head><body>")
        w("<h1>\(e(t(manual.title)))</h1>")
        w("<p class=\"muted\"><code>\(e(manual.id))</code> · \(e(t(manual.category.title))) · \(e(t(manual.department))) · revised \(e(manual.revised))"
          + (manual.file.map { " · <code>\(e($0))</code>" } ?? "") + "</p>")

        if !manual.variables.isEmpty {
            w("<h2>Incident variables</h2><table><tr><th>Variable</th><th>Label</th><th>Max length</th><th>Required</th><th>Example</th></tr>")
            for v in manual.variables {
                w("<tr><td><code>{\(e(v.id))}</code></td><td>\(e(t(v.label)))</td><td class=\"num\">\(v.maxLength)</td>"
                  + "<td>\(v.required ? "yes" : "no")</td><td>\(e(v.example ?? ""))</td></tr>")
            }
            w("</table>")
        }

        w("<h2>Contents</h2><table><tr><th>Step</th><th>Title</th><th>Role</th><th>From level</th><th>Target</th><th>Message</th></tr>")
        for phase in manual.phases {
            w("<tr class=\"phase\"><th colspan=\"6\">\(e(t(phase.title)))</th></tr>")
            for step in phase.steps {
                w("<tr><td><a href=\"#step-\(e(step.id))\"><code>\(e(step.id))</code></a></td><td>\(e(t(step.title)))</td><td>\(e(t(step.role)))</td>"
                  + "<td><span class=\"lvl l\(step.fromLevel.rawValue)\">\(e(ReportText.level(step.fromLevel)))</span></td>"
                  + "<td class=\"num\">\(step.targetMinutes) min</td><td>\(step.message.map { e($0.messageClass.korean) } ?? "")</td></tr>")
            }
        }
        w("</table>")

        for phase in manual.phases {
            w("<h2>\(e(t(phase.title)))</h2>")
            for step in phase.steps {
                w("<section class=\"step\" id=\"step-\(e(step.id))\">")
                w("<h3><code>\(e(step.id))</code> \(e(t(step.title)))</h3>")
                w("<p class=\"muted\">\(e(t(step.role))) · from <span class=\"lvl l\(step.fromLevel.rawValue)\">\(e(ReportText.level(step.fromLevel)))</span> · within \(step.targetMinutes) min"
                  + (step.location.map { " · <code>\(e($0.description))</code>" } ?? "") + "</p>")
                w("<div class=\"instructions\">\(e(t(step.instructions)))</div>")
                if !step.contacts.isEmpty {
                    w("<ul class=\"contacts\">")
                    for c in step.contacts { w("<li>\(e(t(c.name))): <span class=\"num\">\(e(c.phone))</span></li>") }
                    w("</ul>")
                }
                if let m = step.message {
                    w("<div class=\"template\"><div class=\"muted\">\(e(m.messageClass.korean)) (\(e(m.messageClass.rawValue))) → \(m.channels.map { "<code>\(e($0))</code>" }.joined(separator: " "))</div>")
                    // Both languages: reviewers check that the two say the same thing.
                    for language in m.text.nonEmptyLanguages { w("<blockquote lang=\"\(language.rawValue)\">\(e(m.text[language]))</blockquote>") }
                    // The CAP block as it would be resolved (at the step's own level, before any district).
                    let mapping = manual.cap.map { $0.refined(by: m.cap) } ?? m.cap
                    let cap = CAPProfile.resolve(mapping: mapping, kind: m.messageClass, level: step.fromLevel, created: Date(timeIntervalSince1970: 0),
                                                 district: nil, headline: m.headline, instruction: m.instruction)
                    w("<div class=\"muted\">CAP: \(e(cap.category)) · \(e(t(cap.event))) · \(e(cap.urgency)) / \(e(cap.severity)) / \(e(cap.certainty))"
                      + ((cap.responseTypes ?? []).isEmpty ? "" : " · \(e(cap.responseTypes!.joined(separator: ", ")))")
                      + (cap.headline.map { " · \(e(t($0)))" } ?? "") + "</div>")
                    w("</div>")
                }
                w("</section>")
            }
        }
        w("</body></html>")
        return out
    }

    static let manualCSS = """
    .lvl { padding: 0 6px; border-radius: 3px; } .l1 { background: #dbe9ff; } .l2 { background: #fff1b8; } .l3 { background: #ffd8a8; } .l4 { background: #ffc9c9; }
    tr.phase th { background: #e8ecf0; }
    .step { border: 1px solid var(--line); border-radius: 6px; padding: 6px 12px; margin: 8px 0; break-inside: avoid; }
    .instructions { white-space: pre-wrap; } .template { margin-top: 6px; }
    a { color: inherit; }
    """
}
