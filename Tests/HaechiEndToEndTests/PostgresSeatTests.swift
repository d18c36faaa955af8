#if canImport(Glibc)
import Glibc
#endif
import Foundation
import HaechiCore
import HaechiStore
@testable import HaechiApp
import HaechiUI
import Synchronization
import HaechiTestSupport
import Testing

/// Seats on a shared PostgreSQL database, with the real binaries: concurrent `outbox add`
/// processes, two TUIs with their own local spools, and a database that goes away under a seat.
/// Each test starts its own throwaway server (PostgresScratch), since one of them stops it.
@Suite(.ownThread, .serialized) struct PostgresSeatTests {
    static func database() throws -> (PostgresScratch, PostgresAddress) {
        let server = try PostgresScratch.start()
        let address = try server.createDatabase()
        try PostgresSchema.migrate(PostgresStore(address, checkSchema: false))
        return (server, address)
    }

    /// Runs blocking work (child processes, tmux polling) on a thread of its own, so it does not
    /// hold one of the cooperative pool's few threads that other tests' tasks need.
    static func offThePool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { c in
            Thread { c.resume(with: Result { try body() }) }.start()
        }
    }

    @Test func fourWritersAdding250MessagesEachLoseNone() async throws {
        let (server, address) = try Self.database()
        defer { server.stop() }
        let (queued, failures) = try await Self.offThePool { Self.addConcurrently(address) }
        try Self.checkAdded(address, queued: queued, failures: failures)
    }

    static func addConcurrently(_ address: PostgresAddress) -> (queued: [String], failures: [String]) {
        let writers = 4, each = 250
        let ids = Mutex<[String]>([])
        let failures = Mutex<[String]>([])
        // Four threads of their own (concurrentPerform would run only as many as there are cores).
        let finished = DispatchGroup()
        for w in 0..<writers {
            finished.enter()
            Thread {
            defer { finished.leave() }
            for i in 0..<each {
                do {
                    let r = try Binaries.run("haechi", ["outbox", "add", "--store", address.description, "--manuals", Binaries.bundledManuals,
                                                        "--mode", "drill", "--channel", "webhook", "--text", "작성자 \(w) 메시지 \(i)",
                                                        "--text-en", "writer \(w) message \(i)", "--operator", "desk\(w)"])
                    let id = r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
                    if r.status == 0 && !id.isEmpty { ids.withLock { $0.append(id) } } else {
                        failures.withLock { $0.append("writer \(w) #\(i): \(r.status) \(r.stderr)") }
                    }
                } catch {
                    failures.withLock { $0.append("\(error)") }
                }
            }
            }.start()
        }
        finished.wait()
        return (ids.withLock { $0 }, failures.withLock { $0 })
    }

    static func checkAdded(_ address: PostgresAddress, queued: [String], failures: [String]) throws {
        let writers = 4, each = 250
        #expect(failures.isEmpty, "\(failures.prefix(5))")
        #expect(queued.count == writers * each)
        #expect(Set(queued).count == queued.count, "two messages got one id")
        let (records, bad) = try PostgresStore(address).readAll(OutboxRecord.self, .outbox)
        #expect(bad.isEmpty)
        #expect(Set(records.map(\.messageID)) == Set(queued), "every message said queued is in the database")
        #expect(records.count == writers * each)
        // Each writer's messages are in the order it queued them.
        for w in 0..<writers {
            let mine = records.compactMap { r -> String? in
                if case .message(let m) = r, m.operator == "desk\(w)" { return m.text.en }
                return nil
            }
            #expect(mine == (0..<each).map { "writer \(w) message \($0)" })
        }
        // `outbox list` reads the same database.
        let list = try Binaries.run("haechi", ["outbox", "list", "--store", address.description, "--manuals", Binaries.bundledManuals, "--all", "--json"])
        #expect(list.status == 0)
        #expect(list.stdout.split(separator: "\n").count == writers * each, "one JSON line per message")
    }

    @Test(.enabled(if: Tmux.available, "tmux is needed for end-to-end tests"))
    func twoSeatsSeeEachOtherAndASeatWithoutItsDatabaseKeepsWorking() async throws {
        let (server, address) = try Self.database()
        defer { server.stop() }
        let (propagation, kimCleared, stepDone) = try await Self.offThePool { try Self.twoSeats(server, address) }
        #expect(propagation < 1.0)
        print("seat to seat through PostgreSQL: \(Int(propagation * 1000)) ms")
        #expect(kimCleared, "the header still says offline after the database came back")
        #expect(stepDone == 1, "the spooled step is in the database exactly once (\(stepDone) times)")
    }

    static func twoSeats(_ server: PostgresScratch, _ address: PostgresAddress) throws -> (TimeInterval, Bool, Int) {
        let s = try TUIEndToEndTests.Setup()
        let t = s.tmux
        defer { t.shutdown() }
        // Two seats, one database, each with its own state directory (log and offline spool).
        func seat(_ name: String) -> [String] {
            [Binaries.path("haechi"), "--manuals", s.manuals.path, "--state", t.directory.appendingPathComponent("state-\(name)").path,
             "--store", address.description, "--operator", name]
        }
        try t.start("kim", width: 100, height: 30, seat("kim"))
        try t.waitFor("kim", "지진")
        try t.keys("kim", "Enter", "Down", "Down")
        try t.type("kim", "종로구")
        try t.keys("kim", "C-o")
        try t.waitFor("kim", "1.1 상황 접수 및 전파")

        try t.start("lee", width: 100, height: 30, seat("lee"))
        try t.waitFor("lee", "DRILL 지진 · 종로구")
        try t.keys("lee", "Tab", "Enter")
        try t.waitFor("lee", "[ ] 1.1")

        try t.keys("kim", "d")
        let started = Date()
        try t.waitFor("lee", "[x] 1.1", "kim: ‘상황 접수 및 전파’ → 완료", timeout: 120)
        let propagation = Date().timeIntervalSince(started)

        try t.keys("lee", "l", "Right", "Right", "Enter")
        try t.waitFor("kim", "경계 Orange", "2.1 재난안전대책본부 가동", "lee: 경보 단계 → 경계", timeout: 120)

        // The database goes away. Kim keeps working: the step is held on kim's machine and the
        // header says so in words.
        try server.stopServer()
        try t.keys("kim", "d")
        try t.waitFor("kim", "DB 연결 끊김 — 이 자리에", "보관 중", timeout: 120)
        try t.waitFor("kim", "[x] 1.2", timeout: 120)

        // Back: the spool is replayed, the header clears, lee sees the step, once.
        try server.startServer()
        try t.waitFor("lee", "[x] 1.2", timeout: 120)
        let cleared = try Self.poll(timeout: 120) { !t.capture("kim").contains("DB 연결 끊김") }
        let store = try PostgresStore(address)
        let incidents = try store.incidents()
        guard incidents.count == 1 else { throw Tmux.TmuxError(message: "incidents in the database: \(incidents)") }
        let events = try store.readAll(IncidentEvent.self, .journal(incident: incidents[0])).records
        let stepDone = events.filter { $0.stepChange?.step == "text" && $0.stepChange?.status == .done }.count
        try t.keys("kim", "C-c")
        try t.keys("lee", "C-c")
        guard try t.waitForExit("kim") == 0, try t.waitForExit("lee") == 0 else { throw Tmux.TmuxError(message: "a seat did not exit cleanly") }
        return (propagation, cleared, stepDone)
    }

    @Test func theHomeLineCountsTheSendersThatBeatInTheDatabase() throws {
        let (server, address) = try Self.database()
        defer { server.stop() }
        let store = try PostgresStore(address)
        let seat = TUIOutbox(state: StateDirectory(path: Binaries.temporaryDirectory("pg-home")), channels: nil, store: store)
        #expect(seat.statusSummary(now: Date()).sendersAlive == 0)
        #expect(seat.statusSummary(now: Date()).sender == .absent)
        try store.beat(sender: "room-a", now: Date())
        try store.beat(sender: "room-b", now: Date())
        let summary = seat.statusSummary(now: Date())
        #expect(summary.sendersAlive == 2)
        guard case .alive = summary.sender else { Issue.record("two fresh beats, yet \(summary.sender)"); return }
        // A minute later without beats: both stale, none alive.
        let later = seat.statusSummary(now: Date().addingTimeInterval(60))
        #expect(later.sendersAlive == 0)
        guard case .stale = later.sender else { Issue.record("old beats, yet \(later.sender)"); return }
    }

    static func poll(timeout: TimeInterval, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try condition() { return true }
            usleep(50_000)
        }
        return try condition()
    }
}
