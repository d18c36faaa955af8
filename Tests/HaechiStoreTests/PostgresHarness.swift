import Foundation
import HaechiCore
import Testing
@testable import HaechiStore

/// One throwaway PostgreSQL server per test process, started by the first test that needs it
/// and stopped at exit (PostgresScratch); a fresh database per test.
enum TestDatabase {
    static let server: Result<PostgresScratch, any Error> = Result { try PostgresScratch.start() }

    /// A new database with the current schema.
    static func fresh(roles: Bool = false) throws -> PostgresAddress {
        let address = try server.get().createDatabase()
        try PostgresSchema.migrate(PostgresStore(address, checkSchema: false), roles: roles)
        return address
    }
}

/// The two stores every store test runs against.
enum StoreKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case files, postgres
    var testDescription: String { rawValue }

    /// A new, empty store of this kind and a way to remove it.
    func make() throws -> (store: any Store, remove: @Sendable () -> Void) {
        switch self {
        case .files:
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("haechi-store-\(UUID().uuidString)").path
            let state = StateDirectory(path: dir)
            try state.prepare()
            return (FileStore(state), { try? FileManager.default.removeItem(atPath: dir) })
        case .postgres:
            return (try PostgresStore(TestDatabase.fresh()), {})
        }
    }
}

/// Polls until `condition` holds or `timeout` passes (never a fixed sleep before asserting).
func eventually(timeout: TimeInterval, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if try condition() { return true }
        usleep(10_000)
    }
    return try condition()
}

/// Runs blocking work (many database round trips, child processes) on a thread of its own, so
/// it does not hold one of the cooperative pool's few threads that other tests' tasks need.
func offThePool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { c in
        Thread { c.resume(with: Result { try body() }) }.start()
    }
}
