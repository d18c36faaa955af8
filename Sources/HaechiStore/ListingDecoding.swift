import Foundation
import HaechiCore

/// A message record read for a listing only: what `haechi outbox list` shows and needs to
/// join it with its events, without building the texts, the CAP block, step, manual or
/// district as Swift values (a listing of a million messages spent most of its time there).
///
/// It reads the same bytes in the same way as `OutboxRecord.decodeDirectly` and fails
/// wherever that does (and in a few more places: any escape it would have to decode to check,
/// keys of other record kinds); a caller then decodes the line fully, so a line is listed,
/// skipped or counted bad exactly as before. Tests compare both paths.
public enum ListingRecord {
    /// The message with `text` reduced to "" or "·" per language (whether it posts in that
    /// language is all a listing needs), each post's text to "", and step, manual, district and
    /// cap left nil; and whether it is a correction. Nil: decode the line fully.
    public static func message(_ bytes: UnsafeBufferPointer<UInt8>) -> (message: OutboxMessage, isCorrection: Bool)? {
        var r = JSONBytes(bytes)
        var isCorrection: Bool?
        var id: String?, incident: String?, mode: Mode?, messageClass: MessageClass?, channels: [String]?
        var text: (ko: Bool, en: Bool)?, op: String?, created: Date?, needsApproval: Bool?, corrects: String?
        var posts: [OutboxPost]?
        let ok = r.object { key, r in
            switch key {
            case "record":
                guard let kind = r.plainString() else { return false }
                if kind.elementsEqual("message".utf8) { isCorrection = false }
                else if kind.elementsEqual("correct".utf8) { isCorrection = true }
                else { return false }
            case "id": id = r.string(); return id != nil
            case "incident": incident = r.optionalString(); return incident != nil || r.wasNull
            case "step", "manual", "district": return r.null() || r.validString() != nil
            case "mode": mode = r.string().flatMap(Mode.init(rawValue:)); return mode != nil
            case "kind": messageClass = r.string().flatMap(MessageClass.init(rawValue:)); return messageClass != nil
            case "channels": channels = r.strings(); return channels != nil
            case "text": text = r.validLocalized(); return text != nil
            case "operator": op = r.string(); return op != nil
            case "created": created = r.plainDate(); return created != nil
            case "needsApproval": needsApproval = r.bool(); return needsApproval != nil
            case "corrects": corrects = r.optionalString(); return corrects != nil || r.wasNull
            case "cap": return r.null() || r.validCapInfo()
            case "posts":
                if r.null() { return true }
                posts = r.listingPosts(); return posts != nil
            case "message", "at", "reason": return false
            default: return r.skip()
            }
            return true
        }
        guard ok, r.atEnd, let isCorrection, let id, let mode, let messageClass, let channels, let text, let op, let created,
              let needsApproval else { return nil }
        let m = OutboxMessage(id: id, incident: incident, mode: mode, kind: messageClass, channels: channels,
                              text: Localized(ko: text.ko ? "" : "·", en: text.en ? "" : "·"), operator: op, created: created,
                              needsApproval: needsApproval, corrects: corrects, posts: posts)
        return (m, isCorrection)
    }
}

extension JSONBytes {
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

    /// Reads a string as `string()` would, returning only whether it is empty; nil when
    /// `string()` would return nil. Only a string with escapes is built.
    mutating func validString() -> Bool? {
        space()
        let start = i
        if let bytes = plainString() { return bytes.isEmpty }
        i = start
        return string()?.isEmpty
    }

    /// `localized()`, as whether each text is empty.
    mutating func validLocalized() -> (ko: Bool, en: Bool)? {
        var ko: Bool?, en: Bool?
        let ok = object { key, r in
            switch key {
            case "ko": ko = r.validString(); return ko != nil
            case "en": en = r.validString(); return en != nil
            default: return r.skip()
            }
        }
        guard ok, let ko, let en else { return nil }
        return (ko, en)
    }

    /// `posts()`, with every text left "" (checked as `string()` would, not built).
    mutating func listingPosts() -> [OutboxPost]? {
        guard take(UInt8(ascii: "[")) else { return nil }
        var out: [OutboxPost] = []
        if take(UInt8(ascii: "]")) { return out }
        repeat {
            var channel: String?, counting: CountingRule?, language: Language?, length: Int?, limit: Int?, text = false
            let ok = object { key, r in
                switch key {
                case "channel": channel = r.string(); return channel != nil
                case "counting": counting = r.string().flatMap(CountingRule.init(rawValue:)); return counting != nil
                case "language": language = r.string().flatMap(Language.init(rawValue:)); return language != nil
                case "length": length = r.int(); return length != nil
                case "limit": limit = r.int(); return limit != nil
                case "text": text = r.validString() != nil; return text
                default: return r.skip()
                }
            }
            guard ok, text, let channel, let counting, let language, let length, let limit else { return nil }
            out.append(OutboxPost(channel: channel, language: language, text: "", length: length, limit: limit, counting: counting))
        } while take(UInt8(ascii: ","))
        return take(UInt8(ascii: "]")) ? out : nil
    }

    /// Whether `capInfo()` would read a CAP block here.
    mutating func validCapInfo() -> Bool {
        var category = false, event = false, urgency = false, severity = false, certainty = false
        let ok = object { key, r in
            switch key {
            case "category": category = r.validString() != nil; return category
            case "event": event = r.validLocalized() != nil; return event
            case "urgency": urgency = r.validString() != nil; return urgency
            case "severity": severity = r.validString() != nil; return severity
            case "certainty": certainty = r.validString() != nil; return certainty
            default: return r.skip()
            }
        }
        return ok && category && event && urgency && severity && certainty
    }

    /// `date()` for RecordCoding's own form without an escape; nil otherwise.
    mutating func plainDate() -> Date? {
        guard let bytes = plainString() else { return nil }
        if let date = Timestamp.parse(bytes: bytes) { return date }
        return RecordCoding.parseTimestamp(String(decoding: bytes, as: UTF8.self))
    }
}
