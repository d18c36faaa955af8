import Dispatch
import Foundation
import HaechiCore
import HaechiStore

/// Appends to the delivery ledger with group commit: records and claims asked for while a write
/// is running are gathered and go to the store together under the next one. Each caller still
/// returns only once its own record is durable, so "attempt durable before the request" holds,
/// but 32 requests in flight cost one fsync (or one database commit) rather than 32.
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

    init(store: any Store, holder: String, lease: TimeInterval) {
        self.store = store
        self.holder = holder
        self.lease = lease
    }

    func write(_ record: DeliveryRecord) async throws {
        let bytes = try RecordLog<DeliveryRecord>.encode(record)
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
            let (written, claimed): (Result<Void, any Error>, Result<[Claim], any Error>) = await withCheckedContinuation { finished in
                queue.async {
                    let written = Result { try store.append(bodies: bodies, to: .ledger) }
                    let claimed = requests.isEmpty ? .success([]) : Result { try store.claim(requests, holder: holder, lease: lease) }
                    finished.resume(returning: (written, claimed))
                }
            }
            for item in batch { item.done.resume(with: written) }
            switch claimed {
            case .success(let answers):
                for (item, answer) in zip(asks, answers) { item.done.resume(returning: answer) }
            case .failure(let error):
                for item in asks { item.done.resume(throwing: error) }
            }
        }
        flushing = false
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
