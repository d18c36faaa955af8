import Foundation
import Testing
import HaechiCore
import HaechiStore
@testable import HaechiApp
import HaechiTestSupport

/// `OutboxListing.parallel` (parts on several threads, messages read by `OutboxRecord.read` in its listing form)
/// against the straightforward `stream` (every record decoded, then formatted): the same bytes
/// and the same counts, on a few thousand varied records with bad lines among them.
@Suite(.ownThread) struct OutboxListParallelTests {
    static let start = Date(timeIntervalSince1970: 1_795_935_900.123)

    /// Frames record bytes as a writer would, with no durability (a fixture).
    static func frame(_ body: [UInt8]) -> [UInt8] { LineFrame.encode(body) }
    static func frame(_ json: String) -> [UInt8] { LineFrame.encode(Array(json.utf8)) }

    /// A varied outbox and ledger: every record kind, texts with escapes, missing languages,
    /// unknown channels, records written by other JSON writers, and lines of every kind of bad.
    static func writeFixture(_ state: StateDirectory, count: Int) throws -> Void {
        try state.prepare(incidents: false)
        var outbox: [UInt8] = []
        var ledger: [UInt8] = []
        var ids: [String] = []
        let texts = [("대피 바랍니다.", "Evacuate."), ("", "English only"), ("한국어만", ""), ("say \"now\"\nline two\t/ \\ end", "tab\there \u{1}"),
                     ("😀 emoji \u{10FFFF}", "a/b")]
        let channels = [["x", "kakao"], ["mastodon"], ["webhook", "x", "nope"], [], ["cbs"]]
        let kinds = MessageClass.allCases
        for i in 0..<count {
            let at = start.addingTimeInterval(Double(i) * 37.5 - 40_000)
            switch i % 23 {
            case 5 where !ids.isEmpty:
                outbox += frame(try RecordLog<OutboxRecord>.encode(.approve(message: ids[i % ids.count], operator: i % 2 == 0 ? "lee" : "officer\(i % 3)", at: at)))
            case 7 where !ids.isEmpty:
                outbox += frame(try RecordLog<OutboxRecord>.encode(.cancel(message: ids[(i * 7) % ids.count], operator: "park", at: at, reason: "why \(i)")))
            case 11:
                outbox += Array("not json at all \(i)\n".utf8)
            case 12:
                var line = frame(try RecordLog<OutboxRecord>.encode(.approve(message: "m-x", operator: "a", at: at)))
                line[10] ^= 1   // checksum no longer matches
                outbox += line
            case 13:
                outbox += frame(#"{"record":"message","id":"m-broken"}"#)   // framed, not a record
            case 14:
                outbox += [UInt8(ascii: "\n")]   // a blank line
            case 15:
                // Another writer's JSON: spaces, an escaped discriminator, a key we do not know.
                outbox += frame(#"{ "record" : "mess\u0061ge", "id" : "m-hand-\#(i)", "mode":"drill","kind":"safety","channels":["x"],"text":{"ko":"가","en":""},"operator":"o","created":"2026-11-29T01:02:03.004Z","needsApproval":false,"extra":[1,{"a":null}] }"#)
            case 16:
                outbox += frame(#"{"record":"message","id":"m-odd-\#(i)","mode":"live","kind":"emergency","channels":["x","kakao"],"text":{"ko":"\ud83d\ude00","en":"x"},"operator":"o\/p","created":"2026-11-29T01:02:03Z","needsApproval":true,"cap":null,"incident":null,"step":"S\n1"}"#)
            case 17:
                outbox += frame(#"{"record":"message","id":"m-badcap-\#(i)","mode":"live","kind":"emergency","channels":["x"],"text":{"ko":"a","en":"b"},"operator":"o","created":"2026-11-29T01:02:03.000Z","needsApproval":false,"cap":{"category":"Met"}}"#)
            default:
                let (ko, en) = texts[i % texts.count]
                let id = "m-2026112900\(String(format: "%04d", i % 10_000))-\(String(i, radix: 16))"
                let corrects = i % 9 == 0 && !ids.isEmpty ? ids[(i / 9) % ids.count] : nil
                let m = OutboxMessage(id: id, incident: i % 4 == 0 ? nil : "inc-\(i % 5)", step: i % 3 == 0 ? "TY-0\(i % 9)" : nil,
                                      manual: i % 2 == 0 ? "typhoon" : nil, district: i % 5 == 0 ? "마포구" : nil,
                                      mode: i % 3 == 0 ? .live : .drill, kind: kinds[i % kinds.count], channels: channels[i % channels.count],
                                      text: Localized(ko: ko, en: en), operator: "officer\(i % 3)", created: at,
                                      needsApproval: i % 3 == 0 && i % 2 == 1, corrects: corrects,
                                      cap: i % 4 == 1 ? CAPInfo(category: "Met", event: .init(ko: "태풍", en: "Typhoon \"T\""), urgency: "Immediate",
                                                                severity: "Severe", certainty: "Likely") : nil)
                outbox += frame(try RecordLog<OutboxRecord>.encode(corrects == nil ? .message(m) : .correct(m)))
                ids.append(id)
                for (n, channel) in m.channels.enumerated() where i % 4 != 3 {
                    let language: Language = n % 2 == 0 ? .ko : .en
                    let kinds: [DeliveryRecord.Kind] = [.attempt, .delivered, .retry, .dead, .unknown, .cancelled]
                    let kind = kinds[(i + n) % kinds.count]
                    ledger += frame(try RecordLog<DeliveryRecord>.encode(DeliveryRecord(kind: .attempt, message: id, channel: channel, language: language, at: at, attempt: 1)))
                    ledger += frame(try RecordLog<DeliveryRecord>.encode(DeliveryRecord(
                        kind: kind, message: id, channel: channel, language: language, at: at.addingTimeInterval(2), attempt: 2,
                        remoteID: kind == .delivered ? "r-\(i)" : nil, next: kind == .retry ? at.addingTimeInterval(60) : nil,
                        reason: kind == .dead || kind == .unknown || kind == .retry ? "HTTP 50\(i % 10)" : nil)))
                    if i % 8 == 0 {   // a stray record after a delivery changes nothing
                        ledger += frame(try RecordLog<DeliveryRecord>.encode(DeliveryRecord(kind: .attempt, message: id, channel: channel, language: language, at: at, attempt: 3)))
                    }
                }
            }
        }
        ledger += Array("ledger garbage\n".utf8)
        // A torn last line: no newline.
        outbox += Array(#"{"r":{"record":"message","id":"m-torn""#.utf8)
        try Data(outbox).write(to: URL(fileURLWithPath: state.outboxPath))
        try Data(ledger).write(to: URL(fileURLWithPath: state.deliveryPath))
    }

    struct Listing: Equatable { var bytes: [UInt8]; var messages: Int; var listed: Int; var bad: Int }

    final class Sink: @unchecked Sendable {
        let lock = NSLock()
        var bytes: [UInt8] = []
        func append(_ b: [UInt8]) { lock.lock(); bytes += b; lock.unlock() }
    }

    static func straightforward(_ state: StateDirectory, channels: ChannelProfiles?, json: Bool,
                                filter: (OutboxMessage) -> Bool) throws -> Listing {
        var bytes: [UInt8] = []
        let s = try OutboxListing.stream(state: state, channels: channels, filter: filter) { status in
            // What `list` wrote before the parallel listing: OutputBuffer.appendBytes with these.
            if json { OutboxListing.jsonLine(status, into: &bytes) } else { OutboxListing.textLine(status, into: &bytes) }
            bytes.append(UInt8(ascii: "\n"))
        }
        return Listing(bytes: bytes, messages: s.messages, listed: s.listed, bad: s.bad)
    }

    static func parallel(_ state: StateDirectory, channels: ChannelProfiles?, json: Bool, partSize: Int, workers: Int,
                         filter: @escaping @Sendable (OutboxMessage) -> Bool) throws -> Listing {
        let sink = Sink()
        let s = try OutboxListing.parallel(state: state, channels: channels, partSize: partSize, workers: workers, filter: filter,
                                           line: { status, out in
            if json { OutboxListing.jsonLine(status, into: &out) } else { OutboxListing.textLine(status, into: &out) }
        }, write: { sink.append($0) })
        return Listing(bytes: sink.bytes, messages: s.messages, listed: s.listed, bad: s.bad)
    }

    @Test(arguments: [false, true])
    func parallelListingIsByteForByteTheDecodedOne(json: Bool) throws {
        let dir = Binaries.temporaryDirectory("outbox-list-parallel")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let state = StateDirectory(path: dir)
        try Self.writeFixture(state, count: 3000)
        var manuals = ManualsOption()
        manuals.manuals = Binaries.bundledManuals
        let profiles = try OutboxShell.channels(manuals)
        let now = Self.start
        let recent: @Sendable (OutboxMessage) -> Bool = { now.timeIntervalSince($0.created) < 24 * 3600 }
        for channels in [nil, profiles] as [ChannelProfiles?] {
            for (filter, name) in [({ _ in true } as @Sendable (OutboxMessage) -> Bool, "all"), (recent, "recent")] {
                let expected = try Self.straightforward(state, channels: channels, json: json, filter: filter)
                #expect(expected.listed > 1000 && expected.bad > 300, "the fixture lists and skips plenty (\(name))")
                for (partSize, workers) in [(1 << 20, 2), (700, 2), (3000, 3), (1, 1)] {
                    let got = try Self.parallel(state, channels: channels, json: json, partSize: partSize, workers: workers, filter: filter)
                    #expect(got.messages == expected.messages && got.listed == expected.listed && got.bad == expected.bad,
                            "\(name) parts of \(partSize) on \(workers): \(got.messages)/\(got.listed)/\(got.bad) vs \(expected.messages)/\(expected.listed)/\(expected.bad)")
                    if got.bytes != expected.bytes {
                        let a = String(decoding: got.bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
                        let b = String(decoding: expected.bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
                        let first = (0..<min(a.count, b.count)).first { a[$0] != b[$0] } ?? min(a.count, b.count)
                        Issue.record("\(name) parts of \(partSize) on \(workers): output differs at line \(first): \(first < a.count ? String(a[first]) : "(end)") vs \(first < b.count ? String(b[first]) : "(end)")")
                    }
                }
            }
        }
    }

    @Test func noOutboxListsNothingAndCountsTheLedgersBadLines() throws {
        let dir = Binaries.temporaryDirectory("outbox-list-parallel-empty")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let state = StateDirectory(path: dir)
        try state.prepare(incidents: false)
        try Data("garbage\n".utf8).write(to: URL(fileURLWithPath: state.deliveryPath))
        let got = try Self.parallel(state, channels: nil, json: true, partSize: 1 << 20, workers: 2, filter: { _ in true })
        let expected = try Self.straightforward(state, channels: nil, json: true, filter: { _ in true })
        #expect(got == expected && got.bad == 1 && got.bytes.isEmpty)
    }

    /// The String-building form `Timestamp.format` had before it wrote bytes.
    static func formatAsBefore(_ date: Date) -> String {
        let t = date.timeIntervalSince1970
        let whole = t.rounded(.down)
        let secs = Int(whole)
        let ms = Int(((t - whole) * 1e9).rounded(.down)) / 1_000_000
        let days = secs >= 0 ? secs / 86_400 : (secs - 86_399) / 86_400
        let rest = secs - days * 86_400
        var z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        z = yoe + era * 400
        let y = m <= 2 ? z + 1 : z
        func pad(_ v: Int, _ w: Int) -> String { let s = String(v); return String(repeating: "0", count: max(0, w - s.count)) + s }
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))T\(pad(rest / 3600, 2)):\(pad(rest % 3600 / 60, 2)):\(pad(rest % 60, 2)).\(pad(ms, 3))Z"
    }

    @Test func timestampsFormatAsBeforeIncludingOddYears() {
        for t in [0.0, -1.5, 1_795_935_900.6479999, 1_795_935_900.123, 253_402_300_799.999, -62_135_596_800.0, -62_198_755_200.25,
                  1e11 + 0.001, 4e12] {
            let date = Date(timeIntervalSince1970: t)
            var bytes: [UInt8] = []
            Timestamp.format(date, into: &bytes)
            #expect(String(decoding: bytes, as: UTF8.self) == Self.formatAsBefore(date), "\(t)")
            #expect(Timestamp.format(date) == Self.formatAsBefore(date), "\(t)")
        }
        let now = Date(timeIntervalSince1970: 1_795_935_900.123)
        #expect(Timestamp.format(now) == RecordCoding.formatTimestamp(now))
    }
}
