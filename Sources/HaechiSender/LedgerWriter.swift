import Dispatch
import Foundation
import HaechiCore
import HaechiStore

/// Appends to `delivery.jsonl` with group commit: records written while an fsync is running are
/// gathered and go to disk together under the next one. Each caller still returns only once its
/// own record is durable, so "attempt fsynced before the request" holds, but 32 requests in flight
/// cost one fsync rather than 32.
actor LedgerWriter {
    private let log: RecordLog<DeliveryRecord>
    /// Blocking file I/O runs here, off the cooperative threads (there may be only two).
    private let queue = DispatchQueue(label: "haechi.sender.ledger")
    private var pending: [(bytes: [UInt8], done: CheckedContinuation<Void, any Error>)] = []
    private var flushing = false

    init(log: RecordLog<DeliveryRecord>) { self.log = log }

    func write(_ record: DeliveryRecord) async throws {
        let bytes = try RecordLog<DeliveryRecord>.encode(record)
        try await withCheckedThrowingContinuation { (done: CheckedContinuation<Void, any Error>) in
            pending.append((bytes, done))
            if !flushing {
                flushing = true
                Task { await self.flush() }
            }
        }
    }

    private func flush() async {
        while !pending.isEmpty {
            let batch = pending
            pending = []
            let log = self.log
            let bodies = batch.map(\.bytes)
            let result: Result<Void, any Error> = await withCheckedContinuation { finished in
                queue.async {
                    finished.resume(returning: Result { _ = try log.log.append(bodies: bodies) })
                }
            }
            for item in batch { item.done.resume(with: result) }
        }
        flushing = false
    }
}
