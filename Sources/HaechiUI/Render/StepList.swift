import Foundation
import HaechiCore

/// A row of a step list: a phase heading or a numbered step. Shared by Checklist and Review.
public enum StepRow: Sendable, Hashable {
    case phase(title: Localized, number: Int, manual: Localized?)
    case step(Step, number: String, manualID: String)

    public var step: Step? { if case .step(let s, _, _) = self { s } else { nil } }
}

/// Where the list and the details pane go: side by side when there is room (≥ 110 columns),
/// otherwise the details below the list.
public struct SplitLayout: Sendable, Hashable {
    public var listX: Int, listY: Int, listWidth: Int, listHeight: Int
    public var detailsX: Int, detailsY: Int, detailsWidth: Int, detailsHeight: Int
    public var sideBySide: Bool

    /// `top` is the first row below the screen's own header lines.
    /// `listNeeds`: the list width its rows need to show whole (the checklist's roles); the
    /// side-by-side list widens to it up to two thirds of the screen, else the panes stack.
    public init(width: Int, height: Int, top: Int, listNeeds: Int = 0) {
        let bottom = height - 2  // message line
        let rows = bottom - top
        if width >= 110 && listNeeds <= width * 2 / 3 {
            sideBySide = true
            listX = 0; listY = top; listWidth = max(width * 11 / 20, listNeeds); listHeight = rows
            detailsX = listWidth + 1; detailsY = top; detailsWidth = width - listWidth - 2; detailsHeight = rows
        } else {
            sideBySide = false
            let detailRows = max(5, rows * 2 / 5)
            listX = 0; listY = top; listWidth = width; listHeight = rows - detailRows - 1
            detailsX = 1; detailsY = top + listHeight + 1; detailsWidth = width - 2; detailsHeight = detailRows
        }
    }

    public func drawSeparator(into c: inout Canvas) {
        if sideBySide {
            for y in listY..<(listY + listHeight) { c.put("│", x: listWidth, y: y, style: Style(.dim)) }
        } else {
            c.hline(y: listY + listHeight)
        }
    }
}

/// The details of a step: instructions, role, target, contacts, message template, and (on a
/// checklist) its status history and notes.
public enum StepDetails {
    public static func lines(_ step: Step, number: String, manual: Manual?, incident: Incident?, app: AppState, width: Int) -> [(String, Style)] {
        var out: [(String, Style)] = []
        func add(_ text: String, _ style: Style = .normal) {
            for l in text.wrapped(to: width) { out.append((l, style)) }
        }
        add("\(number) \(app.t(step.title))", Style(.title, bold: true))
        let other = app.language == .ko ? step.title.en : step.title.ko
        if !other.isEmpty { add(other, Style(.dim)) }
        add(app.t("담당 ", "Role ") + app.t(step.role) + " · " + app.t("목표 ", "Target ")
            + app.t("\(step.targetMinutes)분 이내", "within \(step.targetMinutes) min") + " · " + app.t("적용 ", "From ") + step.fromLevel.name(app.language)
            + (step.fromStage.map { app.t(" 또는 시 ", " or city ") + $0.name(app.language) } ?? ""),
            Style(.dim))
        if let incident, let holder = incident.holder(of: step.role.ko) {
            add(app.t("담당자 ", "Held by ") + holder.assignee + " (" + Format.time(holder.at, app.timeZone) + " " + holder.by
                + (holder.previous.map { app.t(", \($0)에게서 인계", ", handed over from \($0)") } ?? "") + ")", Style(.title))
        }
        // The status line is always there, so the instructions below start on the same row for
        // every step and moving the selection repaints only what differs.
        if let incident {
            let status = incident.status(of: step.id)
            var line = app.t("상태 ", "Status ") + app.t(StatusText.localized(status))
            if let p = incident.progress[step.id] { line += " (\(p.by) \(Format.time(p.at, app.timeZone)))" }
            if let reason = incident.progress[step.id]?.reason, !reason.isEmpty { line += " · " + app.t("사유: ", "reason: ") + reason }
            var style = Style(status == .todo ? .normal : .dim)
            let timing = incident.timing(of: step, now: app.now)
            switch timing.verdict {
            case .overdue(let late):
                line += " · " + app.t("지연 ", "OVERDUE by ") + Format.minutes(late)
                style = Style(.overdue, bold: true)
            case .late(let late):
                line += " · " + app.t("목표보다 ", "late by ") + Format.minutes(late) + app.t(" 늦게 완료", "")
                style = Style(.overdue)
            default:
                break
            }
            if let due = timing.deadline, let from = timing.appliesFrom, from > 0, timing.verdict == .pending {
                // Brought in by a level change: its target counts from then, not from the opening.
                line += " · " + app.t("기한 T+", "due T+") + Format.minutes(due)
            }
            add(line, style)
        }
        // Notes come before the instructions: the officer taking over needs them first.
        if let incident, let notes = incident.notes[step.id], !notes.isEmpty {
            add(app.t("메모", "Notes") + " (\(notes.count))", Style(.title, bold: true))
            for note in notes { add("\(Format.time(note.at, app.timeZone)) \(note.by): \(note.text)") }
        }
        out.append(("", .normal))
        add(app.t(step.instructions))
        if !step.legalBasis.isEmpty {
            add(app.t("근거 ", "Legal basis ") + step.legalBasis.map { $0.text(app.language) }.joined(separator: ", "), Style(.dim))
        }
        if !step.contacts.isEmpty {
            out.append(("", .normal))
            add(app.t("연락처", "Contacts"), Style(.title, bold: true))
            for contact in step.contacts {
                var line = "  " + app.t(contact.name) + "  " + contact.phone
                if contact.allHours == true { line += app.t(" (24시간)", " (24 h)") }
                if let role = contact.role { line += " · " + app.t(role) }
                add(line)
            }
        }
        for (label, places) in [(Localized(ko: "대피장소", en: "Shelters"), step.shelters), (Localized(ko: "통제 구간", en: "Closures"), step.closures)] where !places.isEmpty {
            add(app.t(label) + ": " + places.map { app.t($0.name) }.joined(separator: ", "))
        }
        if let message = step.message {
            out.append(("", .normal))
            add(app.t("메시지 ", "Message ") + "[\(message.messageClass.korean)] → " + message.channels.joined(separator: ", ")
                + (incident == nil ? "" : app.t("  (m: 작성)", "  (m: compose)")), Style(.title, bold: true))
            add(app.t(message.text), Style(.dim))
            if message.authority != nil || !message.area.isEmpty {
                let area = message.area.map(MessageArea.name(code:)).map { app.t($0) }.joined(separator: ", ")
                add(app.t("송출 ", "Sent by ") + (message.authority.map { app.t($0.name) } ?? "-")
                    + (area.isEmpty ? "" : app.t(" · 대상 ", " · to ") + area), Style(.dim))
            }
        }
        if let location = step.location { add(location.description, Style(.dim)) }
        return out
    }

    public static func draw(_ lines: [(String, Style)], scroll: Int, x: Int, y: Int, width: Int, height: Int, into c: inout Canvas) {
        let start = max(0, min(scroll, max(0, lines.count - height)))
        for (i, line) in lines.dropFirst(start).prefix(height).enumerated() {
            c.put(line.0, x: x, y: y + i, style: line.1, maxWidth: width)
        }
        if lines.count > height {
            let more = start + height < lines.count ? "↓ J" : "   "
            c.put(more, x: x + width - 3, y: y + height - 1, style: Style(.dim))
        }
    }
}
