import Foundation
import Testing
@testable import HaechiStore
import HaechiCore
import HaechiTestSupport

/// The hand-written outbox reader (`OutboxRecord.read`, both forms) against JSONDecoder over
/// seeded generated records: as Haechi writes them, as another JSON writer might (spaces,
/// other key order, escaped slashes, unknown keys), and damaged byte by byte. The reader may
/// decline a line (JSONDecoder then decides), but whatever it reads must be exactly what
/// JSONDecoder reads, it must never read a line JSONDecoder refuses, and its listing form must
/// accept the same lines as its full form, with the same values less the texts.
/// Seconds of CPU (a minute in a debug build on a loaded machine): on its own thread, so it
/// never holds one of the shared pool's two threads while other tests' timers wait for one.
@Suite(.ownThread) struct RecordReaderAgreementTests {
    typealias Seeded = SeededRandom

    static let pieces = ["마포구 하천변 접근 금지", "Keep away", "", "say \"now\"", "back\\slash", "a/b", "tab\tline\nnext\r",
                         "제어\u{01}\u{1F}", "😀 🇰🇷 👨‍👩‍👧", "\u{2028}\u{202E}", "e\u{301}", " ", "[훈련] ", "{snow_cm}cm"]

    static func text(_ g: inout Seeded, maxPieces: Int = 3) -> String {
        (0..<Int.random(in: 0...maxPieces, using: &g)).map { _ in pieces.randomElement(using: &g)! }.joined()
    }

    static func optional(_ g: inout Seeded, _ make: (inout Seeded) -> String) -> String? {
        Bool.random(using: &g) ? nil : make(&g)
    }

    static func date(_ g: inout Seeded) -> Date {
        Date(timeIntervalSince1970: Double(Int64.random(in: 0...4_102_444_800_000, using: &g)) / 1000)
    }

    static func record(_ g: inout Seeded, n: Int) -> OutboxRecord {
        let id = Bool.random(using: &g) ? "m-2026112900\(n % 10_000)-\(String(n, radix: 16))" : "m-" + text(&g, maxPieces: 1) + "\(n)"
        switch Int.random(in: 0..<10, using: &g) {
        case 0: return .approve(message: id, operator: text(&g), at: date(&g))
        case 1: return .cancel(message: id, operator: text(&g), at: date(&g), reason: text(&g))
        default:
            let channels = ["x", "kakao", "mastodon", "webhook", "cbs", "bluesky", "nope"].filter { _ in Int.random(in: 0..<3, using: &g) == 0 }
            var cap: CAPInfo?
            if Bool.random(using: &g) {
                cap = CAPInfo(category: "Met", event: Localized(ko: text(&g), en: text(&g)), urgency: "Immediate", severity: text(&g),
                              certainty: "Likely")
                if Int.random(in: 0..<4, using: &g) == 0 {
                    // Issue 12's fuller block: the reader leaves it to JSONDecoder.
                    cap?.headline = Localized(ko: text(&g), en: text(&g))
                    cap?.msgType = .update
                    cap?.references = [CAPReference(identifier: "m-1", sent: date(&g))]
                }
            }
            let posts: [OutboxPost]? = Bool.random(using: &g) ? nil : channels.flatMap { c in
                Language.allCases.filter { _ in Bool.random(using: &g) }.map { l in
                    OutboxPost(channel: c, language: l, text: text(&g), length: Int.random(in: 0...400, using: &g),
                               limit: [90, 200, 280, 500][Int.random(in: 0..<4, using: &g)], counting: CountingRule.allCases.randomElement(using: &g)!)
                }
            }
            let m = OutboxMessage(id: id, incident: optional(&g) { "inc-" + text(&$0, maxPieces: 1) }, step: optional(&g) { text(&$0) },
                                  manual: optional(&g) { text(&$0) }, district: optional(&g) { text(&$0) },
                                  mode: Bool.random(using: &g) ? .live : .drill, kind: MessageClass.allCases.randomElement(using: &g)!,
                                  channels: channels, text: Localized(ko: text(&g), en: text(&g)), operator: text(&g), created: date(&g),
                                  needsApproval: Bool.random(using: &g), corrects: optional(&g) { "m-" + text(&$0, maxPieces: 1) },
                                  cap: cap, posts: posts)
            return Bool.random(using: &g) ? .message(m) : .correct(m)
        }
    }

    /// The listing form of a record, by its definition (`RecordForm.listing`).
    static func listingForm(_ record: OutboxRecord) -> OutboxRecord {
        func mark(_ s: String) -> String { s.isEmpty ? "" : "·" }
        func reduce(_ m: OutboxMessage) -> OutboxMessage {
            var m = m
            m.text = Localized(ko: mark(m.text.ko), en: mark(m.text.en))
            m.step = nil; m.manual = nil; m.district = nil; m.cap = nil
            m.posts = m.posts?.map { p in var p = p; p.text = mark(p.text); return p }
            return m
        }
        switch record {
        case .message(let m): return .message(reduce(m))
        case .correct(let m): return .correct(reduce(m))
        default: return record
        }
    }

    /// Another JSON writer's bytes for the same record: Foundation's JSONSerialization (other
    /// key order, `\/` for slashes), sometimes pretty-printed (spaces and newlines between
    /// tokens), sometimes with a key this reader does not know.
    static func foreign(_ bytes: [UInt8], _ g: inout Seeded) throws -> [UInt8] {
        var object = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        if Bool.random(using: &g) { object["zz_newer_writer"] = ["a": [1, 2.5, NSNull(), true] as [Any]] }
        let options: JSONSerialization.WritingOptions = Bool.random(using: &g) ? [.prettyPrinted] : []
        return Array(try JSONSerialization.data(withJSONObject: object, options: options))
    }

    /// Damage: a cut, or one byte replaced with a byte that matters to JSON (only ASCII bytes
    /// are replaced, so the damage is to the JSON, not to the UTF-8 of a text).
    static func damaged(_ bytes: [UInt8], _ g: inout Seeded) -> [UInt8] {
        var b = bytes
        if Int.random(in: 0..<4, using: &g) == 0 {
            return Array(b.prefix(Int.random(in: 0..<b.count, using: &g)))
        }
        let ascii = b.indices.filter { b[$0] < 0x80 }
        let at = ascii.randomElement(using: &g)!
        b[at] = Array(#""{}[],:\ 0123-.eEntfu/"#.utf8).randomElement(using: &g)!
        return b
    }

    struct Verdict { var read = 0, declined = 0, refusedByBoth = 0 }

    /// Checks one line's bytes; returns what the reader did.
    static func check(_ bytes: [UInt8], _ what: String, _ verdict: inout Verdict) {
        let decoded = try? RecordCoding.decoder().decode(OutboxRecord.self, from: Data(bytes))
        let (full, listing) = bytes.withUnsafeBufferPointer { (OutboxRecord.read($0, form: .full), OutboxRecord.read($0, form: .listing)) }
        #expect((full == nil) == (listing == nil), "\(what): the two forms accept the same lines: \(String(decoding: bytes, as: UTF8.self))")
        guard let full else {
            if decoded == nil { verdict.refusedByBoth += 1 } else { verdict.declined += 1 }
            return
        }
        verdict.read += 1
        #expect(decoded != nil, "\(what): read a line JSONDecoder refuses: \(String(decoding: bytes, as: UTF8.self))")
        if let decoded { #expect(full == decoded, "\(what): \(String(decoding: bytes, as: UTF8.self))") }
        if let listing { #expect(listing == listingForm(full), "\(what): listing form: \(String(decoding: bytes, as: UTF8.self))") }
    }

    @Test func readerAgreesWithJSONDecoderOnGeneratedRecords() throws {
        var g = Seeded(state: 0x4841_4543_4849)   // "HAECHI"
        var own = Verdict(), other = Verdict(), broken = Verdict()
        var fuller = 0
        for n in 0..<1000 {
            let record = Self.record(&g, n: n)
            let bytes = try RecordLog<OutboxRecord>.encode(record)
            #expect(bytes == Array(try RecordCoding.encoder().encode(record)), "the direct writer writes JSONEncoder's bytes")
            if case .message(let m) = record, m.cap?.references != nil { fuller += 1 }
            if case .correct(let m) = record, m.cap?.references != nil { fuller += 1 }
            Self.check(bytes, "own #\(n)", &own)
            Self.check(try Self.foreign(bytes, &g), "foreign #\(n)", &other)
            for k in 0..<3 { Self.check(Self.damaged(bytes, &g), "damaged #\(n).\(k)", &broken) }
        }
        // The fast path must actually be taken: only the fuller CAP blocks are left to JSONDecoder.
        #expect(own.declined == fuller && own.refusedByBoth == 0, "own records: \(own), \(fuller) with issue 12's CAP block")
        #expect(other.read > 700, "foreign writers' records are read too: \(other)")
        #expect(broken.refusedByBoth > 700 && broken.read > 70, "damage is refused, and some of it is still valid JSON: \(broken)")
    }
}

/// The one JSON string escaper, in both of its uses.
@Suite struct JSONStringTests {
    func written(_ s: String, otherControls: Bool) -> (String, Bool) {
        var out: [UInt8] = []
        let ok = JSONString.append(s, to: &out, otherControls: otherControls)
        return (String(decoding: out, as: UTF8.self), ok)
    }

    @Test func escapesAsJSONEncoderAndTheListingNeed() throws {
        let text = "인용 \"q\" 역\\슬래시 /\n\r\t끝 😀"
        let (listing, ok) = written(text, otherControls: true)
        #expect(ok && listing == #""인용 \"q\" 역\\슬래시 /\n\r\t끝 😀""#)
        #expect(written(text, otherControls: false) == (listing, true), "no other control: the same bytes")
        // JSONEncoder's own bytes for the same text: the record writer must match them.
        let encoded = String(decoding: try JSONEncoder().encode([text]), as: UTF8.self)
        #expect(encoded.replacingOccurrences(of: "\\/", with: "/") == "[\(listing)]")
        #expect(written("a\u{1}b\u{1F}", otherControls: true) == (#""a\u0001b\u001f""#, true))
        #expect(written("a\u{1}b", otherControls: false).1 == false, "the record writer steps aside for JSONEncoder")
        let back = try JSONDecoder().decode(String.self, from: Data(written("x\u{1}\u{7}\"\\\n", otherControls: true).0.utf8))
        #expect(back == "x\u{1}\u{7}\"\\\n")
    }
}
