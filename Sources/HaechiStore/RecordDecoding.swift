import Foundation
import HaechiCore

/// Record types that can be read straight from a line's bytes without JSONDecoder.
///
/// JSONDecoder costs tens of microseconds per outbox record (most of it in generic containers
/// and ISO 8601 parsing), which made `verify` of a million records take half a minute. The
/// direct readers below handle the shape Haechi writes (RecordCoding: sorted keys, no spaces)
/// and any other valid JSON of that shape; when they cannot read a line, the caller falls back
/// to JSONDecoder, which either reads it or says precisely what is wrong. Both paths produce
/// the same values (tests check this).
public protocol DirectlyDecodable {
    static func decodeDirectly(_ bytes: UnsafeBufferPointer<UInt8>) -> Self?
}

extension OutboxRecord: DirectlyDecodable {
    public static func decodeDirectly(_ bytes: UnsafeBufferPointer<UInt8>) -> OutboxRecord? {
        var r = JSONBytes(bytes)
        var kind: String?
        var id: String?, incident: String?, step: String?, manual: String?, district: String?, mode: Mode?
        var messageClass: MessageClass?, channels: [String]?, text: Localized?, op: String?, created: Date?
        var needsApproval: Bool?, corrects: String?, cap: CAPInfo?, message: String?, at: Date?, reason: String?
        var posts: [OutboxPost]?
        var quiet: QuietHoursOverride?
        let ok = r.object { key, r in
            switch key {
            case "record": kind = r.string()
            case "id": id = r.string()
            case "incident": incident = r.optionalString(); return incident != nil || r.wasNull
            case "step": step = r.optionalString(); return step != nil || r.wasNull
            case "manual": manual = r.optionalString(); return manual != nil || r.wasNull
            case "district": district = r.optionalString(); return district != nil || r.wasNull
            case "mode": mode = r.string().flatMap(Mode.init(rawValue:))
            case "kind": messageClass = r.string().flatMap(MessageClass.init(rawValue:))
            case "channels": channels = r.strings()
            case "text": text = r.localized()
            case "operator": op = r.string()
            case "created": created = r.date()
            case "needsApproval": needsApproval = r.bool()
            case "corrects": corrects = r.optionalString(); return corrects != nil || r.wasNull
            case "cap":
                if r.null() { return true }
                cap = r.capInfo(); return cap != nil
            case "posts":
                if r.null() { return true }
                posts = r.posts(); return posts != nil
            case "quietHoursOverride":
                if r.null() { return true }
                quiet = r.quietHoursOverride(); return quiet != nil
            case "message": message = r.string()
            case "at": at = r.date()
            case "reason": reason = r.string()
            default: return r.skip()
            }
            return true
        }
        guard ok, r.atEnd, let kind else { return nil }
        switch kind {
        case "message", "correct":
            guard let id, let mode, let messageClass, let channels, let text, let op, let created, let needsApproval else { return nil }
            let m = OutboxMessage(id: id, incident: incident, step: step, manual: manual, district: district, mode: mode,
                                  kind: messageClass, channels: channels, text: text, operator: op, created: created,
                                  needsApproval: needsApproval, corrects: corrects, cap: cap, posts: posts,
                                  quietHoursOverride: quiet)
            return kind == "message" ? .message(m) : .correct(m)
        case "approve":
            guard let message, let op, let at else { return nil }
            return .approve(message: message, operator: op, at: at)
        case "cancel":
            guard let message, let op, let at else { return nil }
            return .cancel(message: message, operator: op, at: at, reason: reason ?? "")
        default: return nil
        }
    }
}

extension DeliveryRecord: DirectlyDecodable {
    public static func decodeDirectly(_ bytes: UnsafeBufferPointer<UInt8>) -> DeliveryRecord? {
        var r = JSONBytes(bytes)
        var kind: Kind?, message: String?, channel: String?, language: Language?, key: String?, at: Date?
        var attempt: Int?, remoteID: String?, next: Date?, reason: String?, endpoint: String?
        let ok = r.object { name, r in
            switch name {
            case "kind": kind = r.string().flatMap(Kind.init(rawValue:))
            case "message": message = r.string()
            case "channel": channel = r.string()
            case "language": language = r.string().flatMap(Language.init(rawValue:))
            case "key": key = r.string()
            case "at": at = r.date()
            case "attempt":
                if r.null() { return true }
                attempt = r.int(); return attempt != nil
            case "remoteID": remoteID = r.optionalString(); return remoteID != nil || r.wasNull
            case "next":
                if r.null() { return true }
                next = r.date(); return next != nil
            case "reason": reason = r.optionalString(); return reason != nil || r.wasNull
            case "endpoint": endpoint = r.optionalString(); return endpoint != nil || r.wasNull
            default: return r.skip()
            }
            return true
        }
        guard ok, r.atEnd, let kind, let message, let channel, let language, key != nil, let at else { return nil }
        return DeliveryRecord(kind: kind, message: message, channel: channel, language: language, at: at, attempt: attempt,
                              remoteID: remoteID, next: next, reason: reason, endpoint: endpoint)
    }
}

/// A forward-only JSON reader over bytes. Every method returns nil/false on anything it does
/// not expect, and the whole line then goes to JSONDecoder for the verdict.
struct JSONBytes {
    let p: UnsafeBufferPointer<UInt8>
    var i = 0
    /// Set by `optionalString` when the value was `null`.
    var wasNull = false

    init(_ p: UnsafeBufferPointer<UInt8>) { self.p = p }

    var atEnd: Bool { mutating get { space(); return i == p.count } }

    mutating func space() {
        while i < p.count, p[i] == 0x20 || p[i] == 0x0A || p[i] == 0x0D || p[i] == 0x09 { i += 1 }
    }

    mutating func take(_ byte: UInt8) -> Bool {
        space()
        guard i < p.count, p[i] == byte else { return false }
        i += 1
        return true
    }

    /// Reads `{ "key": value, … }`, calling `field` for each key; it must consume the value.
    /// Keys are compared as bytes, never made into Strings: that alone was a fifth of a verify.
    /// A key with an escape in it is not one of ours as far as this reader knows, so the
    /// line goes to JSONDecoder.
    mutating func object(_ field: (Key, inout JSONBytes) -> Bool) -> Bool {
        guard take(UInt8(ascii: "{")) else { return false }
        if take(UInt8(ascii: "}")) { return true }
        repeat {
            guard take(UInt8(ascii: "\"")) else { return false }
            let start = i
            while i < p.count, p[i] != UInt8(ascii: "\""), p[i] != UInt8(ascii: "\\") { i += 1 }
            guard i < p.count, p[i] == UInt8(ascii: "\"") else { return false }
            let key = Key(bytes: UnsafeBufferPointer(rebasing: p[start..<i]))
            i += 1
            guard take(UInt8(ascii: ":")) else { return false }
            space()
            guard field(key, &self) else { return false }
        } while take(UInt8(ascii: ","))
        return take(UInt8(ascii: "}"))
    }

    /// An object key as bytes, matched against string literals without allocating.
    struct Key {
        let bytes: UnsafeBufferPointer<UInt8>
        static func ~= (pattern: StaticString, key: Key) -> Bool {
            guard pattern.utf8CodeUnitCount == key.bytes.count else { return false }
            let literal = pattern.utf8Start
            for k in 0..<key.bytes.count where key.bytes[k] != literal[k] { return false }
            return true
        }
    }

    mutating func string() -> String? {
        guard take(UInt8(ascii: "\"")) else { return nil }
        let start = i
        skipPlain()
        guard i < p.count else { return nil }
        switch p[i] {
        case UInt8(ascii: "\""):
            let s = String(decoding: UnsafeBufferPointer(rebasing: p[start..<i]), as: UTF8.self)
            i += 1
            return s
        case UInt8(ascii: "\\"): i = start; return escapedString()
        default: return nil   // a control character
        }
    }

    /// Moves `i` to the next quote, backslash or control character (or the end), eight bytes
    /// at a time: message texts and posts are most of a record's bytes, and each byte of them
    /// used to take a loop turn of its own.
    mutating func skipPlain() {
        let n = p.count
        if let base = p.baseAddress {
            let raw = UnsafeRawPointer(base)
            let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
            while i + 8 <= n {
                let w = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                // Per byte: zero after xor with '"' or '\\', or below 0x20 (the classic
                // "has a byte less than n" test; bytes of 0x80 and up never count).
                let q = w ^ (ones &* 0x22), b = w ^ (ones &* 0x5C)
                let found = ((q &- ones) & ~q | (b &- ones) & ~b | (w &- ones &* 0x20) & ~w) & highs
                if found != 0 { break }
                i += 8
            }
        }
        while i < n {
            let c = p[i]
            if c == UInt8(ascii: "\"") || c == UInt8(ascii: "\\") || c < 0x20 { return }
            i += 1
        }
    }

    /// The slow path for strings with escapes: rare in Haechi's files.
    private mutating func escapedString() -> String? {
        var out: [UInt8] = []
        while i < p.count {
            let b = p[i]
            i += 1
            switch b {
            case UInt8(ascii: "\""): return String(decoding: out, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard i < p.count else { return nil }
                let e = p[i]
                i += 1
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "u"):
                    guard var scalar = hex4() else { return nil }
                    if (0xD800..<0xDC00).contains(scalar) {
                        guard i + 1 < p.count, p[i] == UInt8(ascii: "\\"), p[i + 1] == UInt8(ascii: "u") else { return nil }
                        i += 2
                        guard let low = hex4(), (0xDC00..<0xE000).contains(low) else { return nil }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let u = Unicode.Scalar(scalar) else { return nil }
                    out += Array(String(Character(u)).utf8)
                default: return nil
                }
            default:
                if b < 0x20 { return nil }
                out.append(b)
            }
        }
        return nil
    }

    private mutating func hex4() -> UInt32? {
        guard i + 4 <= p.count else { return nil }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = p[i]
            i += 1
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): v = v << 4 | UInt32(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): v = v << 4 | UInt32(c - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): v = v << 4 | UInt32(c - UInt8(ascii: "A") + 10)
            default: return nil
            }
        }
        return v
    }

    mutating func null() -> Bool {
        space()
        guard i + 4 <= p.count, p[i] == UInt8(ascii: "n"), p[i + 1] == UInt8(ascii: "u"), p[i + 2] == UInt8(ascii: "l"),
              p[i + 3] == UInt8(ascii: "l") else { return false }
        i += 4
        return true
    }

    mutating func optionalString() -> String? {
        wasNull = null()
        return wasNull ? nil : string()
    }

    mutating func bool() -> Bool? {
        space()
        if i + 4 <= p.count, p[i] == UInt8(ascii: "t"), p[i + 1] == UInt8(ascii: "r"), p[i + 2] == UInt8(ascii: "u"), p[i + 3] == UInt8(ascii: "e") {
            i += 4; return true
        }
        if i + 5 <= p.count, p[i] == UInt8(ascii: "f"), p[i + 1] == UInt8(ascii: "a"), p[i + 2] == UInt8(ascii: "l"),
           p[i + 3] == UInt8(ascii: "s"), p[i + 4] == UInt8(ascii: "e") {
            i += 5; return false
        }
        return nil
    }

    mutating func int() -> Int? {
        space()
        var negative = false
        if i < p.count, p[i] == UInt8(ascii: "-") { negative = true; i += 1 }
        let start = i
        var v = 0
        while i < p.count, p[i] >= UInt8(ascii: "0"), p[i] <= UInt8(ascii: "9") {
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(Int(p[i] - UInt8(ascii: "0")))
            if o1 || o2 { return nil }
            v = a
            i += 1
        }
        guard i > start else { return nil }
        // A fraction or exponent is not an Int: let JSONDecoder decide.
        if i < p.count, p[i] == UInt8(ascii: ".") || p[i] == UInt8(ascii: "e") || p[i] == UInt8(ascii: "E") { return nil }
        return negative ? -v : v
    }

    mutating func strings() -> [String]? {
        guard take(UInt8(ascii: "[")) else { return nil }
        var out: [String] = []
        if take(UInt8(ascii: "]")) { return out }
        repeat {
            guard let s = string() else { return nil }
            out.append(s)
        } while take(UInt8(ascii: ","))
        return take(UInt8(ascii: "]")) ? out : nil
    }

    mutating func localized() -> Localized? {
        var ko: String?, en: String?
        let ok = object { key, r in
            switch key {
            case "ko": ko = r.string(); return ko != nil
            case "en": en = r.string(); return en != nil
            default: return r.skip()
            }
        }
        guard ok, let ko, let en else { return nil }
        return Localized(ko: ko, en: en)
    }

    mutating func quietHoursOverride() -> QuietHoursOverride? {
        var reason: String?, channels: [String]?
        let ok = object { key, r in
            switch key {
            case "reason": reason = r.string(); return reason != nil
            case "channels": channels = r.strings(); return channels != nil
            default: return r.skip()
            }
        }
        guard ok, let reason, let channels else { return nil }
        return QuietHoursOverride(reason: reason, channels: channels)
    }

    mutating func capInfo() -> CAPInfo? {
        var category: String?, event: Localized?, urgency: String?, severity: String?, certainty: String?
        let ok = object { key, r in
            switch key {
            case "category": category = r.string(); return category != nil
            case "event": event = r.localized(); return event != nil
            case "urgency": urgency = r.string(); return urgency != nil
            case "severity": severity = r.string(); return severity != nil
            case "certainty": certainty = r.string(); return certainty != nil
            // The fuller CAP block of issue 12 (headline, area, references…) is left to
            // JSONDecoder: skipping it here would lose it.
            case "responseTypes", "headline", "instruction", "expires", "web", "area", "msgType", "references": return false
            default: return r.skip()
            }
        }
        guard ok, let category, let event, let urgency, let severity, let certainty else { return nil }
        return CAPInfo(category: category, event: event, urgency: urgency, severity: severity, certainty: certainty)
    }

    /// `[{"channel":…,"counting":…,"language":…,"length":…,"limit":…,"text":…}, …]`
    mutating func posts() -> [OutboxPost]? {
        guard take(UInt8(ascii: "[")) else { return nil }
        var out: [OutboxPost] = []
        if take(UInt8(ascii: "]")) { return out }
        repeat {
            guard let post = post() else { return nil }
            out.append(post)
        } while take(UInt8(ascii: ","))
        return take(UInt8(ascii: "]")) ? out : nil
    }

    mutating func post() -> OutboxPost? {
        var channel: String?, counting: CountingRule?, language: Language?, length: Int?, limit: Int?, text: String?
        let ok = object { key, r in
            switch key {
            case "channel": channel = r.string(); return channel != nil
            case "counting": counting = r.string().flatMap(CountingRule.init(rawValue:)); return counting != nil
            case "language": language = r.string().flatMap(Language.init(rawValue:)); return language != nil
            case "length": length = r.int(); return length != nil
            case "limit": limit = r.int(); return limit != nil
            case "text": text = r.string(); return text != nil
            default: return r.skip()
            }
        }
        guard ok, let channel, let counting, let language, let length, let limit, let text else { return nil }
        return OutboxPost(channel: channel, language: language, text: text, length: length, limit: limit, counting: counting)
    }

    /// `2026-11-29T06:32:10.123Z` (RecordCoding's form) read from its digits; anything else
    /// goes through RecordCoding.parseTimestamp.
    mutating func date() -> Date? {
        guard let s = string() else { return nil }
        return Timestamp.parse(s) ?? RecordCoding.parseTimestamp(s)
    }

    /// Skips any JSON value (for keys a newer writer added).
    mutating func skip() -> Bool {
        space()
        guard i < p.count else { return false }
        switch p[i] {
        case UInt8(ascii: "\""): return string() != nil
        case UInt8(ascii: "{"): return object { _, r in r.skip() }
        case UInt8(ascii: "["):
            i += 1
            if take(UInt8(ascii: "]")) { return true }
            repeat { guard skip() else { return false } } while take(UInt8(ascii: ","))
            return take(UInt8(ascii: "]"))
        case UInt8(ascii: "t"), UInt8(ascii: "f"): return bool() != nil
        case UInt8(ascii: "n"): return null()
        default:
            let start = i
            while i < p.count, "-+.eE0123456789".utf8.contains(p[i]) { i += 1 }
            return i > start
        }
    }
}

// Timestamp (RecordCoding's time form from digits) lives in HaechiCore/Records/Timestamp.swift:
// the TUI formats and parses it too, and Foundation's ISO 8601 styles page in ICU.
