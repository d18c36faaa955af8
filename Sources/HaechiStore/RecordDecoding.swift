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

/// How much of a message record the reader builds: everything, or what a listing shows.
public enum RecordForm: Sendable {
    /// Every field, as JSONDecoder would give it.
    case full
    /// For `haechi outbox list`: each text (the message's per language, each post's) reduced to
    /// "" when empty and "·" when not (whether it posts in that language is all a listing
    /// needs), and step, manual, district and the CAP block left nil. Everything is still
    /// checked exactly as `.full` checks it, so a line is accepted, declined (left to
    /// JSONDecoder) or refused in both forms alike; only fewer Strings are built (a listing of
    /// a million messages spent most of its time building texts nobody sees).
    case listing

    var builds: Bool { self == .full }
}

extension OutboxRecord: DirectlyDecodable {
    public static func decodeDirectly(_ bytes: UnsafeBufferPointer<UInt8>) -> OutboxRecord? { read(bytes, form: .full) }

    /// The one hand-written reader of outbox records, in either form; nil when the bytes are
    /// not the shape it knows (the caller then asks JSONDecoder, which reads them or says what
    /// is wrong). The outbox screen, the report and `outbox list` all read records here.
    public static func read(_ bytes: UnsafeBufferPointer<UInt8>, form: RecordForm) -> OutboxRecord? {
        let build = form.builds
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
            case "step": return r.optionalText(&step, build: build)
            case "manual": return r.optionalText(&manual, build: build)
            case "district": return r.optionalText(&district, build: build)
            case "mode": mode = r.oneOf(Mode.self)
            case "kind": messageClass = r.oneOf(MessageClass.self)
            case "channels": channels = r.strings()
            case "text": text = r.localized(build: build)
            case "operator": op = r.string()
            case "created": created = r.date()
            case "needsApproval": needsApproval = r.bool()
            case "corrects": corrects = r.optionalString(); return corrects != nil || r.wasNull
            case "cap":
                if r.null() { return true }
                let read = r.capInfo(build: build)
                cap = read.value
                return read.valid
            case "posts":
                if r.null() { return true }
                posts = r.posts(build: build); return posts != nil
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

    /// A string's bytes when it has no escapes; nil (like `string()`) when it is not a valid
    /// string, and nil too when it has an escape.
    mutating func plainString() -> UnsafeBufferPointer<UInt8>? {
        guard take(UInt8(ascii: "\"")) else { return nil }
        let start = i
        skipPlain()
        guard i < p.count, p[i] == UInt8(ascii: "\"") else { return nil }
        i += 1
        return UnsafeBufferPointer(rebasing: p[start..<(i - 1)])
    }

    /// A string that must be one of an enum's raw values, matched on its bytes: a million
    /// records' languages, counting rules, modes and kinds made into Strings first showed in
    /// the listing's profile. A string with escapes is made into a String and looked up.
    mutating func oneOf<E: CaseIterable & RawRepresentable>(_: E.Type) -> E? where E.RawValue == String {
        space()
        let start = i
        guard let bytes = plainString() else {
            i = start
            return string().flatMap(E.init(rawValue:))
        }
        for value in E.allCases {
            var raw = value.rawValue
            if raw.withUTF8({ $0.elementsEqual(bytes) }) { return value }
        }
        return nil
    }

    /// A text in the reader's form (`RecordForm`): the string itself, or "" / "·" for empty /
    /// not empty, checked exactly as `string()` checks it (only a text with escapes is built).
    mutating func text(build: Bool) -> String? {
        if build { return string() }
        space()
        let start = i
        if let bytes = plainString() { return bytes.isEmpty ? "" : "·" }
        i = start
        return string().map { $0.isEmpty ? "" : "·" }
    }

    /// `optionalString()` for a field the listing form leaves nil; false when not valid.
    mutating func optionalText(_ value: inout String?, build: Bool) -> Bool {
        if null() { return true }
        guard let text = text(build: build) else { return false }
        if build { value = text }
        return true
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

    /// An integer in JSON's grammar (no leading zeros, no `+`); nil for anything else,
    /// including a fraction or an exponent (JSONDecoder then decides whether it is an Int).
    mutating func int() -> Int? {
        space()
        var negative = false
        if i < p.count, p[i] == UInt8(ascii: "-") { negative = true; i += 1 }
        guard i < p.count, p[i] >= UInt8(ascii: "0"), p[i] <= UInt8(ascii: "9") else { return nil }
        if p[i] == UInt8(ascii: "0") {
            i += 1
            // `01` is not JSON: JSONDecoder refuses it, so this reader must not read it as 1.
            if i < p.count, p[i] >= UInt8(ascii: "0"), p[i] <= UInt8(ascii: "9") { return nil }
            if i < p.count, p[i] == UInt8(ascii: ".") || p[i] == UInt8(ascii: "e") || p[i] == UInt8(ascii: "E") { return nil }
            return 0
        }
        var v = 0
        while i < p.count, p[i] >= UInt8(ascii: "0"), p[i] <= UInt8(ascii: "9") {
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(Int(p[i] - UInt8(ascii: "0")))
            if o1 || o2 { return nil }
            v = a
            i += 1
        }
        // A fraction or exponent is not an Int: let JSONDecoder decide.
        if i < p.count, p[i] == UInt8(ascii: ".") || p[i] == UInt8(ascii: "e") || p[i] == UInt8(ascii: "E") { return nil }
        return negative ? -v : v
    }

    /// Moves past a number in JSON's grammar: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
    mutating func skipNumber() -> Bool {
        func digits() -> Int {
            let start = i
            while i < p.count, p[i] >= UInt8(ascii: "0"), p[i] <= UInt8(ascii: "9") { i += 1 }
            return i - start
        }
        if i < p.count, p[i] == UInt8(ascii: "-") { i += 1 }
        guard i < p.count else { return false }
        if p[i] == UInt8(ascii: "0") { i += 1 } else if digits() == 0 { return false }
        if i < p.count, p[i] == UInt8(ascii: ".") {
            i += 1
            guard digits() > 0 else { return false }
        }
        if i < p.count, p[i] == UInt8(ascii: "e") || p[i] == UInt8(ascii: "E") {
            i += 1
            if i < p.count, p[i] == UInt8(ascii: "+") || p[i] == UInt8(ascii: "-") { i += 1 }
            guard digits() > 0 else { return false }
        }
        return true
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

    mutating func localized(build: Bool = true) -> Localized? {
        var ko: String?, en: String?
        let ok = object { key, r in
            switch key {
            case "ko": ko = r.text(build: build); return ko != nil
            case "en": en = r.text(build: build); return en != nil
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

    /// A CAP block: whether it is one this reader knows, and the block when `build`.
    mutating func capInfo(build: Bool) -> (valid: Bool, value: CAPInfo?) {
        var category: String?, event: Localized?, urgency: String?, severity: String?, certainty: String?
        let ok = object { key, r in
            switch key {
            case "category": category = r.text(build: build); return category != nil
            case "event": event = r.localized(build: build); return event != nil
            case "urgency": urgency = r.text(build: build); return urgency != nil
            case "severity": severity = r.text(build: build); return severity != nil
            case "certainty": certainty = r.text(build: build); return certainty != nil
            // The fuller CAP block of issue 12 (headline, area, references…) is left to
            // JSONDecoder: skipping it here would lose it.
            case "responseTypes", "headline", "instruction", "expires", "web", "area", "msgType", "references": return false
            default: return r.skip()
            }
        }
        guard ok, let category, let event, let urgency, let severity, let certainty else { return (false, nil) }
        return (true, build ? CAPInfo(category: category, event: event, urgency: urgency, severity: severity, certainty: certainty) : nil)
    }

    /// `[{"channel":…,"counting":…,"language":…,"length":…,"limit":…,"text":…}, …]`
    mutating func posts(build: Bool = true) -> [OutboxPost]? {
        guard take(UInt8(ascii: "[")) else { return nil }
        var out: [OutboxPost] = []
        if take(UInt8(ascii: "]")) { return out }
        repeat {
            guard let post = post(build: build) else { return nil }
            out.append(post)
        } while take(UInt8(ascii: ","))
        return take(UInt8(ascii: "]")) ? out : nil
    }

    mutating func post(build: Bool = true) -> OutboxPost? {
        var channel: String?, counting: CountingRule?, language: Language?, length: Int?, limit: Int?, text: String?
        let ok = object { key, r in
            switch key {
            case "channel": channel = r.string(); return channel != nil
            case "counting": counting = r.oneOf(CountingRule.self); return counting != nil
            case "language": language = r.oneOf(Language.self); return language != nil
            case "length": length = r.int(); return length != nil
            case "limit": limit = r.int(); return limit != nil
            case "text": text = r.text(build: build); return text != nil
            default: return r.skip()
            }
        }
        guard ok, let channel, let counting, let language, let length, let limit, let text else { return nil }
        return OutboxPost(channel: channel, language: language, text: text, length: length, limit: limit, counting: counting)
    }

    /// `2026-11-29T06:32:10.123Z` (RecordCoding's form) read from its digits; anything else
    /// goes through RecordCoding.parseTimestamp.
    mutating func date() -> Date? {
        space()
        let start = i
        if let bytes = plainString() {
            // The usual case, read from the bytes without making a String.
            return Timestamp.parse(bytes: bytes) ?? RecordCoding.parseTimestamp(String(decoding: bytes, as: UTF8.self))
        }
        i = start
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
        default: return skipNumber()
        }
    }
}

// Timestamp (RecordCoding's time form from digits) lives in HaechiCore/Records/Timestamp.swift:
// the TUI formats and parses it too, and Foundation's ISO 8601 styles page in ICU.
