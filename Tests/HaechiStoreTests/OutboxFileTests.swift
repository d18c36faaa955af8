import Foundation
import Testing
@testable import HaechiStore
import HaechiCore

/// The file outbox: message records round-trip, torn tails at every byte, modes, bad lines
/// reported with their place and skipped.
@Suite struct OutboxFileTests {
    static let at = Date(timeIntervalSince1970: 1_795_935_900)

    func temporaryState() throws -> StateDirectory {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("haechi-outbox-\(UUID().uuidString)").path
        let state = StateDirectory(path: dir)
        try state.prepare()
        return state
    }

    static func message(_ id: String, text: String = "마포구 하천변 접근 금지") -> OutboxMessage {
        OutboxMessage(id: id, incident: "drill-1", manual: "typhoon", district: "마포구", mode: .drill, kind: .emergency,
                      channels: ["x", "cbs"], text: Localized(ko: text, en: "Keep away"), operator: "kim", created: at,
                      needsApproval: false, cap: CAPInfo(category: "Met", event: .init(ko: "태풍", en: "Typhoon"),
                                                         urgency: "Immediate", severity: "Severe", certainty: "Likely"))
    }

    func ids(_ outbox: FileOutbox) throws -> (ids: [String], bad: [BadLine]) {
        var ids: [String] = []
        var bad: [BadLine] = []
        try outbox.scan({ ids.append($0.messageID) }, bad: { bad.append($0) })
        return (ids, bad)
    }

    @Test func everyRecordKindRoundTrips() throws {
        let state = try temporaryState()
        defer { try? FileManager.default.removeItem(atPath: state.path) }
        let outbox = FileOutbox(state: state)
        var correction = Self.message("m-2"); correction.corrects = "m-1"
        let records: [OutboxRecord] = [
            .message(Self.message("m-1")), .correct(correction),
            .approve(message: "m-1", operator: "lee", at: Self.at), .cancel(message: "m-2", operator: "park", at: Self.at, reason: "오타"),
        ]
        for r in records { try outbox.append(r) }
        var read: [OutboxRecord] = []
        var bad: [BadLine] = []
        try outbox.scan({ read.append($0) }, bad: { bad.append($0) })
        #expect(bad.isEmpty, "\(bad)")
        #expect(read == records)
        // Each line is plain JSON for jq, with the record kind and the message class apart.
        let text = try String(contentsOfFile: outbox.location, encoding: .utf8)
        #expect(text.contains(#""kind":"emergency""#) && text.contains(#""record":"message""#))
        // The first pass of a listing skips plain messages without decoding them.
        var events: [OutboxRecord] = []
        try outbox.scanEvents({ events.append($0) }, bad: { _ in })
        #expect(events == Array(records.dropFirst()))
    }

    @Test func theLastRecordTruncatedAtEveryByteIsOneBadLineAndTheNextAppendIsValid() throws {
        let state = try temporaryState()
        defer { try? FileManager.default.removeItem(atPath: state.path) }
        let outbox = FileOutbox(state: state)
        try outbox.append(.message(Self.message("m-1")))
        try outbox.append(.approve(message: "m-1", operator: "lee", at: Self.at))
        let lastStart = try Data(contentsOf: URL(fileURLWithPath: outbox.location)).count
        try outbox.append(.message(Self.message("m-3", text: "마지막 레코드 — 잘려도 앞의 레코드는 남는다")))
        let full = try Data(contentsOf: URL(fileURLWithPath: outbox.location))
        #expect(full.count > lastStart + 100)

        // Every cut that leaves part of the last line: 1 byte of it up to all but its newline.
        for cut in (lastStart + 1)..<full.count {
            try full.prefix(cut).write(to: URL(fileURLWithPath: outbox.location))
            var (found, bad) = try ids(outbox)
            #expect(found == ["m-1", "m-1"], "cut at \(cut)")
            #expect(bad.count == 1 && bad[0].number == 3 && bad[0].offset == lastStart, "cut at \(cut): \(bad)")
            try outbox.append(.approve(message: "m-9", operator: "lee", at: Self.at))
            (found, bad) = try ids(outbox)
            #expect(found == ["m-1", "m-1", "m-9"], "cut at \(cut)")
            #expect(bad.count == 1 && bad[0].number == 3, "cut at \(cut): the torn line stays reported, once")
        }
        // Cut exactly at a line boundary: nothing torn, nothing bad.
        try full.prefix(lastStart).write(to: URL(fileURLWithPath: outbox.location))
        let (found, bad) = try ids(outbox)
        #expect(found == ["m-1", "m-1"] && bad.isEmpty)
    }

    @Test func badLinesAreReportedWithLineAndByteOffsetAndSkipped() throws {
        let state = try temporaryState()
        defer { try? FileManager.default.removeItem(atPath: state.path) }
        let outbox = FileOutbox(state: state)
        try outbox.append(.message(Self.message("m-1")))
        let second = try Data(contentsOf: URL(fileURLWithPath: outbox.location)).count
        try outbox.append(.message(Self.message("m-2")))
        let third = try Data(contentsOf: URL(fileURLWithPath: outbox.location)).count
        try outbox.append(.message(Self.message("m-3")))
        // Flip one byte inside the second record's text: the checksum must catch it.
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: outbox.location)))
        let at = second + 40
        bytes[at] = bytes[at] == UInt8(ascii: "a") ? UInt8(ascii: "b") : UInt8(ascii: "a")
        // And a line that is not a frame at all, then a frame whose record is not an outbox record.
        bytes += Array("garbage\n".utf8)
        bytes += LineFrame.encode(Array(#"{"record":"teleport"}"#.utf8))
        try Data(bytes).write(to: URL(fileURLWithPath: outbox.location))
        let (found, bad) = try ids(outbox)
        #expect(found == ["m-1", "m-3"])
        #expect(bad.map(\.number) == [2, 4, 5])
        #expect(bad[0].offset == second && bad[0].problem.contains("checksum"))
        #expect(bad[1].offset == bytes.count - LineFrame.encode(Array(#"{"record":"teleport"}"#.utf8)).count - 8)
        #expect(bad[2].problem.hasPrefix("not a valid record"))
        #expect(bad[0].description.hasPrefix("\(outbox.location):2: byte \(second): "))
        _ = third
    }

    @Test func byteMarkersFindTheirBytesAnywhereAndNothingElse() {
        let marker = ByteMarker(Array(#""incident":"inc-7""#.utf8))
        func found(_ s: String) -> Bool { marker.found(in: Array(s.utf8)[...]) }
        #expect(found(#""incident":"inc-7""#))
        #expect(found(#"{"id":"m","incident":"inc-7","kind":"x"}"#))
        #expect(found(#"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"incident":"inc-7""#))
        #expect(!found(#"{"incident":"inc-70"}"#) && !found(#"{"incident":"inc-"}"#) && !found("") && !found("\"incident\""))
        // Every position in a longer line, against a naive search.
        let hay = Array(#"{"a":"incident","incident":"inc-8","incident":"inc-7"}"#.utf8)
        for cut in 0...hay.count {
            let naive = cut >= marker.bytes.count && (0...(cut - marker.bytes.count)).contains { hay[$0..<($0 + marker.bytes.count)].elementsEqual(marker.bytes) }
            #expect(marker.found(in: hay[0..<cut]) == naive, "cut \(cut)")
        }
    }

    @Test func filesAreGroupWritableInASetgidDirectoryWhateverTheUmask() throws {
        let old = umask(0o077)
        defer { umask(old) }
        let state = try temporaryState()
        defer { try? FileManager.default.removeItem(atPath: state.path) }
        try FileOutbox(state: state).append(.approve(message: "m-1", operator: "lee", at: Self.at))
        var st = stat()
        #expect(stat(state.path, &st) == 0)
        #expect(st.st_mode & 0o7777 == 0o2770)
        #expect(stat(state.outboxPath, &st) == 0)
        #expect(st.st_mode & 0o777 == 0o660)
    }

    @Test func aFailedAppendLeavesNothingBehind() throws {
        let state = try temporaryState()
        defer { try? FileManager.default.removeItem(atPath: state.path) }
        // A directory where the file should be: open fails, the error names the call and path.
        try FileManager.default.createDirectory(atPath: state.outboxPath, withIntermediateDirectories: false)
        #expect {
            try FileOutbox(state: state).append(.approve(message: "m-1", operator: "lee", at: Self.at))
        } throws: { error in
            "\(error)".hasPrefix("open \(state.outboxPath): Is a directory")
        }
    }
}
