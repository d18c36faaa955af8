import Foundation
import PostgresNIO
import Synchronization

/// Something that calls back when a store changed; stop it when done.
public protocol StoreWatch: Sendable {
    /// How many wake-ups so far; a follower re-reads when it moved.
    var changes: Int { get }
    func stop()
}

/// `LISTEN haechi` on a connection of its own, as a wake-up only: a notification carries no
/// record and is lost across a reconnect, so the follower always re-reads from the last seq it
/// saw. After every (re)connect it is woken once, for whatever happened while nobody listened.
public final class PostgresWatch: StoreWatch {
    private let generation = Atomic<Int>(0)
    private let task = Mutex<Task<Void, Never>?>(nil)
    private let connection = Mutex<PostgresConnection?>(nil)
    private let stopped = Atomic<Bool>(false)

    public var changes: Int { generation.load(ordering: .acquiring) }

    /// `onChange` gets the payload: `outbox`, `ledger` or `journal:<incident>`, or `*` after a
    /// (re)connect.
    public init(store: PostgresStore, onChange: @escaping @Sendable (String) -> Void = { _ in }) {
        let configuration = Result { try store.configuration() }
        let logger = store.logger
        let t = Task { [weak self] in
            while let self, !self.stopped.load(ordering: .acquiring) {
                if let c = try? await PostgresConnection.connect(configuration: configuration.get(), id: 2, logger: logger) {
                    self.connection.withLock { $0 = c }
                    if !self.stopped.load(ordering: .acquiring) {
                        // Ends with an error when the server goes away (restart, network).
                        try? await c.listen(on: "haechi") { notifications in
                            self.bump("*", onChange)
                            for try await n in notifications { self.bump(n.payload, onChange) }
                        }
                    }
                    // PostgresNIO insists a connection is closed before it is released.
                    try? await c.close()
                }
                self.connection.withLock { $0 = nil }
                try? await Task.sleep(nanoseconds: 500_000_000)
            }
        }
        task.withLock { $0 = t }
    }

    private func bump(_ payload: String, _ onChange: @Sendable (String) -> Void) {
        generation.add(1, ordering: .releasing)
        onChange(payload)
    }

    public func stop() {
        stopped.store(true, ordering: .releasing)
        task.withLock { $0?.cancel() }
        if let c = connection.withLock({ $0 }) { _ = c.close() as EventLoopFuture<Void> }
    }

    deinit { stop() }
}

extension PostgresStore {
    public func watch(_ onChange: @escaping @Sendable (String) -> Void) -> (any StoreWatch)? {
        PostgresWatch(store: self, onChange: onChange)
    }
}

extension FileStore {
    /// Files are followed by polling (and the sender's inotify): no database to listen to.
    public func watch(_ onChange: @escaping @Sendable (String) -> Void) -> (any StoreWatch)? { nil }
}
