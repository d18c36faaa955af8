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
///
/// It runs on a thread of its own with PostgresNIO's future API, not on a Swift concurrency
/// task: a seat or a test that blocks the cooperative pool (two threads here) must not be able
/// to delay a wake-up.
public final class PostgresWatch: StoreWatch {
    private let generation = Atomic<Int>(0)
    private let connection = Mutex<PostgresConnection?>(nil)
    private let stopped = Atomic<Bool>(false)

    public var changes: Int { generation.load(ordering: .acquiring) }

    /// `onChange` gets the payload: `outbox`, `ledger` or `journal:<incident>`, or `*` after a
    /// (re)connect.
    public init(store: PostgresStore, onChange: @escaping @Sendable (String) -> Void = { _ in }) {
        let configuration = Result { try store.configuration() }
        let logger = store.logger
        let thread = Thread { [self] in self.run(configuration, logger, onChange) }
        thread.name = "haechi-store-listen"
        thread.start()
    }

    private func run(_ configuration: Result<PostgresConnection.Configuration, any Error>, _ logger: Logger,
                     _ onChange: @escaping @Sendable (String) -> Void) {
        while !stopped.load(ordering: .acquiring) {
            if let config = try? configuration.get(),
               let c = try? PostgresConnection.connect(on: PostgresConnection.defaultEventLoopGroup.any(), configuration: config,
                                                       id: 2, logger: logger).wait() {
                connection.withLock { $0 = c }
                if !stopped.load(ordering: .acquiring) {
                    c.addListener(channel: "haechi") { [self] _, notification in self.bump(notification.payload, onChange) }
                    if (try? c.query("LISTEN haechi", logger: logger).wait()) != nil {
                        bump("*", onChange)
                        // Until the server goes away (restart, network) or `stop` closes it.
                        try? c.closeFuture.wait()
                    }
                }
                // PostgresNIO insists a connection is closed before it is released.
                try? (c.close() as EventLoopFuture<Void>).wait()
                connection.withLock { $0 = nil }
            }
            if !stopped.load(ordering: .acquiring) { usleep(500_000) }
        }
    }

    private func bump(_ payload: String, _ onChange: @Sendable (String) -> Void) {
        generation.add(1, ordering: .releasing)
        onChange(payload)
    }

    public func stop() {
        stopped.store(true, ordering: .releasing)
        if let c = connection.withLock({ $0 }) { _ = c.close() as EventLoopFuture<Void> }
    }
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
