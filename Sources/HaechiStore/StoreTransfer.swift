import Foundation
import HaechiCore

/// Moves every record of one store into another, byte for byte and in order: `haechi store
/// import DIR` (files → database) and `haechi store export DIR` (database → files).
/// Into a database a second run adds nothing (client-made ids); into files the target must be
/// empty, since the file store keeps whatever is appended.
public enum StoreTransfer {
    public struct Counts: Sendable, Hashable, CustomStringConvertible {
        public var journals = 0
        public var events = 0
        public var outbox = 0
        public var ledger = 0
        public var bad: [BadLine] = []
        public var description: String {
            "\(journals) journals (\(events) events), \(outbox) outbox records, \(ledger) ledger records"
                + (bad.isEmpty ? "" : ", \(bad.count) unreadable lines skipped")
        }
    }

    public static func copy(from source: any Store, to target: any Store, batch: Int = 1000,
                            progress: (String) -> Void = { _ in }) throws -> Counts {
        var counts = Counts()
        func move(_ log: StoreLog) throws -> Int {
            var pending: [[UInt8]] = []
            var moved = 0
            _ = try source.read(log, from: .start, following: false, record: { bytes in
                pending.append(Array(bytes))
                if pending.count >= batch {
                    try target.append(bodies: pending, to: log)
                    moved += pending.count
                    pending.removeAll(keepingCapacity: true)
                }
            }, bad: { counts.bad.append($0) })
            try target.append(bodies: pending, to: log)
            moved += pending.count
            progress("\(log): \(moved) records")
            return moved
        }
        for incident in try source.incidents() {
            counts.events += try move(.journal(incident: incident))
            counts.journals += 1
        }
        counts.outbox = try move(.outbox)
        counts.ledger = try move(.ledger)
        return counts
    }
}
