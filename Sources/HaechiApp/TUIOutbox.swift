import Foundation
import HaechiCore
import HaechiStore
import HaechiUI

/// The shell's side of compose and the outbox screen: appends (`.enqueue`, via `EffectRunner`)
/// go through the `Outbox` interface (the file today, a database tomorrow); it follows `outbox.jsonl` and the
/// sender's `delivery.jsonl` as they grow, feeding the join to the core as `.outboxLoaded`.
///
/// Both files are followed from where the last read stopped, so a poll each second costs only
/// the new lines, not the whole history. The join itself (states per channel) is HaechiCore's.
///
/// What is held is what the screens need, not the whole history: the current incident's
/// messages, every message of the last 25 hours (the 24-hour repeat check and the outbox
/// screen), and every message whose posts are not all settled in the ledger. Any other message
/// is retired from the join once read (`OutboxLedgerJoin.retire`), leaving only its bucket in
/// the home counts. A long outbox is read in alternating slices of both files, in time order
/// more or less, so a message's ledger lines are read soon after it and it can be retired at
/// once: memory follows what is kept, not the size of the files.
final class TUIOutbox {
    let outbox: any Outbox
    /// Where the outbox and the ledger are: the state directory's files, or a database.
    let store: any Store
    let state: StateDirectory
    let channels: ChannelProfiles?
    private var join: OutboxLedgerJoin
    private var outboxReader: LogReader
    private var ledgerReader: LogReader
    /// Where a database store's reads last stopped (a file store is read by the readers above,
    /// in slices, so a long history never sits in memory whole).
    private var outboxCursor = StoreCursor.start
    private var ledgerCursor = StoreCursor.start
    private var problems: [String] = []
    /// The last read error, reported once rather than every second while it lasts.
    private var lastError: String?
    private var unread = true
    /// The home counts of retired messages, by the same rule as the kept ones (`OutboxCounts`).
    private var retiredCounts = OutboxCounts()
    /// Incidents with retired messages: opening one of them means reading the files again.
    private var retiredIncidents = Set<String>()
    /// Ids (as `EventsByMessage.hash`) never to retire: a later record named them.
    private var pinned = Set<UInt64>()
    /// The incident whose messages are all kept (the one the checklist shows).
    private var incident: String?
    /// How long a message is kept whatever its state: the repeat window and an hour to spare.
    static let recent: TimeInterval = 25 * 3600
    /// Slice sizes in bytes for reading a long history.
    let slices: (outbox: Int, ledger: Int)

    /// - Parameter store: where the outbox and the ledger are (the state directory's files
    ///   when nil); the state directory keeps only the log then.
    init(state: StateDirectory, channels: ChannelProfiles?, store: (any Store)? = nil,
         slices: (outbox: Int, ledger: Int) = (1 << 18, 1 << 16)) {
        self.slices = slices
        let store = store ?? FileStore(state)
        self.store = store
        outbox = StoreOutbox(store)
        self.state = state
        self.channels = channels
        join = OutboxLedgerJoin(channels: channels)
        outboxReader = Self.reader(state.outboxPath)
        ledgerReader = Self.reader(state.deliveryPath)
    }

    /// A reader with a small buffer: a megabyte for a poll that mostly reads a line or two
    /// showed in the TUI's peak memory.
    static func reader(_ path: String) -> LogReader {
        var reader = LogReader(path: path)
        reader.chunkSize = 1 << 16
        return reader
    }

    /// Messages held in memory and messages retired, for the log.
    var held: Int { join.count }
    var retired: Int { join.retiredCount }

    /// The incident whose messages must all be kept (the one the checklist shows); when some
    /// of its messages were retired, the next poll reads both files again.
    func keep(incident: String?) {
        guard incident != self.incident else { return }
        self.incident = incident
        if let incident, retiredIncidents.contains(incident) { restart() }
    }

    /// `keep(incident:)`, then `poll(now:)`.
    func poll(now: Date, incident: String?) -> OutboxFeed? {
        keep(incident: incident)
        return poll(now: now)
    }

    /// New lines of either file since the last poll, joined; nil when nothing changed.
    func poll(now: Date) -> OutboxFeed? {
        if !join.touchedRetired.isEmpty {
            // A record named a retired message: read everything again, keeping those.
            pinned.formUnion(join.touchedRetired)
            restart()
        }
        var changed = unread
        unread = false
        do {
            if store is FileStore {
                try readSlices(now: now, changed: &changed)
            } else {
                outboxCursor = try store.read(OutboxRecord.self, .outbox, from: outboxCursor, following: true,
                                              into: { join.apply($0); changed = true },
                                              bad: { problems.append($0.description); changed = true })
                ledgerCursor = try store.read(DeliveryRecord.self, .ledger, from: ledgerCursor, following: true,
                                              into: { join.apply($0); changed = true },
                                              bad: { problems.append($0.description); changed = true })
                retireWhatNeedNotBeKept(now: now)
            }
            if lastError != nil { lastError = nil; changed = true }
        } catch {
            let text = "\(error)"
            if text != lastError {
                lastError = text
                problems.append(text)
                changed = true
            }
        }
        if !join.touchedRetired.isEmpty {
            pinned.formUnion(join.touchedRetired)
            restart()
            return poll(now: now)
        }
        guard changed else { return nil }
        // Bad lines are kept for the screen's count; the log has them all.
        if problems.count > 200 { problems.removeFirst(problems.count - 200) }
        return OutboxFeed(messages: join.messages, retired: retiredCounts, problems: problems, loadedAt: now)
    }

    /// Reads both files to their ends in alternating slices: a slice of the outbox, then the
    /// ledger up to the time of the last message read, then retires what need not be kept.
    /// A slice that holds no whole line (the end of the file, or one line longer than a slice)
    /// ends the slicing; the last pass reads both files to their ends.
    private func readSlices(now: Date, changed: inout Bool) throws {
        func readOutbox(upTo end: Int?, lastCreated: inout Date) throws {
            outboxReader.end = end
            defer { outboxReader.end = nil }
            try RecordLog<OutboxRecord>.read(&outboxReader, following: true, into: { record in
                if case .message(let m) = record { lastCreated = max(lastCreated, m.created) }
                if case .correct(let m) = record { lastCreated = max(lastCreated, m.created) }
                join.apply(record)
                changed = true
            }, bad: { problems.append($0.description); changed = true })
        }
        func readLedger(upTo end: Int?, lastAt: inout Date) throws {
            ledgerReader.end = end
            defer { ledgerReader.end = nil }
            try RecordLog<DeliveryRecord>.read(&ledgerReader, following: true, into: { record in
                lastAt = max(lastAt, record.at)
                join.apply(record)
                changed = true
            }, bad: { problems.append($0.description); changed = true })
        }
        var lastCreated = Date.distantPast, lastAt = Date.distantPast
        while true {
            let before = outboxReader.position
            try readOutbox(upTo: before + slices.outbox, lastCreated: &lastCreated)
            guard outboxReader.position != before else { break }
            // The sender writes a message's ledger lines after the message: read the ledger
            // until it has passed the last message read.
            while lastAt <= lastCreated {
                let ledgerBefore = ledgerReader.position
                try readLedger(upTo: ledgerBefore + slices.ledger, lastAt: &lastAt)
                if ledgerReader.position == ledgerBefore { break }
            }
            retireWhatNeedNotBeKept(now: now)
        }
        try readOutbox(upTo: nil, lastCreated: &lastCreated)
        try readLedger(upTo: nil, lastAt: &lastAt)
        retireWhatNeedNotBeKept(now: now)
    }

    /// Retires every held message that is not the incident's, older than `recent`, and settled.
    private func retireWhatNeedNotBeKept(now: Date) {
        guard join.touchedRetired.isEmpty else { return }
        for status in join.messages {
            let m = status.message
            guard now.timeIntervalSince(m.created) >= Self.recent, m.incident == nil || m.incident != incident,
                  status.isSettled, !pinned.contains(EventsByMessage.hash(m.id)) else { continue }
            retiredCounts.add(status)
            if let i = m.incident { retiredIncidents.insert(i) }
            join.retire(m.id)
        }
    }

    /// Forgets everything read, to read both files again from the start.
    private func restart() {
        join = OutboxLedgerJoin(channels: channels)
        outboxReader = Self.reader(state.outboxPath)
        ledgerReader = Self.reader(state.deliveryPath)
        outboxCursor = .start
        ledgerCursor = .start
        retiredCounts = OutboxCounts()
        retiredIncidents = []
        problems = []
        unread = true
    }

    /// The senders' heartbeats (a file, or rows in the database), judged by the sender's own
    /// rule (`SenderStatus`) on the newest beat.
    func sender(now: Date) -> StatusSummary.Sender {
        let (status, newest, _) = store.senders(now: now)
        switch status {
        case .alive: return .alive(lastBeat: newest ?? now)
        case .stale: return .stale(lastBeat: newest ?? now)
        case .absent: return .absent
        }
    }

    /// Home's line: the counts of the outbox as last read (kept and retired messages alike),
    /// the senders, and what a database seat holds in its spool while the database is away.
    func statusSummary(now: Date) -> StatusSummary {
        var c = OutboxCounts(join.messages)
        c.add(retiredCounts)
        var summary = StatusSummary(queued: c.queued, awaitingApproval: c.awaitingApproval, failed: c.failed, delivered: c.delivered,
                                    sender: sender(now: now))
        if !(store is FileStore) { summary.sendersAlive = store.senders(now: now).alive }
        if let spooled = store as? SpooledStore, spooled.held > 0 { summary.offlineHeld = spooled.held }
        return summary
    }

    /// A reason short enough for the message line: the call and the file name, then errno's
    /// words ("open outbox.jsonl: Is a directory"), which is what the officer needs to read.
    static func reason(_ error: any Error) -> String {
        if let e = error as? PosixError {
            return "\(e.function) \(URL(fileURLWithPath: e.path).lastPathComponent): \(e.message)"
        }
        return "\(error)"
    }
}

extension TUIShell {
    /// The channel profiles compose checks against (from channels.yaml beside the manuals).
    func useChannels(_ channels: ChannelProfiles) {
        state.channels = channels
        effects.files.outbox = TUIOutbox(state: stateDirectory, channels: channels, store: effects.files.store)
    }
}
