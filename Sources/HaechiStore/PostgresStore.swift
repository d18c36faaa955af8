import Foundation
import HaechiCore
import PostgresNIO
import Synchronization

/// The records of many seats and senders in one PostgreSQL database (PostgresSchema.swift):
/// append-only tables keyed by client-made ids, read back in commit order, claims for the
/// senders, heartbeat rows, and `LISTEN/NOTIFY` to wake followers.
///
/// The interface is synchronous like the file store's, because its callers are: the TUI's
/// main loop, the command-line commands, and the sender's ledger queue (off the cooperative
/// pool). Queries run on PostgresNIO's event loop; the caller's thread waits for the answer,
/// which is why this must never be called from an event loop or a Swift concurrency thread.
/// One connection, used by one call at a time; a broken one is replaced on the next call.
public final class PostgresStore: Store, @unchecked Sendable {
    public let address: PostgresAddress
    private let password: String?
    private let lock = NSLock()
    /// Guarded by `lock`.
    private var connection: PostgresConnection?
    /// Keys whose claim row this store has made (or found): only new keys are registered
    /// before a claim. Guarded by `lock`.
    private var registered: Set<String> = []
    public let logger: Logger

    public var location: String { address.description }

    /// Every new connection checks the schema version first (`PostgresSchema.check`).
    private let checkSchema: Bool

    /// Connects and checks the schema version (`PostgresSchema.check`); throws a `StoreError`
    /// that says what to do when the database cannot be used. `connectNow: false` defers both
    /// to the first call (a seat that starts while the database is away).
    public init(_ address: PostgresAddress, environment: [String: String] = ProcessInfo.processInfo.environment,
                checkSchema: Bool = true, connectNow: Bool = true) throws {
        self.checkSchema = checkSchema
        self.address = address
        do {
            password = try address.password(environment: environment)
        } catch {
            throw StoreError("\(error)")
        }
        var logger = Logger(label: "haechi.store")
        // PostgresNIO logs at debug and trace; nothing of it belongs on a seat's screen.
        logger.logLevel = .critical
        self.logger = logger
        if connectNow {
            try withConnection { _ in }
        }
    }

    deinit {
        if let connection { Self.release(connection) }
    }

    // MARK: Connections

    func configuration() throws -> PostgresConnection.Configuration {
        var tls = PostgresConnection.Configuration.TLS.disable
        if address.tls != .disable {
            var config = TLSConfiguration.makeClientConfiguration()
            if address.tls == .require {
                config.certificateVerification = .none
            } else if let root = address.rootCertificate {
                config.trustRoots = .file(root)
            }
            do {
                tls = .require(try NIOSSLContext(configuration: config))
            } catch {
                throw StoreError("TLS for \(address): \(error)")
            }
        }
        var c = PostgresConnection.Configuration(host: address.host, port: address.port, username: address.user,
                                                 password: password, database: address.database, tls: tls)
        c.options.connectTimeout = .seconds(5)
        return c
    }

    /// A new connection of its own (for LISTEN, or a benchmark's peer loop).
    public func connect() throws -> PostgresConnection {
        let config = try configuration()
        do {
            return try PostgresConnection.connect(on: PostgresConnection.defaultEventLoopGroup.any(), configuration: config,
                                                  id: 1, logger: logger).wait()
        } catch {
            if let e = error as? PSQLError, e.code == .sslUnsupported {
                // Never a quiet fall back to plain text: the URL asked for TLS.
                throw StoreError("the database server \(address.host):\(address.port) does not offer TLS, and the store URL asks for it (sslmode=\(address.tls.rawValue)): not connecting without TLS. Turn on ssl in the server's postgresql.conf, or use sslmode=disable only on a trusted network")
            }
            if let e = error as? PSQLError, let underlying = e.underlying, underlying is NIOSSLError || underlying is BoringSSLError {
                // A wrong certificate is a setting to fix, not an outage to spool through.
                let detail = "\(underlying)"
                let why = detail.contains("CERTIFICATE_VERIFY_FAILED")
                    ? "the server's certificate could not be verified against \(address.rootCertificate ?? "the system's trusted authorities") for \(address.host)"
                    : "the TLS handshake failed"
                throw StoreError("cannot open TLS to the database \(address): \(why) (\(detail))")
            }
            throw StoreError("cannot reach the database \(address): \(Self.describe(error))", unreachable: true)
        }
    }

    /// Runs `body` on the store's connection, one caller at a time. A failure that may have
    /// broken the connection drops it, so the next call starts afresh.
    func withConnection<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        let c: PostgresConnection
        if let existing = connection, !existing.isClosed {
            c = existing
        } else {
            connection = nil
            c = try connect()
            if checkSchema {
                do {
                    try PostgresSchema.check(c, logger: logger, address: address)
                } catch {
                    Self.release(c)
                    if error is StoreError { throw error }
                    throw StoreError("database \(address): \(Self.describe(error))", unreachable: !Self.isServerError(error))
                }
            }
            connection = c
        }
        do {
            return try body(c)
        } catch {
            if Self.isServerError(error) {
                // The server answered: the connection is fine, only the statement failed.
                throw error
            }
            Self.release(c)
            connection = nil
            if error is StoreError { throw error }
            throw StoreError("database \(address): \(Self.describe(error))", unreachable: true)
        }
    }

    func run(_ c: PostgresConnection, _ query: PostgresQuery) throws -> PostgresQueryResult {
        try c.query(query, logger: logger).wait()
    }

    /// Runs `body` inside BEGIN … COMMIT on one connection; any error rolls back.
    func transaction<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        try withConnection { c in try inTransaction(c, body) }
    }

    /// BEGIN … COMMIT on a connection the caller already holds; any error rolls back.
    func inTransaction<T>(_ c: PostgresConnection, _ body: (PostgresConnection) throws -> T) throws -> T {
        _ = try run(c, "BEGIN")
        do {
            let value = try body(c)
            _ = try run(c, "COMMIT")
            return value
        } catch {
            _ = try? run(c, "ROLLBACK")
            throw error
        }
    }

    /// Wakes ledger followers after the records committed. Not inside the records' own
    /// transaction: NOTIFY takes one lock for the whole cluster at commit and holds it until the
    /// commit is on disk, which made every sender's commit wait for every other's fsync. A
    /// wake-up lost in a crash costs a follower at most its poll interval.
    ///
    /// `set_config(…, true)` in a statement run on its own lasts until its implicit commit: that
    /// commit does not wait for the disk, in one round trip, with no lock held across a round
    /// trip to the client.
    func wakeLedgerFollowers(_ c: PostgresConnection) {
        _ = try? run(c, "SELECT set_config('synchronous_commit', 'off', true), pg_notify('haechi', 'ledger')")
    }

    /// The ledger's append: no lock (PostgresSchema migration 2), records in the given order.
    func insertLedger(_ c: PostgresConnection, ids: [String], texts: [String]) throws {
        _ = try run(c, """
            INSERT INTO haechi_ledger (rid, key, body)
            SELECT r, (b::jsonb) ->> 'key', b FROM unnest(\(ids)::text[], \(texts)::text[]) WITH ORDINALITY AS t(r, b, i) ORDER BY i
            ON CONFLICT (rid) DO NOTHING
            """)
    }

    // MARK: Store

    public func append(bodies: [[UInt8]], to log: StoreLog) throws {
        guard !bodies.isEmpty else { return }
        let ids = bodies.map { Self.recordID($0) }
        let texts = try bodies.map { try Self.text($0) }
        let (name, incident) = Self.names(log)
        do {
            _ = try withConnection { c in
                if log == .ledger {
                    try insertLedger(c, ids: ids, texts: texts)
                    wakeLedgerFollowers(c)
                    return
                }
                if bodies.count == 1 {
                    // One record (a seat's usual append): the same lock, insert and wake-up as
                    // `haechi_append`, in one plain statement; no function call, no unnest sort.
                    let lockKey = "haechi:\(name):\(incident ?? "")"
                    let payload = incident.map { "\(name):\($0)" } ?? name
                    switch log {
                    case .journal(let id):
                        _ = try run(c, """
                            WITH l AS (SELECT pg_advisory_xact_lock(hashtext(\(lockKey)))), n AS (SELECT pg_notify('haechi', \(payload)) FROM l)
                            INSERT INTO haechi_journal (rid, incident, body) SELECT \(ids[0]), \(id), \(texts[0]) FROM l, n
                            ON CONFLICT (rid) DO NOTHING
                            """)
                    default:
                        _ = try run(c, """
                            WITH l AS (SELECT pg_advisory_xact_lock(hashtext(\(lockKey)))), n AS (SELECT pg_notify('haechi', \(payload)) FROM l)
                            INSERT INTO haechi_outbox (rid, body) SELECT \(ids[0]), \(texts[0]) FROM l, n
                            ON CONFLICT (rid) DO NOTHING
                            """)
                    }
                    return
                }
                _ = try run(c, "SELECT haechi_append(\(name), \(incident), \(ids), \(texts))")
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError("\(log) not stored in \(address): \(Self.describe(error))")
        }
    }

    public func read(_ log: StoreLog, from cursor: StoreCursor, following: Bool,
                     record: (ArraySlice<UInt8>) throws -> Void, bad: (BadLine) -> Void) throws -> StoreCursor {
        if log == .ledger { return try readLedger(from: cursor, patience: Self.ledgerPatience(following: following), record: record) }
        var cursor = cursor
        let page = 5000
        while true {
            let rows: [(Int, Int, String)] = try withConnection { c in
                let result: PostgresQueryResult
                switch log {
                case .journal(let incident):
                    result = try run(c, "SELECT seq, 0::bigint, body FROM haechi_journal WHERE incident = \(incident) AND seq > \(cursor.position) ORDER BY seq LIMIT \(page)")
                case .outbox:
                    result = try run(c, "SELECT seq, 0::bigint, body FROM haechi_outbox WHERE seq > \(cursor.position) ORDER BY seq LIMIT \(page)")
                case .ledger:
                    return []
                }
                return try result.map { try $0.decode((Int, Int, String).self) }
            }
            for (seq, tx, body) in rows {
                try record(Array(body.utf8)[...])
                cursor.position = seq
                cursor.transaction = tx
                cursor.line += 1
            }
            if rows.count < page { return cursor }
        }
    }

    /// How long a ledger read waits for an older transaction still running (see `readLedger`):
    /// a follower (a seat's screen) reads again soon anyway; a one-shot read (a report, an
    /// export, a sender's start) must not come back short because of a slow commit elsewhere.
    static func ledgerPatience(following: Bool) -> TimeInterval { following ? 2 : 15 }

    /// The ledger in (tx, seq) order (PostgresSchema migration 2). A row is handed out only when
    /// every transaction older than its own has finished (`tx` below the snapshot's xmin): until
    /// then an older one may still commit a row that belongs before it, and a cursor moved past
    /// that place would never see it. Such a transaction is a sender's claim, milliseconds long,
    /// so the read waits for it, up to `patience`; after that it returns what is final and
    /// a follower picks up the rest on its next read.
    func readLedger(from start: StoreCursor, patience: TimeInterval, record: (ArraySlice<UInt8>) throws -> Void) throws -> StoreCursor {
        var cursor = start
        let page = 5000
        let giveUp = Date().addingTimeInterval(patience)
        while true {
            let rows: [(Int, Int, String, Bool)] = try withConnection { c in
                // One xmin for the statement (an InitPlan), from the snapshot that decides
                // which rows this statement sees.
                try run(c, """
                    SELECT seq, tx::text::bigint, body, tx < (SELECT pg_snapshot_xmin(pg_current_snapshot())) FROM haechi_ledger
                    WHERE (tx, seq) > (\(String(cursor.transaction))::xid8, \(cursor.position))
                    ORDER BY tx, seq LIMIT \(page)
                    """).map { try $0.decode((Int, Int, String, Bool).self) }
            }
            var settled = true
            for (seq, tx, body, final) in rows {
                guard final else { settled = false; break }
                try record(Array(body.utf8)[...])
                cursor.position = seq
                cursor.transaction = tx
                cursor.line += 1
            }
            if !settled {
                if Date() >= giveUp { return cursor }
                usleep(2_000)
                continue
            }
            if rows.count < page { return cursor }
        }
    }

    public func incidents() throws -> [String] {
        try withConnection { c in
            try run(c, "SELECT DISTINCT incident FROM haechi_journal ORDER BY incident").map { try $0.decode(String.self) }
        }
    }

    public func beat(sender name: String, now: Date) throws {
        let host = ProcessInfo.processInfo.hostName
        let pid = Int(ProcessInfo.processInfo.processIdentifier)
        _ = try withConnection { c in
            try run(c, """
                INSERT INTO haechi_senders (name, host, pid, started, beat) VALUES (\(name), \(host), \(pid), now(), now())
                ON CONFLICT (name) DO UPDATE SET beat = now()
                """)
        }
    }

    /// Beats are the server's times, moved onto this machine's clock by the difference between
    /// the two, so a seat whose clock is off still judges a sender's age right.
    public func senderBeats() throws -> [SenderBeat] {
        let local = Date()
        return try withConnection { c in
            try run(c, "SELECT name, beat, now() FROM haechi_senders").map { row in
                let (name, beat, serverNow) = try row.decode((String, Date, Date).self)
                return SenderBeat(name: name, beat: local.addingTimeInterval(beat.timeIntervalSince(serverNow)))
            }
        }
    }

    public func claim(_ requests: [ClaimRequest], after records: [[UInt8]], holder: String, lease: TimeInterval) throws -> [Claim] {
        guard !requests.isEmpty else {
            try append(bodies: records, to: .ledger)
            return []
        }
        let keys = requests.map(\.key)
        let leaseSeconds = Double(max(0.1, lease))
        let recordIDs = records.map { Self.recordID($0) }
        let recordTexts = try records.map { try Self.text($0) }
        return try withConnection { c in
            // Filtered by lookups into the (large) set, not by a set operation that walks it.
            let unregistered = Array(Set(keys.filter { !registered.contains($0) })).sorted()
            if !unregistered.isEmpty {
                // A claim row is made once per post, in a commit that does not wait for the disk:
                // another sender inserting the same key waits for this commit (a unique index
                // does), and should wait microseconds, not an fsync. A row lost in a crash is
                // made again: a key found neither free nor locked is forgotten below. Rows that
                // exist are left alone before the insert tries them: the unique check would wait
                // for a sender whose claim holds that row, fsync and all. One statement
                // (see `wakeLedgerFollowers` for the set_config). Sorted, so two senders inserting overlapping sets never wait in a cycle.
                _ = try run(c, """
                    WITH quick AS (SELECT set_config('synchronous_commit', 'off', true))
                    INSERT INTO haechi_claims (key) SELECT k FROM unnest(\(unregistered)::text[]) AS k, quick
                    WHERE NOT EXISTS (SELECT FROM haechi_claims c WHERE c.key = k) ORDER BY k ON CONFLICT DO NOTHING
                    """)
                // Only a shortcut: bounded, so a sender running for months does not grow it forever.
                if registered.count > 200_000 { registered.removeAll() }
                registered.formUnion(unregistered)
            }
            let answers = try inTransaction(c) { c -> [Claim] in
                // SKIP LOCKED: a post another sender is claiming at this very moment is left to it.
                var leases: [String: (holder: String?, until: Date?)] = [:]
                var serverNow = Date()
                for row in try run(c, "SELECT key, holder, lease_until, now() FROM haechi_claims WHERE key = ANY(\(keys)) FOR UPDATE SKIP LOCKED") {
                    let (key, owner, until, now) = try row.decode((String, String?, Date?, Date).self)
                    leases[key] = (owner, until)
                    serverNow = now
                }
                // What the ledger holds for the posts this transaction now holds: nobody else
                // can make an attempt at them until it commits.
                let locked = Array(leases.keys)
                var ledger: [String: [[UInt8]]] = [:]
                if !locked.isEmpty {
                    for row in try run(c, "SELECT key, body FROM haechi_ledger WHERE key = ANY(\(locked)) ORDER BY seq") {
                        let (key, body) = try row.decode((String, String).self)
                        ledger[key, default: []].append(Array(body.utf8))
                    }
                }
                let local = Date()
                var answers: [Claim] = []
                var granted: [ClaimRequest] = []
                var grantedKeys: Set<String> = []
                for request in requests {
                    guard let lease = leases[request.key] else {
                        answers.append(.held(until: local.addingTimeInterval(0.2)))
                        continue
                    }
                    if let owner = lease.holder, owner != holder, let until = lease.until, until > serverNow {
                        answers.append(.held(until: local.addingTimeInterval(until.timeIntervalSince(serverNow))))
                        continue
                    }
                    let records = ledger[request.key] ?? []
                    if records.count != request.known || grantedKeys.contains(request.key) {
                        answers.append(.moved(records: records))
                        continue
                    }
                    granted.append(request)
                    grantedKeys.insert(request.key)
                    answers.append(.granted)
                }
                if !granted.isEmpty {
                    _ = try run(c, "UPDATE haechi_claims SET holder = \(holder), lease_until = now() + make_interval(secs => \(leaseSeconds)) WHERE key = ANY(\(Array(grantedKeys)))")
                }
                // The outcomes that came back since the last claim, then the new attempts: one
                // commit for both, and each attempt durable before its request goes out.
                let ids = recordIDs + granted.map { Self.recordID($0.attempt) }
                let texts = try recordTexts + granted.map { try Self.text($0.attempt) }
                if !ids.isEmpty { try insertLedger(c, ids: ids, texts: texts) }
                // Keys neither free nor locked by another have no claim row (lost in a crash
                // before its commit reached the disk): register them again next time.
                for key in keys where leases[key] == nil { registered.remove(key) }
                return answers
            }
            if !records.isEmpty || answers.contains(.granted) { wakeLedgerFollowers(c) }
            return answers
        }
    }

    /// Extends the leases `holder` still has on `keys` (requests slower than a lease). A post
    /// another sender has taken over since (its lease ran out first) is not taken back: its
    /// row names the new holder, and a claim in progress holds the row until it commits.
    public func renew(_ keys: [String], holder: String, lease: TimeInterval) throws {
        guard !keys.isEmpty else { return }
        let leaseSeconds = Double(max(0.1, lease))
        _ = try withConnection { c in
            try run(c, "UPDATE haechi_claims SET lease_until = now() + make_interval(secs => \(leaseSeconds)) WHERE holder = \(holder) AND key = ANY(\(keys))")
        }
    }

    // MARK: Helpers

    /// Closes a connection without waiting for it. PostgresNIO insists a connection is closed
    /// before it is released, so the close's own callback keeps it alive until then; waiting
    /// instead (in a deinit, on a connection the server dropped) was seen to hang.
    static func release(_ connection: PostgresConnection) {
        (connection.close() as EventLoopFuture<Void>).whenComplete { _ in withExtendedLifetime(connection) {} }
    }

    static func names(_ log: StoreLog) -> (String, String?) {
        switch log {
        case .journal(let incident): ("journal", incident)
        case .outbox: ("outbox", nil)
        case .ledger: ("ledger", nil)
        }
    }

    /// Records are UTF-8 JSON; a text column keeps their bytes exactly (jsonb would not).
    static func text(_ body: [UInt8]) throws -> String {
        guard let s = String(validating: body, as: UTF8.self), !body.contains(0) else {
            throw StoreError("a record is not valid UTF-8 text; not stored")
        }
        return s
    }

    /// True when the server itself refused the statement (constraint, permission, syntax):
    /// the connection is still good.
    static func isServerError(_ error: any Error) -> Bool {
        (error as? PSQLError)?.serverInfo != nil
    }

    /// PSQLError's description hides the server's words on purpose; an operator needs them.
    public static func describe(_ error: any Error) -> String {
        if let store = error as? StoreError { return store.description }
        guard let e = error as? PSQLError else { return "\(error)" }
        if let info = e.serverInfo, let message = info[.message] {
            return message + (info[.sqlState].map { " (SQLSTATE \($0))" } ?? "")
        }
        if let underlying = e.underlying { return "\(e.code): \(underlying)" }
        return "\(e.code)"
    }

    /// The server's SQLSTATE for a refused statement, e.g. "42501" for a missing privilege.
    public static func sqlState(_ error: any Error) -> String? {
        (error as? PSQLError)?.serverInfo?[.sqlState]
    }
}

/// Why a store could not be used, in words for the operator.
public struct StoreError: Error, CustomStringConvertible, Sendable {
    public let description: String
    /// True when the database could not be reached at all (the seat may spool).
    public let unreachable: Bool
    public init(_ description: String, unreachable: Bool = false) {
        self.description = description
        self.unreachable = unreachable
    }
}
