/// Escaping for HTML and SVG output. Every piece of text that comes from a manual, a journal or
/// an operator goes through here: a note reading `<script>` must print as text, in a page that
/// may be opened in a browser with access to the city's intranet.
enum HTMLText {
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count + 8)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\n", "\t": out.unicodeScalars.append(scalar)
            default:
                // Control characters are invalid in XML (the SVG) and invisible in HTML: drop them.
                if scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) { continue }
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Shared print-friendly base style for the report and the manual page.
    static let baseCSS = """
    :root { --ink:#1b1f24; --muted:#5b6570; --line:#d5dbe1; --ok:#1f7a3a; --late:#c26a00; --bad:#b3261e; --na:#8a939c; --drill:#6a2fb0; --live:#b3261e; }
    * { box-sizing: border-box; }
    body { font: 14px/1.45 system-ui, "Noto Sans KR", "Apple SD Gothic Neo", "Malgun Gothic", sans-serif; color: var(--ink); margin: 24px auto; max-width: 1100px; padding: 0 16px; }
    h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 2px solid var(--line); padding-bottom: 4px; }
    h3 { font-size: 15px; margin: 18px 0 6px; }
    table { border-collapse: collapse; width: 100%; margin: 6px 0 12px; }
    th, td { text-align: left; vertical-align: top; padding: 4px 8px; border-bottom: 1px solid var(--line); }
    th { background: #f3f5f7; font-weight: 600; }
    code { font: 12px ui-monospace, "DejaVu Sans Mono", monospace; background: #f3f5f7; padding: 0 3px; border-radius: 3px; }
    .muted { color: var(--muted); } .num { font-variant-numeric: tabular-nums; white-space: nowrap; }
    .badge { display: inline-block; padding: 2px 10px; border-radius: 4px; color: #fff; font-weight: 700; letter-spacing: .05em; }
    .badge.drill { background: var(--drill); } .badge.live { background: var(--live); }
    .on-time { color: var(--ok); } .late { color: var(--late); } .skipped, .not-done, .dead, .unknown { color: var(--bad); } .n\\/a { color: var(--na); }
    .cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(170px, 1fr)); gap: 10px; margin: 12px 0; }
    .card { border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; break-inside: avoid; }
    .card .big { font-size: 22px; font-weight: 700; } .card .label { color: var(--muted); font-size: 12px; }
    blockquote { margin: 4px 0; padding: 4px 10px; border-left: 3px solid var(--line); background: #fafbfc; white-space: pre-wrap; }
    svg { width: 100%; height: auto; } svg text { font: 11px system-ui, "Noto Sans KR", sans-serif; fill: var(--ink); }
    @media print { body { margin: 0; max-width: none; font-size: 11px; } h2 { break-after: avoid; } tr, .message, svg { break-inside: avoid; } a { color: inherit; } }
    """
}
