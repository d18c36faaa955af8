import Foundation
import Testing
@testable import HaechiCore

/// The journal's on-disk shape did not change when the events became an enum: every line of the
/// recorded fixtures decodes to a known case and encodes back to exactly the bytes it was read
/// from (so its checksum still matches), and lines this version cannot read are kept, not lost.
@Suite struct IncidentEventCodingTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    /// The record body of each framed line `{"r":<record>,"c":"<crc32>"}`.
    static func records(_ file: URL) throws -> [String] {
        try String(contentsOf: file, encoding: .utf8).split(separator: "\n").map { line in
            let s = String(line)
            #expect(s.hasPrefix(#"{"r":"#) && s.hasSuffix(#""}"#))
            return String(s.dropFirst(5).dropLast(16))  // ,"c":"xxxxxxxx"}
        }
    }

    static func journals() throws -> [URL] {
        var out: [URL] = []
        for dir in ["report-state/incidents", "tui-drill-state/incidents"] {
            let d = fixtures.appendingPathComponent(dir)
            out += try FileManager.default.contentsOfDirectory(atPath: d.path).filter { $0.hasSuffix(".jsonl") }
                .sorted().map { d.appendingPathComponent($0) }
        }
        return out
    }

    @Test func everyFixtureLineReadsAsAKnownKindAndWritesBackByteForByte() throws {
        let files = try Self.journals()
        try #require(files.count == 3)
        var kinds: Set<String> = []
        for file in files {
            for body in try Self.records(file) {
                let event = try RecordCoding.decoder().decode(IncidentEvent.self, from: Data(body.utf8))
                #expect(event.unrecognised == nil, "\(file.lastPathComponent): \(body)")
                kinds.insert(event.kind)
                let again = String(decoding: try RecordCoding.encoder().encode(event), as: UTF8.self)
                #expect(again == body)
            }
        }
        #expect(kinds == ["opened", "step", "note", "level", "message", "inject", "closed", "clock"])
    }

    @Test func unknownKindsAndDamagedLinesAreKeptVisibly() throws {
        // (Not `role`: that kind exists since issue 13.)
        let newer = #"{"at":"2026-11-29T09:00:00.000Z","incident":"i","kind":"duty-stage","operator":"kim","role":{"n":2,"name":"상황관리반"}}"#
        let event = try RecordCoding.decoder().decode(IncidentEvent.self, from: Data(newer.utf8))
        let u = try #require(event.unrecognised)
        #expect(u.kind == "duty-stage" && u.problem == "unknown kind 'duty-stage'")
        #expect(u.fields == ["role": .object(["name": .string("상황관리반"), "n": .number(2)])])
        #expect(String(decoding: try RecordCoding.encoder().encode(event), as: UTF8.self) == newer)

        let noStatus = #"{"at":"2026-11-29T09:00:00.000Z","incident":"i","kind":"step","operator":"kim","step":"a"}"#
        let damaged = try #require(try RecordCoding.decoder().decode(IncidentEvent.self, from: Data(noStatus.utf8)).unrecognised)
        #expect(damaged.problem == "a 'step' line needs 'status'")

        let badLevel = #"{"at":"2026-11-29T09:00:00.000Z","incident":"i","kind":"level","level":9,"operator":"kim"}"#
        #expect(try RecordCoding.decoder().decode(IncidentEvent.self, from: Data(badLevel.utf8)).unrecognised != nil)

        // Without its stamp a line is not an event at all: the store reports it as a bad line.
        let noAt = #"{"incident":"i","kind":"note","operator":"kim","text":"x"}"#
        #expect(throws: DecodingError.self) { try RecordCoding.decoder().decode(IncidentEvent.self, from: Data(noAt.utf8)) }
    }

    @Test func aReportShowsUnknownLinesAsProblems() throws {
        let line = #"{"at":"2026-11-19T02:13:20.000Z","incident":"INC-1","kind":"duty-stage","operator":"kim","stage":2}"#
        var journal = ReportFixture.liveJournal
        journal.insert(try RecordCoding.decoder().decode(IncidentEvent.self, from: Data(line.utf8)), at: 3)
        let r = try IncidentReport.build(ReportInput(journal: journal, manual: ReportFixture.manual))
        #expect(r.problems.contains { $0.contains("'duty-stage'") && $0.contains("unknown kind") })
        #expect(r.timeline.contains { $0.text.hasPrefix("unreadable 'duty-stage' line") })
    }
}
