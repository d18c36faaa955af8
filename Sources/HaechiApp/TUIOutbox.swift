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
final class TUIOutbox {
    let outbox: any Outbox
    let ledgerPath: String
    let state: StateDirectory
    private var join: OutboxLedgerJoin
    private var outboxReader: LogReader
    private var ledgerReader: LogReader
    private var problems: [String] = []
    /// The last read error, reported once rather than every second while it lasts.
    private var lastError: String?
    private var unread = true

    init(state: StateDirectory, channels: ChannelProfiles?, outbox: (any Outbox)? = nil) {
        let outbox = outbox ?? FileOutbox(state: state)
        self.outbox = outbox
        ledgerPath = state.deliveryPath
        self.state = state
        join = OutboxLedgerJoin(channels: channels)
        outboxReader = LogReader(path: outbox.location)
        ledgerReader = LogReader(path: state.deliveryPath)
    }

    /// New lines of either file since the last poll, joined; nil when nothing changed.
    func poll(now: Date) -> OutboxFeed? {
        var changed = unread
        unread = false
        do {
            try RecordLog<OutboxRecord>.read(&outboxReader, following: true, into: { join.apply($0); changed = true },
                                             bad: { problems.append($0.description); changed = true })
            try RecordLog<DeliveryRecord>.read(&ledgerReader, following: true, into: { join.apply($0); changed = true },
                                               bad: { problems.append($0.description); changed = true })
            if lastError != nil { lastError = nil; changed = true }
        } catch {
            let text = "\(error)"
            if text != lastError {
                lastError = text
                problems.append(text)
                changed = true
            }
        }
        guard changed else { return nil }
        // Bad lines are kept for the screen's count; the log has them all.
        if problems.count > 200 { problems.removeFirst(problems.count - 200) }
        return OutboxFeed(messages: join.messages, problems: problems, loadedAt: now)
    }

    /// The sender's heartbeat, judged by the sender's own rule (`SenderStatus`).
    func sender(now: Date) -> StatusSummary.Sender {
        let mtime = state.heartbeatTime()
        switch SenderStatus.from(heartbeatMTime: mtime, now: now) {
        case .alive: return .alive(lastBeat: mtime ?? now)
        case .stale: return .stale(lastBeat: mtime ?? now)
        case .absent: return .absent
        }
    }

    /// Home's line: the counts of the outbox as last read, and the sender.
    func statusSummary(now: Date) -> StatusSummary {
        let c = OutboxCounts(join.messages)
        return StatusSummary(queued: c.queued, awaitingApproval: c.awaitingApproval, failed: c.failed, delivered: c.delivered,
                             sender: sender(now: now))
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
        effects.files.outbox = TUIOutbox(state: stateDirectory, channels: channels)
    }
}
