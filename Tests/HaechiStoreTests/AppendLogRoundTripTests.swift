import Foundation
import Testing
@testable import HaechiStore
import HaechiCore

@Suite struct AppendLogRoundTripTests {
    @Test func appendedRecordsReadBackWithTheirChecksums() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("haechi-\(UUID().uuidString)").path
        let state = StateDirectory(path: dir)
        try state.prepare()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let log = state.outbox
        let at = Date(timeIntervalSince1970: 1_790_000_000)
        try log.append(.cancel(message: "m-1", operator: "kim", at: at, reason: "duplicate"))
        try log.append(.approve(message: "m-2", operator: "lee", at: at))
        let (records, bad) = try log.readAll()
        #expect(bad.isEmpty)
        #expect(records == [.cancel(message: "m-1", operator: "kim", at: at, reason: "duplicate"),
                            .approve(message: "m-2", operator: "lee", at: at)])
    }

    @Test func aTornTailIsReportedAndTheNextAppendStartsOnAFreshLine() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("haechi-\(UUID().uuidString)").path
        let state = StateDirectory(path: dir)
        try state.prepare()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let log = state.outbox
        let at = Date(timeIntervalSince1970: 1_790_000_000)
        try log.append(.approve(message: "m-1", operator: "kim", at: at))
        let handle = FileHandle(forWritingAtPath: log.path)!
        handle.seekToEndOfFile()
        handle.write(Data(#"{"r":{"kind":"appr"#.utf8))
        try handle.close()
        var (records, bad) = try log.readAll()
        #expect(records.count == 1)
        #expect(bad.map(\.number) == [2])
        try log.append(.approve(message: "m-3", operator: "kim", at: at))
        (records, bad) = try log.readAll()
        #expect(records.map(\.messageID) == ["m-1", "m-3"])
        #expect(bad.count == 1 && bad[0].number == 2)
    }
}
