import Foundation
import HaechiCore

/// Records that can write their own JSON, byte for byte what `RecordCoding.encoder()` writes
/// (sorted keys, no spaces, the same escapes and timestamps).
///
/// JSONEncoder took most of a durable append's CPU time (a new encoder, generic containers,
/// key sorting, ISO 8601 formatting), enough to keep appends well below the raw write+fsync
/// rate. Anything this writer is not sure about (control characters other than tab, CR and
/// LF) makes it return false, and JSONEncoder writes that record instead. A test checks that
/// both produce identical bytes.
public protocol DirectlyEncodable {
    func encodeDirectly(into out: inout [UInt8]) -> Bool
}

extension OutboxRecord: DirectlyEncodable {
    public func encodeDirectly(into out: inout [UInt8]) -> Bool {
        var w = JSONWriter(out: out)
        out = []
        defer { out = w.out }
        switch self {
        case .message(let m): return w.message(m, record: "message")
        case .correct(let m): return w.message(m, record: "correct")
        case .approve(let id, let op, let at):
            w.open()
            w.key("at"); w.date(at)
            w.key("message"); guard w.string(id) else { return false }
            w.key("operator"); guard w.string(op) else { return false }
            w.key("record"); _ = w.string("approve")
            w.close()
            return true
        case .cancel(let id, let op, let at, let reason):
            w.open()
            w.key("at"); w.date(at)
            w.key("message"); guard w.string(id) else { return false }
            w.key("operator"); guard w.string(op) else { return false }
            w.key("reason"); guard w.string(reason) else { return false }
            w.key("record"); _ = w.string("cancel")
            w.close()
            return true
        }
    }
}

struct JSONWriter {
    var out: [UInt8]
    private var first = true

    init(out: [UInt8]) { self.out = out }

    mutating func open() { out.append(UInt8(ascii: "{")); first = true }
    mutating func close() { out.append(UInt8(ascii: "}")); first = false }

    mutating func key(_ k: StaticString) {
        if !first { out.append(UInt8(ascii: ",")) }
        first = false
        out.append(UInt8(ascii: "\""))
        out.append(contentsOf: UnsafeBufferPointer(start: k.utf8Start, count: k.utf8CodeUnitCount))
        out.append(UInt8(ascii: "\""))
        out.append(UInt8(ascii: ":"))
    }

    /// False for a control character JSONEncoder might write differently from us.
    mutating func string(_ s: String) -> Bool { JSONString.append(s, to: &out, otherControls: false) }

    mutating func date(_ d: Date) { _ = string(Timestamp.format(d)) }

    mutating func strings(_ list: [String]) -> Bool {
        out.append(UInt8(ascii: "["))
        for (n, s) in list.enumerated() {
            if n > 0 { out.append(UInt8(ascii: ",")) }
            guard string(s) else { return false }
        }
        out.append(UInt8(ascii: "]"))
        return true
    }

    mutating func localized(_ l: Localized) -> Bool {
        open()
        key("en"); guard string(l.en) else { return false }
        key("ko"); guard string(l.ko) else { return false }
        close()
        return true
    }

    /// OutboxMessage's synthesized Codable keys plus `record`, in sorted order; nil optionals
    /// are left out, as JSONEncoder does.
    mutating func message(_ m: OutboxMessage, record: StaticString) -> Bool {
        open()
        if let cap = m.cap {
            // Only the five original fields are written here; a fuller CAP block (issue 12) goes
            // through JSONEncoder, which writes the same sorted form.
            guard cap.responseTypes == nil, cap.headline == nil, cap.instruction == nil, cap.expires == nil, cap.web == nil,
                  cap.area == nil, cap.msgType == nil, cap.references == nil else { return false }
            key("cap")
            open()
            key("category"); guard string(cap.category) else { return false }
            key("certainty"); guard string(cap.certainty) else { return false }
            key("event"); guard localized(cap.event) else { return false }
            key("severity"); guard string(cap.severity) else { return false }
            key("urgency"); guard string(cap.urgency) else { return false }
            close()
        }
        key("channels"); guard strings(m.channels) else { return false }
        if let c = m.corrects { key("corrects"); guard string(c) else { return false } }
        key("created"); date(m.created)
        if let d = m.district { key("district"); guard string(d) else { return false } }
        key("id"); guard string(m.id) else { return false }
        if let i = m.incident { key("incident"); guard string(i) else { return false } }
        key("kind"); _ = string(m.kind.rawValue)
        if let manual = m.manual { key("manual"); guard string(manual) else { return false } }
        key("mode"); _ = string(m.mode.rawValue)
        key("needsApproval"); out += m.needsApproval ? Array("true".utf8) : Array("false".utf8)
        key("operator"); guard string(m.operator) else { return false }
        if let posts = m.posts {
            key("posts")
            out.append(UInt8(ascii: "["))
            for (n, post) in posts.enumerated() {
                if n > 0 { out.append(UInt8(ascii: ",")) }
                open()
                key("channel"); guard string(post.channel) else { return false }
                key("counting"); _ = string(post.counting.rawValue)
                key("language"); _ = string(post.language.rawValue)
                key("length"); out += Array(String(post.length).utf8)
                key("limit"); out += Array(String(post.limit).utf8)
                key("text"); guard string(post.text) else { return false }
                close()
            }
            out.append(UInt8(ascii: "]"))
        }
        if let q = m.quietHoursOverride {
            key("quietHoursOverride")
            open()
            key("channels"); guard strings(q.channels) else { return false }
            key("reason"); guard string(q.reason) else { return false }
            close()
        }
        key("record"); out.append(UInt8(ascii: "\"")); out.append(contentsOf: UnsafeBufferPointer(start: record.utf8Start, count: record.utf8CodeUnitCount)); out.append(UInt8(ascii: "\""))
        if let s = m.step { key("step"); guard string(s) else { return false } }
        key("text"); guard localized(m.text) else { return false }
        close()
        return true
    }
}

/// A string as JSON, quoted and escaped: the one copy, for the records (which must match
/// JSONEncoder's bytes) and for `outbox list --json`.
public enum JSONString {
    /// A byte `append` does not copy as it is: a quote, a backslash or a control character.
    /// A writer that finds none in a string may copy the string whole (`outbox list --json`).
    @inlinable
    public static func escapes(_ b: UInt8) -> Bool { b < 0x20 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") }

    /// Appends `s` in quotes. Quote, backslash, newline, return and tab get their short
    /// escapes. Any other control character is written as `\u00XX` when `otherControls`; when
    /// not, false is returned there and `out` is left part-written (the record writer then
    /// steps aside for JSONEncoder, whose form for those it does not copy).
    @discardableResult
    public static func append(_ s: String, to out: inout [UInt8], otherControls: Bool) -> Bool {
        out.append(UInt8(ascii: "\""))
        var s = s
        let ok = s.withUTF8 { u -> Bool in
            var start = 0
            // Nearly every value needs no escaping and is copied whole.
            for (i, b) in u.enumerated() where escapes(b) {
                out.append(contentsOf: UnsafeBufferPointer(rebasing: u[start..<i]))
                start = i + 1
                switch b {
                case UInt8(ascii: "\""): out += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
                case UInt8(ascii: "\\"): out += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
                case 0x0A: out += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
                case 0x0D: out += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
                case 0x09: out += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
                default:
                    guard otherControls else { return false }
                    let hex: StaticString = "0123456789abcdef"
                    out += [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                            hex.utf8Start[Int(b >> 4)], hex.utf8Start[Int(b & 0xF)]]
                }
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: u[start...]))
            return true
        }
        if ok { out.append(UInt8(ascii: "\"")) }
        return ok
    }
}
