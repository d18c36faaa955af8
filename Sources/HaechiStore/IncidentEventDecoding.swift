import Foundation
import HaechiCore

/// Journal lines read straight from their bytes. The TUI reads every journal to list incidents
/// on Home before its first frame (issue 11), follows the open one four times a second and
/// lists them again every two seconds; JSONDecoder was most of that (its first use in a process
/// alone, a third of a millisecond). Only a line of a known kind with every field it needs, of
/// the type `IncidentEvent`'s Codable form reads, is read here; anything else (an unknown kind,
/// a missing, null or mistyped field, a key twice, a stage or clock speed this version does
/// not know, a blank quiet-hours reason, a key it does not know, bytes that are not UTF-8)
/// returns nil, and
/// JSONDecoder reads the line as before: `.unknown` with what was wrong, or a bad line.
/// `IncidentEventReaderAgreementTests` holds the two readers to the same values.
extension IncidentEvent: DirectlyDecodable {
    public static func decodeDirectly(_ bytes: UnsafeBufferPointer<UInt8>) -> IncidentEvent? {
        // JSONDecoder refuses bytes that are not UTF-8; `String(decoding:)` below would repair them.
        if bytes.contains(where: { $0 >= 0x80 }), String(validating: bytes, as: UTF8.self) == nil { return nil }
        var r = JSONBytes(bytes)
        var seen: UInt32 = 0
        var kind: String?, incident: String?, at: Date?, op: String?
        var manual: String?, mode: Mode?, level: Int?, variables: [String: String]?, scenario: String?
        var step: String?, status: StepStatus?, text: String?, message: String?, inject: String?
        var speed: Int?, paused: Bool?, stage: String?, role: String?, assignee: String?, line: Int?, pinned: Bool?
        var channels: [String]?
        let ok = r.object { key, r in
            // A field present as null reads as absent, as `decodeIfPresent` reads it; the four
            // every line needs are checked after (a null there is JSONDecoder's error to give).
            func once(_ bit: UInt32) -> Bool {
                guard seen & (1 << bit) == 0 else { return false }
                seen |= 1 << bit
                return true
            }
            func optional<T>(_ bit: UInt32, _ value: inout T?, _ read: (inout JSONBytes) -> T?) -> Bool {
                guard once(bit) else { return false }
                if r.null() { return true }
                value = read(&r)
                return value != nil
            }
            switch key {
            case "kind": return optional(0, &kind) { $0.string() }
            case "incident": return optional(1, &incident) { $0.string() }
            case "at": return optional(2, &at) { $0.date() }
            case "operator": return optional(3, &op) { $0.string() }
            case "manual": return optional(4, &manual) { $0.string() }
            case "mode": return optional(5, &mode) { $0.oneOf(Mode.self) }
            case "level": return optional(6, &level) { $0.int() }
            case "variables": return optional(7, &variables) { $0.stringMap() }
            case "scenario": return optional(8, &scenario) { $0.string() }
            case "step": return optional(9, &step) { $0.string() }
            case "status": return optional(10, &status) { $0.oneOf(StepStatus.self) }
            case "text": return optional(11, &text) { $0.string() }
            case "message": return optional(12, &message) { $0.string() }
            case "inject": return optional(13, &inject) { $0.string() }
            case "speed": return optional(14, &speed) { $0.int() }
            case "paused": return optional(15, &paused) { $0.bool() }
            case "stage": return optional(16, &stage) { $0.string() }
            case "role": return optional(17, &role) { $0.string() }
            case "assignee": return optional(18, &assignee) { $0.string() }
            case "line": return optional(19, &line) { $0.int() }
            case "pinned": return optional(20, &pinned) { $0.bool() }
            case "channels": return optional(21, &channels) { $0.strings() }
            // A key no Haechi writes (a newer writer's): left to JSONDecoder with the line.
            default: return false
            }
        }
        guard ok, r.atEnd, let kind, let incident, let at, let op else { return nil }
        let s = Stamp(incident: incident, at: at, operator: op)
        // Each case as `IncidentEvent.decodeKnown` builds it; a nil here is a line it would
        // have turned into `.unknown`, which JSONDecoder then does.
        switch kind {
        case "opened":
            guard let manual, let mode else { return nil }
            let opening: AlertLevel
            if let level { guard let known = AlertLevel(rawValue: level) else { return nil }; opening = known } else { opening = .interest }
            return .opened(s, Opening(manual: manual, mode: mode, level: opening, variables: variables ?? [:], scenario: scenario))
        case "step":
            guard let step, let status else { return nil }
            return .step(s, StepChange(step: step, status: status, reason: text))
        case "note":
            guard let text else { return nil }
            return .note(s, StepNote(step: step, text: text))
        case "level":
            guard let level, let set = AlertLevel(rawValue: level) else { return nil }
            return .level(s, LevelSet(level: set, reason: text))
        case "stage":
            guard let stage, let set = DutyStage(name: stage) else { return nil }
            return .stage(s, StageSet(stage: set, reason: text))
        case "message":
            guard let message else { return nil }
            return .message(s, MessageQueued(message: message, step: step, text: text))
        case "inject":
            guard let inject else { return nil }
            var shown: AlertLevel?
            if let level { guard let known = AlertLevel(rawValue: level) else { return nil }; shown = known }
            return .inject(s, InjectShown(inject: inject, level: shown, text: text))
        case "closed":
            return .closed(s, summary: text)
        case "clock":
            guard let set = DrillClock.Speed(rawValue: speed ?? 1) else { return nil }
            return .clock(s, ClockSet(speed: set, paused: paused ?? false))
        case "role":
            guard let role, let assignee else { return nil }
            return .role(s, RoleAssigned(role: role, assignee: assignee))
        case "step-added":
            guard let step, let text else { return nil }
            return .stepAdded(s, StepAdded(step: step, title: text, role: role))
        case "pin":
            guard let line else { return nil }
            return .pin(s, Pin(line: line, pinned: pinned ?? true))
        case "quiet-hours":
            guard let message, let text, !QuietHoursOverride.kept(text).isEmpty else { return nil }
            return .quietHoursOverride(s, QuietHoursOverridden(message: message, step: step, reason: text, channels: channels ?? []))
        default:
            return nil
        }
    }
}

extension JSONBytes {
    /// `{"key": "value", …}` with string values and no key twice (which JSONDecoder would
    /// decide for itself), as `[String: String]`.
    mutating func stringMap() -> [String: String]? {
        var out: [String: String] = [:]
        var duplicate = false
        let ok = object { key, r in
            guard let value = r.string() else { return false }
            if out.updateValue(value, forKey: String(decoding: key.bytes, as: UTF8.self)) != nil { duplicate = true }
            return true
        }
        return ok && !duplicate ? out : nil
    }
}
