import Foundation
import PostgresNIO

/// The database schema, versioned. `haechi store migrate` applies what is missing; every
/// command checks the version when it connects and refuses a schema it does not understand.
///
/// Journal, outbox and ledger are append-only tables holding the record bytes exactly as a file
/// line's `r` holds them (text, not jsonb, which would reorder keys), keyed by `rid`, an id the
/// client makes from the bytes, so `ON CONFLICT DO NOTHING` makes a retry or a replay harmless.
/// `seq` orders them. Appends to a journal or the outbox are serialised (`haechi_append` takes a
/// transaction advisory lock), so `seq` order is commit order and a follower that re-reads
/// "after the last seq I saw" can never miss a row that committed late with a smaller number.
/// The ledger, which every sender writes twice per post, is not serialised: its followers read
/// by writing transaction instead (migration 2).
public enum PostgresSchema {
    /// The version this build writes and understands.
    public static var current: Int { migrations.count }

    /// Migration n (1-based) brings the schema from version n-1 to n. One statement per entry
    /// (the extended protocol takes one at a time). Never edit an applied entry: add one.
    static let migrations: [[String]] = [
        [
            """
            CREATE TABLE haechi_journal (
                seq bigserial PRIMARY KEY,
                rid text NOT NULL UNIQUE,
                incident text NOT NULL,
                body text NOT NULL,
                stored timestamptz NOT NULL DEFAULT now())
            """,
            "CREATE INDEX haechi_journal_incident ON haechi_journal (incident, seq)",
            """
            CREATE TABLE haechi_outbox (
                seq bigserial PRIMARY KEY,
                rid text NOT NULL UNIQUE,
                body text NOT NULL,
                stored timestamptz NOT NULL DEFAULT now())
            """,
            """
            CREATE TABLE haechi_ledger (
                seq bigserial PRIMARY KEY,
                rid text NOT NULL UNIQUE,
                key text NOT NULL,
                body text NOT NULL,
                stored timestamptz NOT NULL DEFAULT now())
            """,
            "CREATE INDEX haechi_ledger_key ON haechi_ledger (key, seq)",
            // One row per post a sender has asked for: who holds it, until when.
            """
            CREATE TABLE haechi_claims (
                key text PRIMARY KEY,
                holder text,
                lease_until timestamptz)
            """,
            """
            CREATE TABLE haechi_senders (
                name text PRIMARY KEY,
                host text NOT NULL,
                pid integer NOT NULL,
                started timestamptz NOT NULL,
                beat timestamptz NOT NULL)
            """,
            // SECURITY INVOKER (the default): the caller's own table privileges apply, so a seat
            // cannot append to the ledger through this function either.
            """
            CREATE FUNCTION haechi_append(p_log text, p_incident text, p_rids text[], p_bodies text[]) RETURNS integer
            LANGUAGE plpgsql AS $$
            DECLARE
                n integer;
            BEGIN
                PERFORM pg_advisory_xact_lock(hashtext('haechi:' || p_log || ':' || coalesce(p_incident, '')));
                IF p_log = 'journal' THEN
                    INSERT INTO haechi_journal (rid, incident, body)
                        SELECT r, p_incident, b FROM unnest(p_rids, p_bodies) WITH ORDINALITY AS t(r, b, i) ORDER BY i
                        ON CONFLICT (rid) DO NOTHING;
                ELSIF p_log = 'outbox' THEN
                    INSERT INTO haechi_outbox (rid, body)
                        SELECT r, b FROM unnest(p_rids, p_bodies) WITH ORDINALITY AS t(r, b, i) ORDER BY i
                        ON CONFLICT (rid) DO NOTHING;
                ELSIF p_log = 'ledger' THEN
                    INSERT INTO haechi_ledger (rid, key, body)
                        SELECT r, (b::jsonb) ->> 'key', b FROM unnest(p_rids, p_bodies) WITH ORDINALITY AS t(r, b, i) ORDER BY i
                        ON CONFLICT (rid) DO NOTHING;
                ELSE
                    RAISE EXCEPTION 'unknown log %', p_log;
                END IF;
                GET DIAGNOSTICS n = ROW_COUNT;
                -- A wake-up only, delivered at commit: followers re-read from their last seq.
                PERFORM pg_notify('haechi', p_log || coalesce(':' || p_incident, ''));
                RETURN n;
            END
            $$
            """,
        ],
        // 2: the ledger without a global lock. Every sender appends to it (an attempt before
        // each request, an outcome after), and one serialised log made every sender's commit
        // wait for every other's fsync: 3 senders drained no faster than 1. Ledger rows now carry
        // the id of the transaction that wrote them, and a follower reads only rows of
        // transactions older than every one still running (`pg_snapshot_xmin`), in (tx, seq)
        // order: those can no longer change, and anything committed later has a larger tx, so
        // the cursor still never skips a row. Journals and the outbox keep their lock: seats
        // append rarely, and their followers read by seq.
        [
            "ALTER TABLE haechi_ledger ADD COLUMN tx xid8 NOT NULL DEFAULT pg_current_xact_id()",
            "CREATE INDEX haechi_ledger_tx ON haechi_ledger (tx, seq)",
            """
            CREATE OR REPLACE FUNCTION haechi_append(p_log text, p_incident text, p_rids text[], p_bodies text[]) RETURNS integer
            LANGUAGE plpgsql AS $$
            DECLARE
                n integer;
            BEGIN
                IF p_log = 'ledger' THEN
                    -- No lock and no NOTIFY here (NOTIFY takes a cluster-wide lock until the commit
                    -- is on disk): the store wakes ledger followers after its commit instead.
                    INSERT INTO haechi_ledger (rid, key, body)
                        SELECT r, (b::jsonb) ->> 'key', b FROM unnest(p_rids, p_bodies) WITH ORDINALITY AS t(r, b, i) ORDER BY i
                        ON CONFLICT (rid) DO NOTHING;
                    GET DIAGNOSTICS n = ROW_COUNT;
                    RETURN n;
                END IF;
                PERFORM pg_advisory_xact_lock(hashtext('haechi:' || p_log || ':' || coalesce(p_incident, '')));
                IF p_log = 'journal' THEN
                    INSERT INTO haechi_journal (rid, incident, body)
                        SELECT r, p_incident, b FROM unnest(p_rids, p_bodies) WITH ORDINALITY AS t(r, b, i) ORDER BY i
                        ON CONFLICT (rid) DO NOTHING;
                ELSIF p_log = 'outbox' THEN
                    INSERT INTO haechi_outbox (rid, body)
                        SELECT r, b FROM unnest(p_rids, p_bodies) WITH ORDINALITY AS t(r, b, i) ORDER BY i
                        ON CONFLICT (rid) DO NOTHING;
                ELSE
                    RAISE EXCEPTION 'unknown log %', p_log;
                END IF;
                GET DIAGNOSTICS n = ROW_COUNT;
                -- A wake-up only, delivered at commit: followers re-read from their last seq.
                PERFORM pg_notify('haechi', p_log || coalesce(':' || p_incident, ''));
                RETURN n;
            END
            $$
            """,
        ],
    ]

    /// The role statements of `haechi store migrate --roles`: seats write journals and the
    /// outbox and read everything; senders read the outbox and write the ledger, claims and
    /// heartbeats. Neither may do the other's writes. Login users are then made members:
    /// `CREATE ROLE desk1 LOGIN PASSWORD '…' IN ROLE haechi_seat`.
    static let roles: [String] = [
        """
        DO $$ BEGIN
            IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'haechi_seat') THEN CREATE ROLE haechi_seat NOLOGIN; END IF;
            IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'haechi_sender') THEN CREATE ROLE haechi_sender NOLOGIN; END IF;
        END $$
        """,
        "REVOKE ALL ON haechi_schema, haechi_journal, haechi_outbox, haechi_ledger, haechi_claims, haechi_senders FROM PUBLIC",
        "GRANT SELECT ON haechi_schema, haechi_journal, haechi_outbox, haechi_ledger, haechi_claims, haechi_senders TO haechi_seat",
        "GRANT INSERT ON haechi_journal, haechi_outbox TO haechi_seat",
        "GRANT USAGE ON SEQUENCE haechi_journal_seq_seq, haechi_outbox_seq_seq TO haechi_seat",
        "GRANT SELECT ON haechi_schema, haechi_outbox, haechi_ledger, haechi_claims, haechi_senders TO haechi_sender",
        "GRANT INSERT ON haechi_ledger TO haechi_sender",
        "GRANT INSERT, UPDATE ON haechi_claims, haechi_senders TO haechi_sender",
        "GRANT USAGE ON SEQUENCE haechi_ledger_seq_seq TO haechi_sender",
    ]

    /// Brings the schema to `current`. Safe to run twice, and from two places at once (an
    /// advisory lock serialises migrators). Returns the version found before.
    @discardableResult
    public static func migrate(_ store: PostgresStore, roles: Bool = false) throws -> Int {
        try store.transaction { c in
            _ = try store.run(c, "SELECT pg_advisory_xact_lock(hashtext('haechi:migrate'))")
            _ = try store.run(c, "CREATE TABLE IF NOT EXISTS haechi_schema (version integer NOT NULL, applied timestamptz NOT NULL DEFAULT now())")
            let found = try store.run(c, "SELECT coalesce(max(version), 0) FROM haechi_schema").first?.decode(Int.self) ?? 0
            if found > current {
                throw StoreError(newer(found))
            }
            for version in (found + 1)...max(found + 1, current) where version <= current {
                for statement in migrations[version - 1] {
                    _ = try store.run(c, PostgresQuery(unsafeSQL: statement))
                }
                _ = try store.run(c, "INSERT INTO haechi_schema (version) VALUES (\(version))")
            }
            if roles {
                for statement in Self.roles { _ = try store.run(c, PostgresQuery(unsafeSQL: statement)) }
            }
            return found
        }
    }

    /// Every command's check on connect.
    static func check(_ c: PostgresConnection, logger: Logger, address: PostgresAddress) throws {
        let version: Int
        do {
            let rows = try c.query("SELECT coalesce(max(version), 0) FROM haechi_schema", logger: logger).wait()
            version = try rows.first?.decode(Int.self) ?? 0
        } catch {
            if PostgresStore.sqlState(error) == "42P01" {
                throw StoreError("the database \(address) has no Haechi schema yet: run `haechi store migrate --store \(address)`")
            }
            throw error
        }
        if version < current {
            throw StoreError("the database \(address) has schema version \(version), older than this haechi's \(current): run `haechi store migrate --store \(address)`")
        }
        if version > current { throw StoreError(newer(version) + " (\(address))") }
    }

    static func newer(_ version: Int) -> String {
        "the database schema is version \(version), newer than this haechi understands (\(current)): upgrade haechi on this machine"
    }
}
