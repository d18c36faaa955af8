import Foundation
import Testing
@testable import HaechiStore
import HaechiCore
import HaechiTestSupport

/// The hand-written journal reader (`IncidentEvent.decodeDirectly`) against JSONDecoder over
/// seeded generated events of every kind: as Haechi writes them, as another JSON writer might
/// (other key order, spaces, `\/`, a field written as null, a key it does not know), damaged
/// byte by byte, and the lines JSONDecoder turns into `.unknown` (a missing or mistyped field,
/// a stage or speed this version does not know). The reader may decline a line (JSONDecoder
/// then decides), but whatever it reads must be exactly what JSONDecoder reads, and it must
/// never read a line JSONDecoder refuses or keeps as `.unknown`.
@Suite(.ownThread) struct IncidentEventReaderAgreementTests {
    typealias Seeded = SeededRandom
    static let pieces = RecordReaderAgreementTests.pieces

    static func text(_ g: inout Seeded, maxPieces: Int = 3) -> String { RecordReaderAgreementTests.text(&g, maxPieces: maxPieces) }
    static func optional(_ g: inout Seeded, _ make: (inout Seeded) -> String) -> String? { RecordReaderAgreementTests.optional(&g, make) }

    static func event(_ g: inout Seeded, n: Int) -> IncidentEvent {
        let s = IncidentEvent.Stamp(incident: Bool.random(using: &g) ? "20261201-0900\(n % 100)-earthquake-0001" : "inc-" + text(&g, maxPieces: 1),
                                    at: RecordReaderAgreementTests.date(&g), operator: text(&g))
        switch Int.random(in: 0..<14, using: &g) {
        case 0:
            // Variable ids as manuals declare them (a key with an escape is left to JSONDecoder).
            let variables = Dictionary((0..<Int.random(in: 0...3, using: &g)).map { _ in
                (["district", "location", "shelter", "지점", "a/b"].randomElement(using: &g)!, text(&g))
            }, uniquingKeysWith: { a, _ in a })
            return .opened(s, .init(manual: text(&g, maxPieces: 1) + "m", mode: Mode.allCases.randomElement(using: &g)!,
                                    level: AlertLevel.allCases.randomElement(using: &g)!, variables: variables,
                                    scenario: optional(&g) { text(&$0) }))
        case 1: return .step(s, .init(step: text(&g), status: StepStatus.allCases.randomElement(using: &g)!, reason: optional(&g) { text(&$0) }))
        case 2: return .note(s, .init(step: optional(&g) { text(&$0) }, text: text(&g)))
        case 3: return .level(s, .init(level: AlertLevel.allCases.randomElement(using: &g)!, reason: optional(&g) { text(&$0) }))
        case 4: return .stage(s, .init(stage: DutyStage.allCases.randomElement(using: &g)!, reason: optional(&g) { text(&$0) }))
        case 5: return .message(s, .init(message: "m-" + text(&g, maxPieces: 1), step: optional(&g) { text(&$0) }, text: optional(&g) { text(&$0) }))
        case 6:
            return .inject(s, .init(inject: text(&g, maxPieces: 1) + "i", level: Bool.random(using: &g) ? nil : AlertLevel.allCases.randomElement(using: &g)!,
                                    text: optional(&g) { text(&$0) }))
        case 7: return .closed(s, summary: optional(&g) { text(&$0) })
        case 8: return .clock(s, .init(speed: DrillClock.Speed.allCases.randomElement(using: &g)!, paused: Bool.random(using: &g)))
        case 9: return .role(s, .init(role: text(&g, maxPieces: 1), assignee: text(&g)))
        case 10: return .stepAdded(s, .init(step: "added-" + text(&g, maxPieces: 1), title: text(&g), role: optional(&g) { text(&$0) }))
        case 11: return .pin(s, .init(line: Int.random(in: 0...5000, using: &g), pinned: Bool.random(using: &g)))
        case 12:
            return .quietHoursOverride(s, .init(message: "m-\(n)", step: optional(&g) { text(&$0) }, reason: "야간 긴급 " + text(&g),
                                                channels: ["x", "cbs", "kakao"].filter { _ in Bool.random(using: &g) }))
        default:
            return .unknown(s, .init(kind: "newer-kind-\(n % 3)", problem: "unknown kind 'newer-kind-\(n % 3)'",
                                     fields: ["text": .string(text(&g)), "weight": .number(Double(n))]))
        }
    }

    /// Another writer's bytes: JSONSerialization (other key order, `\/`), sometimes pretty, sometimes
    /// with an optional field written as null or a key this reader does not know.
    static func foreign(_ bytes: [UInt8], _ g: inout Seeded) throws -> [UInt8] {
        var object = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        for key in ["text", "step", "scenario", "level", "role", "channels"] where object[key] == nil && Int.random(in: 0..<4, using: &g) == 0 {
            object[key] = NSNull()
        }
        if Int.random(in: 0..<5, using: &g) == 0 { object["zz_newer_writer"] = ["a": [1, 2.5, NSNull(), true] as [Any]] }
        let options: JSONSerialization.WritingOptions = Bool.random(using: &g) ? [.prettyPrinted] : []
        return Array(try JSONSerialization.data(withJSONObject: object, options: options))
    }

    struct Verdict { var read = 0, declined = 0, refusedByBoth = 0 }

    static func check(_ bytes: [UInt8], _ what: String, _ verdict: inout Verdict) {
        let decoded = try? RecordCoding.decoder().decode(IncidentEvent.self, from: Data(bytes))
        let direct = bytes.withUnsafeBufferPointer { IncidentEvent.decodeDirectly($0) }
        guard let direct else {
            if decoded == nil { verdict.refusedByBoth += 1 } else { verdict.declined += 1 }
            return
        }
        verdict.read += 1
        #expect(decoded == direct, "\(what): \(String(decoding: bytes, as: UTF8.self))")
        if case .unknown = direct { Issue.record("\(what): the direct reader never makes .unknown") }
    }

    @Test func readerAgreesWithJSONDecoderOnGeneratedEvents() throws {
        var g = Seeded(state: 0x4A4F_5552_4E41_4C)   // "JOURNAL"
        var own = Verdict(), other = Verdict(), broken = Verdict()
        var unknown = 0
        for n in 0..<1400 {
            let event = Self.event(&g, n: n)
            if case .unknown = event { unknown += 1 }
            let bytes = try RecordLog<IncidentEvent>.encode(event)
            Self.check(bytes, "own #\(n)", &own)
            Self.check(try Self.foreign(bytes, &g), "foreign #\(n)", &other)
            for k in 0..<3 { Self.check(RecordReaderAgreementTests.damaged(bytes, &g), "damaged #\(n).\(k)", &broken) }
        }
        // The fast path is taken for every line Haechi writes of a known kind.
        #expect(own.declined == unknown && own.refusedByBoth == 0 && own.read == 1400 - unknown, "own: \(own), \(unknown) unknown kinds")
        #expect(other.read > 900, "other writers' lines are read too: \(other)")
        #expect(broken.refusedByBoth > 1000 && broken.read > 100, "damage is refused, and some of it is still valid JSON: \(broken)")
    }

    /// Lines JSONDecoder keeps as `.unknown` or refuses, and a few it reads that this reader
    /// leaves to it: each one is declined, never read differently.
    @Test func linesTheReaderLeavesToJSONDecoder() throws {
        let stamp = #""at":"2026-12-01T09:00:00.000Z","incident":"i-1","operator":"kim""#
        let declined: [String] = [
            #"{"kind":"stage",\#(stamp),"stage":"4단계"}"#,                 // a stage this version does not know
            #"{"kind":"clock",\#(stamp),"speed":3,"paused":false}"#,        // a speed it does not offer
            #"{"kind":"level",\#(stamp),"level":2.0}"#,                     // a number JSONDecoder decides about
            #"{"kind":"level",\#(stamp),"level":7}"#,
            #"{"kind":"step",\#(stamp),"step":"a","status":"finished"}"#,
            #"{"kind":"step",\#(stamp),"step":"a"}"#,                       // a field it needs, missing
            #"{"kind":"note",\#(stamp),"text":null}"#,
            #"{"kind":"quiet-hours",\#(stamp),"message":"m","text":"  ","channels":[]}"#,
            #"{"kind":"opened",\#(stamp),"manual":"x","mode":"live","variables":{"a":"1","a":"2"}}"#,
            #"{"kind":"step",\#(stamp),"step":"a","step":"b","status":"done"}"#,
            #"{"kind":"step",\#(stamp),"step":"a","status":"done","extra":1}"#,
            #"{"kind":"step",\#(stamp),"step":"a","status":"done","text":5}"#,
            #"{"kind":"step","at":null,"incident":"i-1","operator":"kim","step":"a","status":"done"}"#,
            #"{"kind":"later",\#(stamp)}"#,
            #"{"kind":"opened",\#(stamp),"manual":"x","mode":"live","variables":{"a\"b":"1"}}"#,   // a key with an escape
        ]
        for line in declined {
            let bytes = Array(line.utf8)
            #expect(bytes.withUnsafeBufferPointer { IncidentEvent.decodeDirectly($0) } == nil, "\(line)")
        }
        // Not UTF-8 inside a text: JSONDecoder's verdict, not a repaired text.
        var bad = Array(#"{"kind":"note",\#(stamp),"text":"ab"}"#.utf8)
        bad.insert(0xFF, at: bad.count - 3)
        #expect(bad.withUnsafeBufferPointer { IncidentEvent.decodeDirectly($0) } == nil)
        // And the usual line is read, equal to JSONDecoder's.
        let usual = Array(#"{"at":"2026-12-01T09:00:00.000Z","incident":"i-1","kind":"step","operator":"김","status":"done","step":"a"}"#.utf8)
        let direct = try #require(usual.withUnsafeBufferPointer { IncidentEvent.decodeDirectly($0) })
        #expect(direct == (try RecordCoding.decoder().decode(IncidentEvent.self, from: Data(usual))))
    }
}
