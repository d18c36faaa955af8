import ArgumentParser
import Foundation
import HaechiCore
import HaechiStore

/// `haechi store …`: the shared PostgreSQL store: schema, roles, moving a state directory in
/// and out.
struct StoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Set up the shared PostgreSQL store and move records between it and a state directory.",
        discussion: """
        The store is --store URL or $HAECHI_STORE (postgresql://USER@HOST:PORT/DB?sslmode=require&passwordfile=FILE). \
        The password comes from passwordfile (mode 0600, yours) or $HAECHI_STORE_PASSWORD, never from the URL.
        """,
        subcommands: [StoreMigrateCommand.self, StoreExportCommand.self, StoreImportCommand.self, StoreStatusCommand.self]
    )
}

/// Opening the store a command was pointed at: the one place `--store`, `$HAECHI_STORE` and
/// `--state` are turned into a `Store`.
enum StoreShell {
    static func address(_ option: StateOption) throws -> StoreAddress {
        do {
            return try StoreAddress.resolve(option.store, state: StateDirectory.resolve(option.state))
        } catch {
            throw ValidationError("\(error)")
        }
    }

    /// The store, with its schema checked, and the local state directory (for a database: the
    /// log and the offline spool).
    static func open(_ option: StateOption) throws -> (store: any Store, state: StateDirectory) {
        let local = StateDirectory.resolve(option.state)
        switch try address(option) {
        case .files(let dir): return (FileStore(dir), dir)
        case .postgres(let pg): return (try PostgresStore(pg), local)
        }
    }

    static func postgres(_ option: StateOption, checkSchema: Bool = true) throws -> PostgresStore {
        guard case .postgres(let pg) = try address(option) else {
            throw ValidationError("this command needs a database: --store postgresql://USER@HOST:PORT/DB (or $HAECHI_STORE)")
        }
        return try PostgresStore(pg, checkSchema: checkSchema)
    }
}

struct StoreMigrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Create or upgrade the Haechi schema in the database (safe to run again).",
        discussion: """
        With --roles it also creates two group roles and their grants: haechi_seat (write journals \
        and the outbox, read everything, no ledger writes) and haechi_sender (read the outbox, write \
        the ledger, claims and heartbeats). Make login users members: \
        CREATE ROLE desk1 LOGIN PASSWORD '…' IN ROLE haechi_seat;
        """
    )
    @OptionGroup var stateOption: StateOption
    @Flag(help: "Also create the haechi_seat and haechi_sender roles with least privilege.") var roles = false

    func run() throws {
        let store = try StoreShell.postgres(stateOption, checkSchema: false)
        let before = try PostgresSchema.migrate(store, roles: roles)
        let now = PostgresSchema.current
        print(before == now ? "schema version \(now): already current" : "schema version \(now) (was \(before))")
        if roles { print("roles haechi_seat and haechi_sender granted") }
    }
}

struct StoreExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Copy every record from the database into a new state directory.")
    @OptionGroup var stateOption: StateOption
    @Argument(help: "An empty (or new) directory.") var directory: String

    func run() throws {
        let source = try StoreShell.postgres(stateOption)
        let target = StateDirectory(path: directory)
        for path in [target.outboxPath, target.deliveryPath] where FileManager.default.fileExists(atPath: path) {
            throw ValidationError("\(directory) already holds records (\(path)); export into an empty directory")
        }
        if let existing = try? FileManager.default.contentsOfDirectory(atPath: target.incidentsPath), !existing.isEmpty {
            throw ValidationError("\(directory) already holds incident journals; export into an empty directory")
        }
        try target.prepare()
        let counts = try StoreTransfer.copy(from: source, to: FileStore(target))
        print("exported \(counts) to \(directory)")
    }
}

struct StoreImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Copy every record of a state directory into the database (a second run adds nothing).")
    @OptionGroup var stateOption: StateOption
    @Argument(help: "The state directory to read.") var directory: String

    func run() throws {
        let target = try StoreShell.postgres(stateOption)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ValidationError("\(directory) is not a directory")
        }
        let counts = try StoreTransfer.copy(from: FileStore(StateDirectory(path: directory)), to: target)
        for b in counts.bad { OutboxShell.say("skipped \(b)") }
        print("imported \(counts) into \(target.location)")
    }
}

struct StoreStatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Say which store is used, its schema, and which senders beat recently.")
    @OptionGroup var stateOption: StateOption

    func run() throws {
        let (store, _) = try StoreShell.open(stateOption)
        print("store \(store.location)")
        if store is PostgresStore { print("schema version \(PostgresSchema.current)") }
        let now = Date()
        for beat in try store.senderBeats().sorted(by: { $0.name < $1.name }) {
            let status = SenderStatus.from(heartbeatMTime: beat.beat, now: now)
            print("sender \(beat.name): \(status.rawValue), last beat \(Int(now.timeIntervalSince(beat.beat)))s ago")
        }
    }
}
