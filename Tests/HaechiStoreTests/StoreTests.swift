import Foundation
import HaechiCore
import HaechiTestSupport
import Synchronization
import Testing
@testable import HaechiStore

/// The store interface, against the file store and PostgreSQL alike: the same records in, the
/// same bytes and order out, followers that resume from a cursor, heartbeats, claims.
/// On threads of their own: they block on the database (and the first one on starting the
/// throwaway server), which on the shared pool starved every other suite's timers.
@Suite(.ownThread) struct StoreTests {
    static let at = Date(timeIntervalSince1970: 1_795_935_900)

    static func message(_ id: String, text: String = "마포구 하천변 접근 금지") -> OutboxMessage {
        OutboxMessage(id: id, incident: "drill-1", manual: "typhoon", district: "마포구", mode: .drill, kind: .emergency,
                      channels: ["x", "mastodon"], text: Localized(ko: text, en: "Keep away"), operator: "kim", created: at)
    }

    static func delivery(_ id: String, _ kind: DeliveryRecord.Kind, attempt: Int = 1, at: Date = at) -> DeliveryRecord {
        DeliveryRecord(kind: kind, message: id, channel: "mastodon", language: .ko, at: at, attempt: attempt)
    }

    /// A journal line as the files hold it (the incident model is HaechiCore's; the store
    /// only carries its bytes).
    static func event(_ incident: String, note: String, second: Int = 0) -> [UInt8] {
        let time = RecordCoding.formatTimestamp(at.addingTimeInterval(TimeInterval(second)))
        return Array(#"{"at":"\#(time)","incident":"\#(incident)","kind":"note","operator":"kim","text":"\#(note)"}"#.utf8)
    }

    func bodies(_ store: any Store, _ log: StoreLog, from cursor: StoreCursor = .start) throws -> (bodies: [[UInt8]], cursor: StoreCursor) {
        var out: [[UInt8]] = []
        var bad: [BadLine] = []
        let next = try store.read(log, from: cursor, following: true, record: { out.append(Array($0)) }, bad: { bad.append($0) })
        #expect(bad.isEmpty, "\(bad)")
        return (out, next)
    }

    @Test(arguments: StoreKind.allCases)
    func recordsComeBackAsTheSameBytesInAppendOrder(kind: StoreKind) throws {
        let (store, remove) = try kind.make()
        defer { remove() }
        var correction = Self.message("m-2"); correction.corrects = "m-1"
        let records: [OutboxRecord] = [
            .message(Self.message("m-1")), .correct(correction),
            .approve(message: "m-1", operator: "lee", at: Self.at), .cancel(message: "m-2", operator: "park", at: Self.at, reason: "오타 \"고침\""),
        ]
        for r in records { try store.append(r, to: .outbox) }
        let (read, bad) = try store.readAll(OutboxRecord.self, .outbox)
        #expect(bad.isEmpty)
        #expect(read == records)
        // The exact bytes a file line's `r` holds, so the files and the database hold one format.
        let raw = try bodies(store, .outbox).bodies
        #expect(raw == (try records.map { try RecordLog<OutboxRecord>.encode($0) }))

        let ledger = [Self.delivery("m-1", .attempt), Self.delivery("m-1", .delivered)]
        try store.append(ledger, to: .ledger)
        #expect(try store.readAll(DeliveryRecord.self, .ledger).records == ledger)

        try store.append(bodies: [Self.event("inc-a", note: "one"), Self.event("inc-a", note: "two", second: 1)], to: .journal(incident: "inc-a"))
        try store.append(bodies: [Self.event("inc-b", note: "other")], to: .journal(incident: "inc-b"))
        #expect(try bodies(store, .journal(incident: "inc-a")).bodies == [Self.event("inc-a", note: "one"), Self.event("inc-a", note: "two", second: 1)])
        #expect(try store.incidents() == ["inc-a", "inc-b"])
    }

    @Test(arguments: StoreKind.allCases)
    func aFollowerResumesFromItsCursorAndSeesOnlyWhatIsNew(kind: StoreKind) throws {
        let (store, remove) = try kind.make()
        defer { remove() }
        let (empty, start) = try bodies(store, .outbox)
        #expect(empty.isEmpty)
        try store.append(OutboxRecord.message(Self.message("m-1")), to: .outbox)
        let (first, afterFirst) = try bodies(store, .outbox, from: start)
        #expect(first.count == 1)
        let (none, same) = try bodies(store, .outbox, from: afterFirst)
        #expect(none.isEmpty && same == afterFirst)
        try store.append([OutboxRecord.message(Self.message("m-2")), .message(Self.message("m-3"))], to: .outbox)
        let (more, _) = try bodies(store, .outbox, from: afterFirst)
        #expect(more == (try ["m-2", "m-3"].map { try RecordLog<OutboxRecord>.encode(.message(Self.message($0))) }))
    }

    @Test(arguments: StoreKind.allCases)
    func concurrentWritersLoseNothingAndAFollowerMissesNothing(kind: StoreKind) async throws {
        let (store, remove) = try kind.make()
        defer { remove() }
        let (followed, failures, ok) = try await offThePool { try Self.writeConcurrently(kind: kind, store: store) }
        #expect(ok)
        #expect(failures.isEmpty, "\(failures)")
        let writers = 4, each = 60
        let expected = Set((0..<writers).flatMap { w in (0..<each).map { "w\(w)-\($0)" } })
        #expect(followed.count == expected.count, "the follower saw \(followed.count) of \(expected.count)")
        #expect(Set(followed) == expected)
        // Each writer's own records stay in its order.
        for w in 0..<writers {
            let mine = followed.filter { $0.hasPrefix("w\(w)-") }
            #expect(mine == (0..<each).map { "w\(w)-\($0)" })
        }
    }

    static func writeConcurrently(kind: StoreKind, store: any Store) throws -> (followed: [String], failures: [String], ok: Bool) {
        // Each writer with its own store object (its own connection, for the database), as
        // separate seats would be; a follower reads from its cursor while they write.
        let writers = 4, each = 60
        let seen = Mutex<[String]>([])
        let done = Atomic<Int>(0)
        let failures = Mutex<[String]>([])
        let follower = Thread {
            var cursor = StoreCursor.start
            while true {
                let finished = done.load(ordering: .acquiring) == writers
                do {
                    cursor = try store.read(OutboxRecord.self, .outbox, from: cursor, following: true,
                                            into: { r in seen.withLock { $0.append(r.messageID) } }, bad: { _ in })
                } catch { failures.withLock { $0.append("\(error)") } }
                if finished { break }
                usleep(2000)
            }
            done.add(1, ordering: .releasing)
        }
        follower.start()
        let copies: [any Store] = try (0..<writers).map { _ in
            switch kind {
            case .files: return store
            case .postgres: return try PostgresStore((store as! PostgresStore).address)
            }
        }
        DispatchQueue.concurrentPerform(iterations: writers) { w in
            for i in 0..<each {
                do { try copies[w].append(OutboxRecord.message(Self.message("w\(w)-\(i)")), to: .outbox) } catch {
                    failures.withLock { $0.append("\(error)") }
                }
            }
            done.add(1, ordering: .releasing)
        }
        let ok = eventually(timeout: 60) { done.load(ordering: .acquiring) == writers + 1 }
        return (seen.withLock { $0 }, failures.withLock { $0 }, ok)
    }

    @Test(arguments: StoreKind.allCases)
    func heartbeatsSayWhichSendersAreAlive(kind: StoreKind) throws {
        let (store, remove) = try kind.make()
        defer { remove() }
        #expect(store.senders(now: Date()).status == .absent)
        try store.beat(sender: "a", now: Date())
        let now = Date()
        let seen = store.senders(now: now)
        #expect(seen.status == .alive && seen.alive == 1)
        let newest = try #require(seen.newest)
        #expect(abs(newest.timeIntervalSince(now)) < 5)
        #expect(store.senders(now: now.addingTimeInterval(60)).status == .stale)
        if kind == .postgres {
            try store.beat(sender: "b", now: Date())
            #expect(store.senders(now: Date()).alive == 2)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aGrantedClaimHasItsAttemptInTheLedger(kind: StoreKind) throws {
        let (store, remove) = try kind.make()
        defer { remove() }
        let attempt = try RecordLog<DeliveryRecord>.encode(Self.delivery("m-1", .attempt))
        let answers = try store.claim([ClaimRequest(key: "m-1.mastodon.ko", attempt: attempt, known: 0)], holder: "a", lease: 30)
        #expect(answers == [.granted])
        #expect(try bodies(store, .ledger).bodies == [attempt])
    }

    // MARK: PostgreSQL only: what a shared database adds

    @Test func aRecordStoredTwiceIsReadOnce() throws {
        let store = try PostgresStore(TestDatabase.fresh())
        let record = OutboxRecord.message(Self.message("m-1"))
        try store.append(record, to: .outbox)
        // A retry after an unclear failure, or a spool replayed: the same bytes, the same id.
        try store.append([record, .message(Self.message("m-2")), record], to: .outbox)
        #expect(try store.readAll(OutboxRecord.self, .outbox).records.map(\.messageID) == ["m-1", "m-2"])
    }

    @Test func claimsGoToOneSenderUntilItsLeaseRunsOut() throws {
        let address = try TestDatabase.fresh()
        let a = try PostgresStore(address), b = try PostgresStore(address)
        let key = "m-1.mastodon.ko"
        let attemptA = try RecordLog<DeliveryRecord>.encode(Self.delivery("m-1", .attempt, attempt: 1))
        let attemptB = try RecordLog<DeliveryRecord>.encode(Self.delivery("m-1", .attempt, attempt: 1, at: Self.at.addingTimeInterval(1)))
        #expect(try a.claim([ClaimRequest(key: key, attempt: attemptA, known: 0)], holder: "A", lease: 1.5) == [.granted])
        // B has not seen A's attempt, and A's lease is live: B waits for the lease.
        let held = try b.claim([ClaimRequest(key: key, attempt: attemptB, known: 0)], holder: "B", lease: 1.5)
        guard case .held(let until) = try #require(held.first) else { Issue.record("expected held, got \(held)"); return }
        #expect(until > Date() && until < Date().addingTimeInterval(5))
        // After the lease B learns what A wrote (A died mid-request), and decides from it.
        #expect(eventually(timeout: 60) {
            (try? b.claim([ClaimRequest(key: key, attempt: attemptB, known: 0)], holder: "B", lease: 1.5)) == [.moved(records: [attemptA])]
        })
        // Knowing it, B takes the post over: its own attempt is recorded.
        #expect(try b.claim([ClaimRequest(key: key, attempt: attemptB, known: 1)], holder: "B", lease: 30) == [.granted])
        #expect(try bodies(a, .ledger).bodies == [attemptA, attemptB])
        // And now A, back from the dead, is the one held off.
        let late = try a.claim([ClaimRequest(key: key, attempt: attemptA, known: 1)], holder: "A", lease: 30)
        guard case .held = try #require(late.first) else { Issue.record("expected held, got \(late)"); return }
    }

    /// How fast is printed (and measured by `haechi-bench store`, seat to seat), not asserted:
    /// on a loaded machine the scheduler, not the store, decides a timed assertion.
    @Test func aWatcherIsWokenByAnotherSeatsAppend() throws {
        let address = try TestDatabase.fresh()
        let seatA = try PostgresStore(address), seatB = try PostgresStore(address)
        let payloads = Mutex<[String]>([])
        let watch = try #require(seatA.watch { p in payloads.withLock { $0.append(p) } })
        defer { watch.stop() }
        // Connected and listening: the first wake-up says "re-read everything".
        #expect(eventually(timeout: 60) { payloads.withLock { $0.contains("*") } })
        let before = watch.changes
        let start = Date()
        try seatB.append(bodies: [Self.event("inc-1", note: "from B")], to: .journal(incident: "inc-1"))
        #expect(eventually(timeout: 120) { payloads.withLock { $0.contains("journal:inc-1") } })
        print("PostgreSQL watch: append → woken in \(Int(Date().timeIntervalSince(start) * 1000)) ms")
        #expect(watch.changes > before)
    }

    @Test func theSchemaVersionIsCheckedOnConnect() throws {
        let server = try TestDatabase.server.get()
        let address = try server.createDatabase()
        let none = #expect(throws: StoreError.self) { try PostgresStore(address) }
        #expect(none?.description.contains("haechi store migrate") == true)
        try PostgresSchema.migrate(PostgresStore(address, checkSchema: false))
        _ = try PostgresStore(address)
        try server.sql("INSERT INTO haechi_schema (version) VALUES (\(PostgresSchema.current + 1))", database: address.database)
        let newer = #expect(throws: StoreError.self) { try PostgresStore(address) }
        #expect(newer?.description.contains("newer than this haechi understands") == true)
        try server.sql("DELETE FROM haechi_schema; INSERT INTO haechi_schema (version) VALUES (0)", database: address.database)
        let older = #expect(throws: StoreError.self) { try PostgresStore(address) }
        #expect(older?.description.contains("older than this haechi") == true)
    }

    @Test func seatsCannotWriteTheLedgerAndSendersCannotWriteTheOutbox() throws {
        let server = try TestDatabase.server.get()
        let address = try TestDatabase.fresh(roles: true)
        let suffix = address.database
        try server.sql("CREATE ROLE seat_\(suffix) LOGIN PASSWORD 'seatpw' IN ROLE haechi_seat", database: "postgres")
        try server.sql("CREATE ROLE sender_\(suffix) LOGIN PASSWORD 'senderpw' IN ROLE haechi_sender", database: "postgres")
        let seat = try PostgresStore(PostgresAddress(user: "seat_\(suffix)", host: "127.0.0.1", port: server.port, database: address.database),
                                     environment: ["HAECHI_STORE_PASSWORD": "seatpw"])
        let sender = try PostgresStore(PostgresAddress(user: "sender_\(suffix)", host: "127.0.0.1", port: server.port, database: address.database),
                                       environment: ["HAECHI_STORE_PASSWORD": "senderpw"])
        try seat.append(OutboxRecord.message(Self.message("m-1")), to: .outbox)
        try seat.append(bodies: [Self.event("inc-1", note: "n")], to: .journal(incident: "inc-1"))
        let denied = #expect(throws: (any Error).self) { try seat.append(Self.delivery("m-1", .delivered), to: .ledger) }
        #expect("\(denied.map(PostgresStore.describe) ?? "")".contains("permission denied"))
        #expect(try sender.readAll(OutboxRecord.self, .outbox).records.count == 1)
        try sender.append(Self.delivery("m-1", .delivered), to: .ledger)
        try sender.beat(sender: "s1", now: Date())
        #expect(throws: (any Error).self) { try sender.append(OutboxRecord.message(Self.message("m-2")), to: .outbox) }
        #expect(try seat.readAll(DeliveryRecord.self, .ledger).records.count == 1)
    }

    @Test func aPasswordIsNeverTakenFromTheURLNorShown() throws {
        #expect(throws: StoreAddress.Invalid.self) { try PostgresAddress(url: "postgresql://kim:secret@db.example/haechi") }
        do {
            _ = try PostgresAddress(url: "postgresql://kim:secret@db.example/haechi")
        } catch {
            #expect(!"\(error)".contains("secret"))
        }
        let a = try PostgresAddress(url: "postgresql://kim@db.example:6543/haechi?sslmode=verify-full&passwordfile=/etc/haechi/pg.pass")
        #expect(a.host == "db.example" && a.port == 6543 && a.database == "haechi" && a.tls == .verifyFull)
        #expect(a.passwordFile == "/etc/haechi/pg.pass")
        // A password file others can read is refused, with what to do.
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("pw-\(UUID().uuidString)").path
        try Data("pw\n".utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        chmod(path, 0o644)
        let refused = #expect(throws: SecretFile.Refused.self) { try PostgresAddress(user: "kim", host: "h", port: 1, database: "d", passwordFile: path).password() }
        #expect(refused?.description.contains("chmod 600") == true)
        chmod(path, 0o600)
        #expect(try PostgresAddress(user: "kim", host: "h", port: 1, database: "d", passwordFile: path).password() == "pw")
        // --store: a directory stays the files; anything else with a scheme is refused.
        let state = StateDirectory(path: "/tmp/x")
        guard case .files(let d) = try StoreAddress.resolve("/srv/haechi", state: state, environment: [:]) else { Issue.record("not files"); return }
        #expect(d.path == "/srv/haechi")
        guard case .files(let same) = try StoreAddress.resolve(nil, state: state, environment: [:]) else { Issue.record("not files"); return }
        #expect(same.path == "/tmp/x")
        guard case .postgres = try StoreAddress.resolve(nil, state: state, environment: ["HAECHI_STORE": "postgresql://u@h/db"]) else {
            Issue.record("HAECHI_STORE ignored"); return
        }
        #expect(throws: StoreAddress.Invalid.self) { try StoreAddress.resolve("mysql://u@h/db", state: state, environment: [:]) }
    }

    @Test func aStateDirectoryGoesIntoTheDatabaseAndBackUnchanged() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("haechi-transfer-\(UUID().uuidString)").path
        let back = dir + "-back"
        defer { try? FileManager.default.removeItem(atPath: dir); try? FileManager.default.removeItem(atPath: back) }
        let files = FileStore(StateDirectory(path: dir))
        try files.directory.prepare()
        try files.append(bodies: (0..<5).map { Self.event("inc-a", note: "a\($0)", second: $0) }, to: .journal(incident: "inc-a"))
        try files.append(bodies: [Self.event("inc-b", note: "b")], to: .journal(incident: "inc-b"))
        try files.append((0..<50).map { OutboxRecord.message(Self.message("m-\($0)", text: "본문 \($0) ✓")) }, to: .outbox)
        try files.append(OutboxRecord.approve(message: "m-1", operator: "lee", at: Self.at), to: .outbox)
        try files.append((0..<20).map { Self.delivery("m-\($0)", $0 % 2 == 0 ? .attempt : .delivered) }, to: .ledger)

        let db = try PostgresStore(TestDatabase.fresh())
        let counts = try StoreTransfer.copy(from: files, to: db, batch: 7)
        #expect(counts.journals == 2 && counts.events == 6 && counts.outbox == 51 && counts.ledger == 20 && counts.bad.isEmpty)
        // A second import adds nothing.
        _ = try StoreTransfer.copy(from: files, to: db)
        #expect(try bodies(db, .outbox).bodies.count == 51)

        let out = FileStore(StateDirectory(path: back))
        try out.directory.prepare()
        _ = try StoreTransfer.copy(from: db, to: out)
        for log in [StoreLog.journal(incident: "inc-a"), .journal(incident: "inc-b"), .outbox, .ledger] {
            let original = try String(contentsOfFile: files.path(log), encoding: .utf8)
            let returned = try String(contentsOfFile: out.path(log), encoding: .utf8)
            #expect(original == returned, "\(log) differs after the round trip")
        }
    }
}
