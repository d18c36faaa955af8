import Foundation
import Testing
@testable import HaechiStore
import HaechiCore

/// The direct (JSONDecoder-free) readers must agree with JSONDecoder on every record, and hand
/// anything unusual back to it rather than guess.
@Suite struct RecordDecodingTests {
    func direct<R: DirectlyDecodable>(_ type: R.Type, _ json: String) -> R? {
        Array(json.utf8).withUnsafeBufferPointer { R.decodeDirectly($0) }
    }

    @Test func directAndJSONDecoderAgreeOnEveryKind() throws {
        let at = Date(timeIntervalSince1970: 1_795_935_900)
        var m = OutboxFileTests.message("m-1", text: "탭\t줄\n따옴표\" 역슬래시\\ 제어\u{01} 이모지 🇰🇷 \u{2028}")
        m.created = at
        var c = m; c.id = "m-2"; c.corrects = "m-1"; c.cap = nil; c.incident = nil
        // A quiet-hours override (issue 11) is read, never skipped.
        c.quietHoursOverride = QuietHoursOverride(reason: "출근 전 \"우회\" 안내", channels: ["cbs", "kakao"])
        c.posts = [OutboxPost(channel: "kakao", language: .ko, text: "[정정] 따옴표\" 역슬래시\\ 🇰🇷", length: 14, limit: 200, counting: .characters),
                   OutboxPost(channel: "x", language: .en, text: "", length: 0, limit: 280, counting: .xWeighted)]
        let records: [OutboxRecord] = [.message(m), .correct(c), .approve(message: "m-1", operator: "이", at: at),
                                       .cancel(message: "m-1", operator: "kim", at: at, reason: "")]
        for record in records {
            let json = String(decoding: try RecordLog<OutboxRecord>.encode(record), as: UTF8.self)
            let viaDecoder = try RecordCoding.decoder().decode(OutboxRecord.self, from: Data(json.utf8))
            #expect(direct(OutboxRecord.self, json) == viaDecoder, "\(json)")
            #expect(viaDecoder == record)
        }
        let ledger = DeliveryRecord(kind: .retry, message: "m-1", channel: "x", language: .en, at: at, attempt: 3,
                                    next: at.addingTimeInterval(60), reason: "429 Too Many Requests")
        let json = String(decoding: try RecordLog<DeliveryRecord>.encode(ledger), as: UTF8.self)
        #expect(direct(DeliveryRecord.self, json) == (try RecordCoding.decoder().decode(DeliveryRecord.self, from: Data(json.utf8))))
        #expect(direct(DeliveryRecord.self, json) == ledger)
    }

    @Test func unusualButValidJSONIsReadAndInvalidIsLeftToJSONDecoder() {
        let spaced = #" { "record" : "approve" , "message" : "m-\u0031" , "operator" : "kim", "at" : "2026-11-29T07:05:00.000Z", "extra": [1, {"a": null}, true] } "#
        #expect(direct(OutboxRecord.self, spaced) == .approve(message: "m-1", operator: "kim", at: Date(timeIntervalSince1970: 1_795_935_900)))
        #expect(direct(OutboxRecord.self, #"{"record":"approve","message":"m-1","operator":"kim"}"#) == nil, "missing at")
        #expect(direct(OutboxRecord.self, #"{"record":"teleport"}"#) == nil)
        #expect(direct(OutboxRecord.self, #"{"record":"approve","message":"m-1","operator":"kim","at":"2026-11-29T07:05:00.000Z"} x"#) == nil)
        // Another timestamp form still parses (through RecordCoding).
        #expect(direct(OutboxRecord.self, #"{"record":"approve","message":"m","operator":"k","at":"2026-11-29T07:05:00Z"}"#) != nil)
    }

    @Test func timestampsMatchRecordCodingByteForByte() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let ms = Double(Int64.random(in: 0...4_102_444_800_000, using: &rng)) / 1000   // 1970…2100
            let date = Date(timeIntervalSince1970: ms)
            let text = RecordCoding.formatTimestamp(date)
            #expect(Timestamp.format(date) == text, "\(ms)")
            #expect(Timestamp.parse(text).map { abs($0.timeIntervalSince1970 - ms) < 0.0011 } == true, "\(text) \(String(describing: Timestamp.parse(text)?.timeIntervalSince1970)) \(ms)")
        }
        #expect(Timestamp.parse("2026-13-01T00:00:00.000Z") == nil)
    }
}

/// The direct writer must produce exactly JSONEncoder's bytes, or step aside.
@Suite struct RecordEncodingTests {
    func viaJSONEncoder(_ r: OutboxRecord) throws -> [UInt8] { Array(try RecordCoding.encoder().encode(r)) }
    func direct(_ r: OutboxRecord) -> [UInt8]? {
        var out: [UInt8] = []
        return r.encodeDirectly(into: &out) ? out : nil
    }

    @Test func sameBytesAsJSONEncoderForEveryKind() throws {
        var rng = SystemRandomNumberGenerator()
        let texts = ["마포구 대피", "quote \" back\\slash / slash", "tab\tline\nreturn\r", "이모지 🇰🇷 👨‍👩‍👧 \u{2028}", ""]
        for n in 0..<200 {
            let at = Date(timeIntervalSince1970: Double(Int64.random(in: 1_700_000_000_000...1_900_000_000_000, using: &rng)) / 1000)
            var m = OutboxFileTests.message("m-\(n)", text: texts[n % texts.count])
            m.created = at
            if n % 2 == 0 { m.cap = nil; m.incident = nil; m.district = nil }
            if n % 3 == 0 { m.step = "TY-0\(n % 10)"; m.corrects = "m-0"; m.needsApproval = true }
            if n % 5 == 2 { m.quietHoursOverride = QuietHoursOverride(reason: texts[(n + 3) % texts.count], channels: Array(["cbs", "x"].prefix(n % 3))) }
            m.text.en = texts[(n + 1) % texts.count]
            if n % 4 != 1 {
                m.posts = (0..<(n % 4)).map { k in
                    OutboxPost(channel: ["x", "kakao", "mastodon"][k], language: k == 1 ? .ko : .en, text: texts[(n + k) % texts.count],
                               length: n + k, limit: 280, counting: CountingRule.allCases[k % 3])
                }
            }
            for record in [OutboxRecord.message(m), .correct(m), .approve(message: m.id, operator: texts[n % texts.count], at: at),
                           .cancel(message: m.id, operator: "kim", at: at, reason: texts[(n + 2) % texts.count])] {
                let expected = try viaJSONEncoder(record)
                #expect(direct(record) == expected, "\(String(decoding: expected, as: UTF8.self))")
                #expect(try RecordLog<OutboxRecord>.encode(record) == expected)
            }
        }
    }

    @Test func unusualControlCharactersFallBackToJSONEncoder() throws {
        let record = OutboxRecord.cancel(message: "m-1", operator: "kim", at: Date(timeIntervalSince1970: 0), reason: "bell \u{07}")
        #expect(direct(record) == nil)
        let bytes = try RecordLog<OutboxRecord>.encode(record)
        #expect(bytes == (try viaJSONEncoder(record)))
    }
}
