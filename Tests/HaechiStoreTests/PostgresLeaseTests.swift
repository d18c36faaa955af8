import Foundation
import HaechiCore
import HaechiTestSupport
import PostgresNIO
import Testing
@testable import HaechiStore

/// What lets many senders share the ledger without one lock: leases kept alive while a request
/// runs, outcomes and attempts in one commit, and followers that never skip a ledger row even
/// though senders' commits no longer land in `seq` order.
@Suite(.ownThread) struct PostgresLeaseTests {
    static func attempt(_ id: String, _ n: Int, second: Int = 0) throws -> [UInt8] {
        try RecordLog<DeliveryRecord>.encode(StoreTests.delivery(id, .attempt, attempt: n, at: StoreTests.at.addingTimeInterval(TimeInterval(second))))
    }

    @Test func aRenewedLeaseKeepsThePostAndOnlyALapsedOneIsTakenOver() throws {
        let address = try TestDatabase.fresh()
        let a = try PostgresStore(address), b = try PostgresStore(address)
        let key = "m-1.mastodon.ko"
        // Long enough that a loaded machine's pause between two renewals (every 0.3 s) cannot
        // let it lapse by accident.
        let lease: TimeInterval = 8
        let attemptA = try Self.attempt("m-1", 1), attemptB = try Self.attempt("m-1", 1, second: 1)
        #expect(try a.claim([ClaimRequest(key: key, attempt: attemptA, known: 0)], holder: "A", lease: lease) == [.granted])
        // A's request runs two leases long; A renews every 0.3 s (the sender does every quarter
        // lease): B is held off the whole time, whatever it knows.
        let until = Date().addingTimeInterval(2 * lease)
        var asked = 0
        while Date() < until {
            try a.renew([key], holder: "A", lease: lease)
            for known in [0, 1] {
                let answer = try b.claim([ClaimRequest(key: key, attempt: attemptB, known: known)], holder: "B", lease: lease)
                guard case .held = try #require(answer.first) else {
                    Issue.record("B got \(answer) while A renewed its lease")
                    return
                }
                asked += 1
            }
            usleep(300_000)
        }
        #expect(asked >= 10)
        // A stops renewing (it died mid-request): once the lease lapses B learns A's attempt
        // and takes the post over, under its own attempt.
        #expect(eventually(timeout: 120) {
            (try? b.claim([ClaimRequest(key: key, attempt: attemptB, known: 0)], holder: "B", lease: lease)) == [.moved(records: [attemptA])]
        })
        #expect(try b.claim([ClaimRequest(key: key, attempt: attemptB, known: 1)], holder: "B", lease: 30) == [.granted])
        // A, back, cannot renew what B now holds, nor claim it.
        try a.renew([key], holder: "A", lease: 30)
        let late = try a.claim([ClaimRequest(key: key, attempt: attemptA, known: 2)], holder: "A", lease: 30)
        guard case .held = try #require(late.first) else { Issue.record("A got \(late) after B took over"); return }
        var ledger: [[UInt8]] = []
        _ = try b.read(.ledger, from: .start, following: false, record: { ledger.append(Array($0)) }, bad: { _ in })
        #expect(ledger == [attemptA, attemptB])
    }

    @Test func outcomesAndNewAttemptsCommitTogether() throws {
        let store = try PostgresStore(TestDatabase.fresh())
        let first = try Self.attempt("m-1", 1)
        #expect(try store.claim([ClaimRequest(key: "m-1.mastodon.ko", attempt: first, known: 0)], holder: "A", lease: 30) == [.granted])
        let delivered = try RecordLog<DeliveryRecord>.encode(StoreTests.delivery("m-1", .delivered))
        let second = try Self.attempt("m-2", 1)
        #expect(try store.claim([ClaimRequest(key: "m-2.mastodon.ko", attempt: second, known: 0)], after: [delivered],
                                holder: "A", lease: 30) == [.granted])
        var ledger: [[UInt8]] = []
        _ = try store.read(.ledger, from: .start, following: false, record: { ledger.append(Array($0)) }, bad: { _ in })
        #expect(ledger == [first, delivered, second])
        // A claim the database refuses stores none of the outcomes that came with it.
        let orphan = try RecordLog<DeliveryRecord>.encode(StoreTests.delivery("m-3", .delivered))
        #expect(throws: (any Error).self) {
            try store.claim([ClaimRequest(key: "m-4.mastodon.ko", attempt: Array("not json".utf8), known: 0)], after: [orphan],
                            holder: "A", lease: 30)
        }
        ledger = []
        _ = try store.read(.ledger, from: .start, following: false, record: { ledger.append(Array($0)) }, bad: { _ in })
        #expect(ledger == [first, delivered, second])
    }
}

/// A transaction held open on purpose holds back every ledger reader of its server (the
/// horizon is the whole cluster's), so this test has a server of its own.
@Suite(.ownThread) struct PostgresLedgerOrderTests {
    static let server: Result<PostgresScratch, any Error> = Result { try PostgresScratch.start() }

    @Test func aLedgerFollowerMissesNoRowThatCommitsOutOfSeqOrder() throws {
        let server = try Self.server.get()
        let address = try server.createDatabase()
        try PostgresSchema.migrate(PostgresStore(address, checkSchema: false))
        let store = try PostgresStore(address)
        let early = try PostgresLeaseTests.attempt("m-1", 1), late = try PostgresLeaseTests.attempt("m-2", 1)
        // Two senders' transactions: the first takes the smaller seq but commits last.
        let slow = try store.connect(), fast = try store.connect()
        defer { PostgresStore.release(slow); PostgresStore.release(fast) }
        _ = try store.run(slow, "BEGIN")
        try store.insertLedger(slow, ids: [PostgresStore.recordID(early)], texts: [try PostgresStore.text(early)])
        try store.insertLedger(fast, ids: [PostgresStore.recordID(late)], texts: [try PostgresStore.text(late)])
        let seqs = try store.withConnection { c in
            try store.run(c, "SELECT seq FROM haechi_ledger ORDER BY seq").map { try $0.decode(Int.self) }
        }
        #expect(seqs.count == 1, "only the fast row is committed")
        var seen: [[UInt8]] = []
        // While the slow transaction runs, the fast row is held back: reading it now would move
        // the cursor past the slow row's smaller seq, and a seq-ordered re-read would never see it.
        var cursor = try store.readLedger(from: .start, patience: 0.2, record: { seen.append(Array($0)) })
        #expect(seen.isEmpty)
        _ = try store.run(slow, "COMMIT")
        cursor = try store.read(.ledger, from: cursor, following: true, record: { seen.append(Array($0)) }, bad: { _ in })
        #expect(seen == [early, late])
        // And nothing twice.
        _ = try store.read(.ledger, from: cursor, following: true, record: { seen.append(Array($0)) }, bad: { _ in })
        #expect(seen == [early, late])
    }
}
