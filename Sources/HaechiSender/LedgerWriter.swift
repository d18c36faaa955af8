import Dispatch
import Foundation
import HaechiCore
import HaechiStore

/// Appends to the delivery ledger with group commit: records and claims asked for while a write
/// is running are gathered and go to the store together under the next one, outcomes and new
/// attempts in one transaction (`Store.claim(_:after:…)`). Each caller still returns only once
/// its own record is durable, so "attempt durable before the request" holds, but 32 requests
/// in flight cost one fsync (or one database commit) rather than 32.
///
/// It also keeps the leases of the posts whose requests are in flight: `renewLeases`, called
/// every quarter lease, extends them, so a request slower than a lease is not taken over by
/// another sender while it is still running.
actor LedgerWriter {
    private let store: any Store
    /// Who this sender is in the database's claims and heartbeats.
    let holder: String
    private let lease: TimeInterval
    /// Blocking store I/O runs here, off the cooperative threads (there may be only two).
    private let queue = DispatchQueue(label: "haechi.sender.ledger")
    private var writes: [(bytes: [UInt8], done: CheckedContinuation<Void, any Error>)] = []
    private var claims: [(request: ClaimRequest, done: CheckedContinuation<Claim, any Error>)] = []
    private var flushing = false
    /// Posts this sender holds a lease on and has no outcome for yet.
    private var leased: Set<String> = []

    init(store: any Store, holder: String, lease: TimeInterval) {
        self.store = store
        self.holder = holder
        self.lease = lease
    }

    func write(_ record: DeliveryRecord) async throws {
        let bytes = try RecordLog<DeliveryRecord>.encode(record)
        // Any record after the attempt ends this sender's request: the lease may lapse now.
        if record.kind != .attempt { leased.remove(record.key) }
        try await withCheckedThrowingContinuation { (done: CheckedContinuation<Void, any Error>) in
            writes.append((bytes, done))
            startFlush()
        }
    }

    /// Records `attempt` and takes the post's lease, unless the store says otherwise (`Claim`).
    func claim(_ attempt: DeliveryRecord, known: Int) async throws -> Claim {
        let bytes = try RecordLog<DeliveryRecord>.encode(attempt)
        return try await withCheckedThrowingContinuation { (done: CheckedContinuation<Claim, any Error>) in
            claims.append((ClaimRequest(key: attempt.key, attempt: bytes, known: known), done))
            startFlush()
        }
    }

    private func startFlush() {
        if !flushing {
            flushing = true
            Task { await self.flush() }
        }
    }

    private func flush() async {
        while !writes.isEmpty || !claims.isEmpty {
            let batch = writes
            let asks = claims
            writes = []
            claims = []
            let store = self.store
            let holder = self.holder
            let lease = self.lease
            let bodies = batch.map(\.bytes)
            let requests = asks.map(\.request)
            let claimed: Result<[Claim], any Error> = await withCheckedContinuation { finished in
                queue.async {
                    finished.resume(returning: Result<[Claim], any Error> {
                        if requests.isEmpty {
                            try store.append(bodies: bodies, to: .ledger)
                            return []
                        }
                        return try store.claim(requests, after: bodies, holder: holder, lease: lease)
                    })
                }
            }
            switch claimed {
            case .success(let answers):
                for item in batch { item.done.resume() }
                for (item, answer) in zip(asks, answers) {
                    if answer == .granted { leased.insert(item.request.key) }
                    item.done.resume(returning: answer)
                }
            case .failure(let error):
                for item in batch { item.done.resume(throwing: error) }
                for item in asks { item.done.resume(throwing: error) }
            }
        }
        flushing = false
    }

    /// Extends the leases of the requests still in flight. A failure is left to the next call
    /// (the database may be restarting); the lease is four renewals long.
    func renewLeases() async {
        guard !leased.isEmpty else { return }
        let store = self.store
        let holder = self.holder
        let lease = self.lease
        let keys = Array(leased)
        await withCheckedContinuation { (finished: CheckedContinuation<Void, Never>) in
            queue.async {
                try? store.renew(keys, holder: holder, lease: lease)
                finished.resume()
            }
        }
    }

    /// How often `renewLeases` runs: a quarter lease, so three renewals in a row may be late or
    /// fail before another sender could take a post over.
    static func renewalInterval(lease: TimeInterval) -> TimeInterval { max(0.05, lease / 4) }

    /// The names of the senders whose heartbeat is recent (`SenderStatus`), for `SenderShare`.
    func alivePeers(now: Date) async -> [String] {
        let store = self.store
        return await withCheckedContinuation { (finished: CheckedContinuation<[String], Never>) in
            queue.async {
                let beats = (try? store.senderBeats()) ?? []
                finished.resume(returning: beats.filter { SenderStatus.from(heartbeatMTime: $0.beat, now: now) == .alive }.map(\.name).sorted())
            }
        }
    }

    /// The sender's heartbeat: the file's mtime, or its row in the database.
    func beat(now: Date) async {
        let store = self.store
        let holder = self.holder
        await withCheckedContinuation { (finished: CheckedContinuation<Void, Never>) in
            queue.async {
                try? store.beat(sender: holder, now: now)
                finished.resume()
            }
        }
    }
}
