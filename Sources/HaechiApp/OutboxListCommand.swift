import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import HaechiCore
import HaechiStore

/// `haechi outbox list`: every message with its state per channel and language.
struct OutboxListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List messages with their state per channel (joined with the sender's ledger).",
        discussion: """
        By default, messages created in the last 24 hours; --incident ID for one incident, --all \
        for everything. With --json, one object per line: id, mode, kind, channels, created, \
        operator, incident, corrects, approval, cancelled, and state (channel → language → state \
        name) with detail (the same, in words: remote id, retry time, reason).
        States: awaiting-approval, queued, sending, delivered, retrying, dead, cancelled, unknown.
        Bad lines in either file are counted on stderr (see `haechi outbox verify`).
        """
    )
    @OptionGroup var stateOption: StateOption
    @OptionGroup var manualsOption: ManualsOption
    @Flag(help: "One JSON object per line.") var json = false
    @Option(help: "Only this incident's messages.") var incident: String?
    @Flag(help: "Every message, however old.") var all = false
    @Flag(help: "Read both files whole, neither using nor writing the listing checkpoint.") var noCheckpoint = false

    func run() throws {
        let state = OutboxShell.state(stateOption)
        let channels = try? OutboxShell.channels(manualsOption)
        let now = Date()
        let filter: @Sendable (OutboxMessage) -> Bool = { [incident, all] m in
            if let incident { return m.incident == incident }
            return all || now.timeIntervalSince(m.created) < 24 * 3600
        }
        var output = OutputBuffer()
        var summary = OutboxListing.Summary()
        if case .postgres = try StoreShell.address(stateOption) {
            // A database: one pass through the store interface, joined by HaechiCore.
            let store = try OutboxShell.store(stateOption)
            let snapshot = try OutboxSnapshot.load(store: store, channels: channels)
            summary.bad = snapshot.bad.count
            for status in snapshot.messages {
                summary.messages += 1
                guard filter(status.message) else { continue }
                summary.listed += 1
                if json {
                    output.appendBytes { OutboxListing.jsonLine(status, into: &$0) }
                } else {
                    output.appendBytes { OutboxListing.textLine(status, into: &$0) }
                }
            }
        } else if let incident {
            summary = try OutboxListing.stream(state: state, channels: channels, incident: incident, filter: filter) { status in
                if json {
                    output.appendBytes { OutboxListing.jsonLine(status, into: &$0) }
                } else {
                    output.appendBytes { OutboxListing.textLine(status, into: &$0) }
                }
            }
        } else {
            let json = json
            // The user's own cache directory, like the manual cache: the state directory is the
            // duty desk's group's, and a checkpoint another user could write is never read.
            let checkpoint = noCheckpoint ? nil : ManualCache.directory().map { ListingCheckpoint.file(in: $0, outboxPath: state.outboxPath) }
            summary = try OutboxListing.parallel(state: state, channels: channels, checkpoint: checkpoint, filter: filter, line: { status, out in
                if json { OutboxListing.jsonLine(status, into: &out) } else { OutboxListing.textLine(status, into: &out) }
            }, write: { StandardOutput.write($0) })
        }
        output.flush()
        if summary.bad > 0 {
            OutboxShell.say("warning: \(summary.bad) bad line(s) skipped; run `haechi outbox verify` for where")
        }
        if !json && summary.listed == 0 {
            OutboxShell.say(summary.messages == 0 ? "no messages in \(state.outboxPath)" : "no messages match (try --all)")
        }
    }
}

/// Whole blocks to stdout.
enum StandardOutput {
    /// Straight from the array (no copy into Data), retrying short writes and EINTR. A closed
    /// stdout ends the output quietly, as a pipe into `head` expects.
    static func write(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { raw in
            var done = 0
            while done < raw.count {
                let n = Glibc.write(1, raw.baseAddress! + done, raw.count - done)
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { return }
                done += n
            }
        }
    }
}

/// Collects stdout in large blocks: a million lines through `print` would cost seconds.
struct OutputBuffer {
    private var bytes: [UInt8] = []
    /// Lets a caller write a line's bytes straight into the buffer; the newline is added.
    mutating func appendBytes(_ body: (inout [UInt8]) -> Void) {
        body(&bytes)
        bytes.append(UInt8(ascii: "\n"))
        if bytes.count >= 1 << 16 { flush() }
    }

    mutating func append(_ line: String) {
        bytes += line.utf8
        bytes.append(UInt8(ascii: "\n"))
        if bytes.count >= 1 << 16 { flush() }
    }
    mutating func flush() {
        guard !bytes.isEmpty else { return }
        StandardOutput.write(bytes)
        bytes.removeAll(keepingCapacity: true)
    }
}

/// The listing in two streaming passes, so memory follows the number of events (approvals,
/// cancels, ledger lines) rather than the size of every message body: first collect events
/// from the outbox and the ledger, then read the outbox again and join each message as it
/// passes.
public enum OutboxListing {
    public struct Summary: Sendable {
        public var messages = 0; public var listed = 0; public var bad = 0
        /// Of `bad`: a torn last line of the outbox (not covered by a checkpoint).
        var torn = 0
        /// The listing started from a checkpoint (for tests: that the warm path ran).
        var fromCheckpoint = false
    }

    /// `incident`, when given, lets the second pass skip other incidents' lines undecoded;
    /// `filter` still decides (and `messages` then counts only that incident's).
    public static func stream(state: StateDirectory, channels: ChannelProfiles?, incident: String? = nil,
                              filter: (OutboxMessage) -> Bool, _ body: (MessageStatus) throws -> Void) throws -> Summary {
        var summary = Summary()
        var index = OutboxEventIndex()
        let outbox = FileOutbox(state: state)
        // Bad outbox lines are counted in the last pass, which checks every line it reads.
        try outbox.scanEvents({ index.apply($0) }, bad: { _ in })
        var reader = LogReader(path: state.deliveryPath)
        try RecordLog<DeliveryRecord>.read(&reader, following: false, into: { index.apply($0) }, bad: { _ in summary.bad += 1 })
        let each: (OutboxRecord) throws -> Void = { record in
            switch record {
            case .message(let m), .correct(let m):
                summary.messages += 1
                guard filter(m) else { return }
                var isCorrection = false
                if case .correct = record { isCorrection = true }
                summary.listed += 1
                try body(index.status(of: m, isCorrection: isCorrection, channels: channels))
            default: break
            }
        }
        if let incident, try outbox.scan(incident: incident, each, bad: { _ in summary.bad += 1 }) { return summary }
        try outbox.scan(each, bad: { _ in summary.bad += 1 })
        return summary
    }

    /// The listing of everything `filter` keeps, as `stream` gives it, on all cores: the outbox
    /// is cut into parts at line starts. The first pass collects events (approvals, cancels,
    /// corrections: message lines are recognised by their bytes and skipped) from every part,
    /// and the ledger at the same time; the second formats each part's messages with `line`
    /// into one block per part, and `write` gets the blocks in file order. Messages are read
    /// by the one record reader in its listing form (`OutboxRecord.read(_:form: .listing)`: no
    /// texts or CAP built), and any line it declines goes to JSONDecoder, so what is listed,
    /// skipped and counted bad is the same as `stream`'s.
    /// `filter` sees the listing form of each message (see `RecordForm.listing`).
    public static func parallel(state: StateDirectory, channels: ChannelProfiles?, partSize: Int = 1 << 20,
                                workers: Int = ProcessInfo.processInfo.activeProcessorCount,
                                checkpoint: String? = nil, rewriteAfter: Int = 4 << 20,
                                filter: @escaping @Sendable (OutboxMessage) -> Bool,
                                line: @escaping @Sendable (MessageStatus, inout ListingBlock) -> Void,
                                write: @escaping @Sendable ([UInt8]) -> Void) throws -> Summary {
        if let checkpoint, let summary = try fromCheckpoint(state: state, channels: channels, workers: workers, file: checkpoint,
                                                           rewriteAfter: rewriteAfter, filter: filter, line: line, write: write) {
            return summary
        }
        guard let parts = try LogParts(path: state.outboxPath, partSize: partSize) else {
            // No outbox yet: the ledger's bad lines still count.
            var summary = Summary()
            var reader = LogReader(path: state.deliveryPath)
            try RecordLog<DeliveryRecord>.read(&reader, following: false, into: { _ in }, bad: { _ in summary.bad += 1 })
            return summary
        }
        // Pass 1: iteration 0 reads the ledger into its own index; the others collect each
        // part's outbox events, applied afterwards in file order. The two kinds of event touch
        // different fields of an entry, so the order between them does not matter.
        let collected = Slots<PassOne>(count: parts.count + 1)
        let ledgerPath = state.deliveryPath
        DispatchQueue.concurrentPerform(iterations: parts.count + 1) { k in
            var one = PassOne()
            do {
                if k == 0 {
                    let decoder = RecordCoding.decoder()
                    one.ledger = try LogTail.read(path: ledgerPath, from: .none) { line in
                        guard let body = LineFrame.verifiedBody(line),
                              let record = RecordLog<DeliveryRecord>.decode(body, decoder: decoder) else { one.bad += 1; return }
                        one.index.apply(record)
                    }
                } else {
                    let decoder = RecordCoding.decoder()
                    try parts.withPart(k - 1) { all in
                        LogParts.forEachLine(all, { line in
                            guard let unverified = LineFrame.framedBody(line), !FileOutbox.isPlainMessage(unverified),
                                  let body = LineFrame.verifiedBody(line),
                                  let record = RecordLog<OutboxRecord>.decode(body, decoder: decoder) else { return }
                            one.events.append(record)
                        }, torn: {})
                    }
                }
            } catch {
                one.error = error
            }
            collected.set(k, one)
        }
        var firstPass = collected.takeAll()
        if let error = firstPass.compactMap(\.error).first { throw error }
        // Moved out, not copied: applying events to a second reference would copy the index.
        var index = OutboxEventIndex()
        swap(&index, &firstPass[0].index)
        for part in firstPass.dropFirst() { for record in part.events { index.apply(record) } }
        let ledgerBad = firstPass[0].bad
        let ledgerRead = firstPass[0].ledger
        firstPass = []

        // Pass 2; when a checkpoint is wanted, each part's messages are also encoded as one
        // chunk of it, written in file order as the part's lines are.
        let writer = checkpoint.flatMap { ListingCheckpointWriter(path: $0) }
        let totals = Slots<Summary>(count: 1)
        totals.set(0, Summary())
        let events = index
        let covered = Slots<Int>(count: 1)
        covered.set(0, 0)
        try parts.inOrder(workers: workers, { k -> (Summary, [UInt8], [UInt8], Int, Int) in
            var summary = Summary()
            var out = ListingBlock(capacity: parts.bounds[k + 1] - parts.bounds[k])
            var chunk = ListingState.ChunkWriter()
            let decoder = RecordCoding.decoder()
            func list(_ m: OutboxMessage, _ isCorrection: Bool) {
                summary.messages += 1
                if writer != nil { chunk.add(m, isCorrection: isCorrection) }
                guard filter(m) else { return }
                summary.listed += 1
                line(events.status(of: m, isCorrection: isCorrection, channels: channels), &out)
                out.newline()
            }
            var torn = 0
            let whole = try parts.withPart(k) { all in
                LogParts.forEachLine(all, { bytes in
                    guard let body = LineFrame.verifiedBody(bytes) else { summary.bad += 1; return }
                    switch OutboxRecord.read(body, form: .listing) ?? RecordLog<OutboxRecord>.decode(body, decoder: decoder) {
                    case nil: summary.bad += 1
                    case .message(let m): list(m, false)
                    case .correct(let m): list(m, true)
                    default: break
                    }
                }, torn: { summary.bad += 1; torn = 1 })
            }
            summary.torn = torn
            return (summary, out.take(), writer == nil ? [] : chunk.finish(), chunk.count, parts.bounds[k] + whole)
        }, deliver: { summary, out, chunk, count, end in
            var total = totals.all[0]
            total.messages += summary.messages; total.listed += summary.listed; total.bad += summary.bad
            total.torn += summary.torn
            totals.set(0, total)
            covered.set(0, end)
            if !out.isEmpty { write(out) }
            // A checkpoint that cannot be written is only not written; the listing goes on.
            if let writer, (try? writer.append(chunk: chunk, messages: count)) == nil { writer.abandon() }
        })
        var summary = totals.all[0]
        // A torn last line of the ledger is bad too, and stays outside what a checkpoint covers.
        summary.bad += ledgerBad + (ledgerRead?.torn == true ? 1 : 0)
        if let writer, let ledgerRead, summary.messages > 0 {
            try? writer.finish(outbox: parts.identity(covered: covered.all[0]), ledger: ledgerRead.identity,
                               outboxPath: state.outboxPath, outboxBad: totals.all[0].bad - totals.all[0].torn,
                               ledgerBad: ledgerBad, index: events)
        }
        return summary
    }

    /// The listing from a checkpoint: its fold, plus what was appended to the outbox and the
    /// ledger since, folded in the same way; nil (with nothing written) on any doubt about the
    /// checkpoint or the files, and the caller then reads everything. When more than
    /// `rewriteAfter` bytes followed the checkpoint, a new one is written, covering them.
    static func fromCheckpoint(state: StateDirectory, channels: ChannelProfiles?, workers: Int, file: String, rewriteAfter: Int,
                               filter: @escaping @Sendable (OutboxMessage) -> Bool,
                               line: @escaping @Sendable (MessageStatus, inout ListingBlock) -> Void,
                               write: @escaping @Sendable ([UInt8]) -> Void) throws -> Summary? {
        // Every chunk's CRC checked and the event index decoded, on all cores, before anything
        // is printed. Taken, not copied: folding the tail into a copy shared with `old` would
        // copy it whole.
        guard let old = ListingCheckpoint.open(path: file, outboxPath: state.outboxPath),
              var index = old.verifiedIndex(workers: workers) else { return nil }
        var tail: [(message: OutboxMessage, isCorrection: Bool)] = []
        var outboxBad = 0, ledgerBad = 0
        let decoder = RecordCoding.decoder()
        // A tail larger than this is read by the ordinary listing, on all cores, in constant memory.
        let limit = 64 << 20
        guard let outbox = try LogTail.read(path: state.outboxPath, from: old.outbox, limit: limit, { bytes in
            guard let body = LineFrame.verifiedBody(bytes) else { outboxBad += 1; return }
            switch OutboxRecord.read(body, form: .listing) ?? RecordLog<OutboxRecord>.decode(body, decoder: decoder) {
            case nil: outboxBad += 1
            case .message(let m): tail.append((m, false))
            case .correct(let m):
                tail.append((m, true))
                index.apply(.correct(m))
            case let record?: index.apply(record)
            }
        }), outbox.identity.covered > 0 else { return nil }
        guard let ledger = try LogTail.read(path: state.deliveryPath, from: old.ledger, limit: limit, { bytes in
            guard let body = LineFrame.verifiedBody(bytes),
                  let record = RecordLog<DeliveryRecord>.decode(body, decoder: decoder) else { ledgerBad += 1; return }
            index.apply(record)
        }) else { return nil }

        var summary = Summary()
        summary.fromCheckpoint = true
        summary.messages = old.messages + tail.count
        summary.bad = old.outboxBad + outboxBad + (outbox.torn ? 1 : 0) + old.ledgerBad + ledgerBad + (ledger.torn ? 1 : 0)
        let events = index
        let listed = Slots<Int>(count: 1)
        listed.set(0, 0)
        try LogParts.inOrder(count: old.chunks.count, workers: workers, { k -> (Int, [UInt8]) in
            // More than a JSON line takes (about 570 bytes): room past what is written costs nothing.
            var out = ListingBlock(capacity: old.chunks[k].messages * 1024)
            var count = 0
            guard let bytes = old.chunk(k, verified: true), bytes.withUnsafeBufferPointer({ all in
                ListingState.forEachMessage(inChunk: all) { m, isCorrection in
                    guard filter(m) else { return }
                    count += 1
                    line(events.status(of: m, isCorrection: isCorrection, channels: channels), &out)
                    out.newline()
                }
            }) else {
                // Its CRC was right a moment ago: only a damaged disk or a bug gets here.
                unlink(file)
                throw ValidationError("the listing checkpoint \(file) could not be read and was removed; list again")
            }
            return (count, out.take())
        }, deliver: { count, out in
            listed.set(0, listed.all[0] + count)
            if !out.isEmpty { write(out) }
        })
        summary.listed = listed.all[0]
        var out = ListingBlock()
        for (m, isCorrection) in tail where filter(m) {
            summary.listed += 1
            line(events.status(of: m, isCorrection: isCorrection, channels: channels), &out)
            out.newline()
            if out.count >= 1 << 20 { write(out.take()) }
        }
        if out.count > 0 { write(out.take()) }

        if outbox.bytes + ledger.bytes >= rewriteAfter, let writer = ListingCheckpointWriter(path: file) {
            do {
                try writer.copyChunks(of: old)
                for piece in stride(from: 0, to: tail.count, by: 4096) {
                    var chunk = ListingState.ChunkWriter()
                    for (m, isCorrection) in tail[piece..<min(piece + 4096, tail.count)] { chunk.add(m, isCorrection: isCorrection) }
                    try writer.append(chunk: chunk.finish(), messages: chunk.count)
                }
                try writer.finish(outbox: outbox.identity, ledger: ledger.identity, outboxPath: state.outboxPath,
                                  outboxBad: old.outboxBad + outboxBad, ledgerBad: old.ledgerBad + ledgerBad, index: events)
            } catch {
                // Not written: the next listing reads the longer tail, or everything.
            }
        }
        return summary
    }

    struct PassOne: @unchecked Sendable {
        var index = OutboxEventIndex()
        var ledger: LogTail.Read?
        var events: [OutboxRecord] = []
        var bad = 0
        var error: Error?
    }

    /// One slot per task, filled by worker threads.
    final class Slots<T>: @unchecked Sendable {
        private let lock = NSLock()
        private var slots: [T?]
        init(count: Int) { slots = Array(repeating: nil, count: count) }
        func set(_ i: Int, _ value: T) { lock.lock(); slots[i] = value; lock.unlock() }
        var all: [T] { lock.lock(); defer { lock.unlock() }; return slots.map { $0! } }
        /// The values, leaving the slots empty (so the caller holds the only reference).
        func takeAll() -> [T] {
            lock.lock(); defer { lock.unlock() }
            let values = slots.map { $0! }
            slots = []
            return values
        }
    }

    /// One message as the text listing shows it: a head line (id, mode, kind, created,
    /// operator, flags) and a line of `channel/language=state` for each post.
    public static func textLine(_ s: MessageStatus) -> String {
        var bytes: [UInt8] = []
        textLine(s, into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The same, appended as bytes (no newline after it).
    public static func textLine(_ s: MessageStatus, into out: inout [UInt8]) {
        ListingBlock.append(to: &out) { text(s, &$0) }
    }

    /// The same, as a line of a listing's block (the caller adds the newline).
    public static func textLine(_ s: MessageStatus, into block: inout ListingBlock) {
        block.write { text(s, &$0) }
    }

    static func text(_ s: MessageStatus, _ w: inout LineBytes) {
        let start = w.count
        let m = s.message
        w.raw(m.id)
        w.literal(m.mode == .drill ? "  DRILL  " : "  LIVE   ")
        w.raw(m.kind.rawValue)
        w.literal("  ")
        w.timestamp(m.created)
        w.literal("  ")
        w.raw(m.operator)
        var flags = false
        func flag(_ head: StaticString, _ value: String) {
            w.literal(flags ? "; " : "  [")
            flags = true
            w.literal(head)
            w.raw(value)
        }
        if s.isCorrection, let c = m.corrects { flag("corrects ", c) }
        if let c = s.cancel { flag("cancelled by ", c.by) }
        if let a = s.approval { flag("approved by ", a.by) }
        if !s.correctedBy.isEmpty {
            flag("corrected by ", s.correctedBy[0])
            for c in s.correctedBy.dropFirst() { w.byte(UInt8(ascii: ",")); w.raw(c) }
        }
        if flags { w.byte(UInt8(ascii: "]")) }
        w.literal("\n   ")
        for post in s.posts {
            w.byte(UInt8(ascii: " "))
            w.raw(post.channel)
            w.byte(UInt8(ascii: "/"))
            w.raw(post.language.rawValue)
            w.byte(UInt8(ascii: "="))
            w.words(s.state(post.target), escaped: false)
            w.byte(UInt8(ascii: " "))
        }
        w.trimSpaces(after: start)
    }

    /// One JSON object, written by hand: JSONEncoder per line would dominate listing a million.
    public static func jsonLine(_ s: MessageStatus) -> String {
        var bytes: [UInt8] = []
        jsonLine(s, into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The same, appended as bytes (no newline after it).
    public static func jsonLine(_ s: MessageStatus, into out: inout [UInt8]) {
        ListingBlock.append(to: &out) { json(s, &$0) }
    }

    /// The same, as a line of a listing's block (the caller adds the newline): what
    /// `list --all --json` uses.
    public static func jsonLine(_ s: MessageStatus, into block: inout ListingBlock) {
        block.write { json(s, &$0) }
    }

    /// Keys are literals with nothing to escape, and so are our own enum names (mode, kind,
    /// language, state) and the wording of a state's detail: copied as they are. Everything
    /// else (ids, channels, operators, remote ids, reasons) goes through `JSONString`'s rule.
    static func json(_ s: MessageStatus, _ w: inout LineBytes) {
        let m = s.message
        w.literal("{\"id\":")
        w.quoted(m.id)
        w.literal(",\"mode\":")
        w.plain(m.mode.rawValue)
        w.literal(",\"kind\":")
        w.plain(m.kind.rawValue)
        w.literal(",\"channels\":[")
        for (n, c) in m.channels.enumerated() {
            if n > 0 { w.byte(UInt8(ascii: ",")) }
            w.quoted(c)
        }
        // Digits, '-', ':', '.', 'T' and 'Z' only: nothing to escape.
        w.literal("],\"created\":\"")
        w.timestamp(m.created)
        w.literal("\",\"operator\":")
        w.quoted(m.operator)
        if let i = m.incident { w.literal(",\"incident\":"); w.quoted(i) }
        if let c = m.corrects { w.literal(",\"corrects\":"); w.quoted(c) }
        w.literal(m.needsApproval ? ",\"needs_approval\":true" : ",\"needs_approval\":false")
        if let a = s.approval { w.literal(",\"approved_by\":"); w.quoted(a.by) }
        if let c = s.cancel { w.literal(",\"cancelled_by\":"); w.quoted(c.by) }
        // {"x":{"ko":…,"en":…},"kakao":{"ko":…}}: posts come grouped by channel already. Each
        // post's state is worked out once, into space on the stack (an array per line cost an
        // allocation and copies).
        let posts = s.posts
        withUnsafeTemporaryAllocation(of: DeliveryState.self, capacity: posts.count) { states in
            for (k, post) in posts.enumerated() { (states.baseAddress! + k).initialize(to: s.state(post.target)) }
            defer { states.baseAddress?.deinitialize(count: posts.count) }
            w.literal(",\"state\":")
            nested(names: true, posts, states)
            w.literal(",\"detail\":")
            nested(names: false, posts, states)
        }
        w.byte(UInt8(ascii: "}"))
        func nested(names: Bool, _ posts: [OutboxPost], _ states: UnsafeMutableBufferPointer<DeliveryState>) {
            w.byte(UInt8(ascii: "{"))
            var channel: String?
            for (k, post) in posts.enumerated() {
                if post.channel != channel {
                    if channel != nil { w.literal("},") }
                    w.quoted(post.channel)
                    w.literal(":{")
                    channel = post.channel
                } else {
                    w.byte(UInt8(ascii: ","))
                }
                w.plain(post.language.rawValue)
                w.byte(UInt8(ascii: ":"))
                if names {
                    w.plain(states[k].name)
                } else {
                    w.byte(UInt8(ascii: "\""))
                    w.words(states[k], escaped: true)
                    w.byte(UInt8(ascii: "\""))
                }
            }
            if channel != nil { w.byte(UInt8(ascii: "}")) }
            w.byte(UInt8(ascii: "}"))
        }
    }
}

/// A listing's output for one part of the file, line after line, handed on as the array it
/// is (not copied). Lines are written through a pointer (`LineBytes`) into room made ahead:
/// a JSON line is some sixty small pieces, and `[UInt8].append` checks the array's capacity
/// and uniqueness for each (a fifth of a `--json` listing's time went there).
public struct ListingBlock {
    /// Past `count`: room that lines are written into, never read before it is written.
    private var bytes: [UInt8] = []
    public private(set) var count = 0
    /// Lent to each line for timestamps (`Timestamp.format` appends to an array).
    private var stamp: [UInt8] = []

    /// `capacity`: about what the block will hold (it grows as needed). Room is not cleared,
    /// so pages past what is written are never touched: a generous guess costs no memory.
    public init(capacity: Int = 1 << 16) {
        grow(atLeast: capacity)
    }

    /// Writes one line (or any bytes) with `body`. A line that does not fit is written again
    /// into room for all of it (the first pass measured it), so `body` must write the same
    /// bytes each time it is called.
    public mutating func write(_ body: (inout LineBytes) -> Void) {
        var stamp: [UInt8] = []
        swap(&stamp, &self.stamp)
        defer { swap(&stamp, &self.stamp) }
        let start = count
        if bytes.count - start < 256 { grow(atLeast: start + 4096) }
        var needed = 0
        while true {
            let end = bytes.withUnsafeMutableBufferPointer { room -> Int? in
                var w = LineBytes(room, from: start)
                swap(&w.stamp, &stamp)
                body(&w)
                swap(&w.stamp, &stamp)
                needed = w.count
                return w.fits ? w.count : nil
            }
            if let end { count = end; return }
            grow(atLeast: needed + 4096)
        }
    }

    public mutating func newline() { write { $0.byte(UInt8(ascii: "\n")) } }

    /// The bytes written, and the block is left empty.
    public mutating func take() -> [UInt8] {
        bytes.removeLast(bytes.count - count)
        var out: [UInt8] = []
        swap(&out, &bytes)
        count = 0
        return out
    }

    /// A new array with the bytes written and room after them, uncleared: only what is
    /// written is ever read (`take` cuts the rest), and clearing would touch every page.
    private mutating func grow(atLeast wanted: Int) {
        let capacity = max(wanted, bytes.count * 2, 4096)
        let used = count
        bytes = bytes.withUnsafeBufferPointer { old in
            [UInt8](unsafeUninitializedCapacity: capacity) { room, initialized in
                if used > 0 { room.baseAddress!.update(from: old.baseAddress!, count: used) }
                initialized = capacity
            }
        }
    }

    /// Appends what `body` writes to `out`, through a pointer like a block's lines: one line
    /// for a caller that collects lines in an array of its own.
    static func append(to out: inout [UInt8], _ body: (inout LineBytes) -> Void) {
        var block = ListingBlock(adopting: &out)
        block.write(body)
        out = block.take()
    }

    /// `out` as a block holding its bytes, with room for a line after them (zeros, appended
    /// the array's own way, so its capacity grows geometrically as the caller appends lines).
    private init(adopting out: inout [UInt8]) {
        swap(&bytes, &out)
        count = bytes.count
        bytes.append(contentsOf: repeatElement(0, count: 1024))
    }
}

/// Bytes written through a pointer into room a `ListingBlock` made. From the first piece that
/// does not fit on, pieces are only counted and `fits` is false: the block then makes room for
/// `count` and writes the whole line again.
public struct LineBytes {
    private let base: UnsafeMutablePointer<UInt8>
    private let end: Int
    public private(set) var count: Int
    public private(set) var fits = true
    fileprivate var stamp: [UInt8] = []

    fileprivate init(_ room: UnsafeMutableBufferPointer<UInt8>, from start: Int) {
        base = room.baseAddress!
        end = room.count
        count = start
    }

    @inline(__always)
    public mutating func byte(_ b: UInt8) {
        if count < end { base[count] = b } else { fits = false }
        count += 1
    }

    public mutating func bytes(_ p: UnsafeBufferPointer<UInt8>) {
        guard p.count <= end - count else { fits = false; count += p.count; return }
        guard let from = p.baseAddress else { return }
        if p.count <= 16 {
            // Most pieces are a few bytes: a loop costs less than a call to memmove.
            for i in 0..<p.count { base[count + i] = from[i] }
        } else {
            (base + count).update(from: from, count: p.count)
        }
        count += p.count
    }

    public mutating func literal(_ s: StaticString) {
        bytes(UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
    }

    /// A String's UTF-8 as it is (the text listing).
    public mutating func raw(_ s: String) {
        var s = s
        s.withUTF8 { bytes($0) }
    }

    /// One of our own enum names (mode, kind, language, state) in quotes: plain ASCII letters
    /// and '-', nothing to escape.
    public mutating func plain(_ s: String) {
        byte(UInt8(ascii: "\""))
        raw(s)
        byte(UInt8(ascii: "\""))
    }

    /// A JSON string by `JSONString`'s rule, in quotes.
    public mutating func quoted(_ s: String) {
        byte(UInt8(ascii: "\""))
        escaped(s)
        byte(UInt8(ascii: "\""))
    }

    /// The inside of a JSON string by `JSONString`'s rule: copied whole when no byte needs
    /// escaping (nearly always), else escaped by `JSONString.append` itself.
    public mutating func escaped(_ s: String) {
        var utf8 = s
        let copied = utf8.withUTF8 { u -> Bool in
            guard !u.contains(where: JSONString.escapes) else { return false }
            bytes(u)
            return true
        }
        guard !copied else { return }
        var escaped: [UInt8] = []
        JSONString.append(s, to: &escaped, otherControls: true)
        escaped.withUnsafeBufferPointer { bytes(UnsafeBufferPointer(rebasing: $0.dropFirst().dropLast())) }
    }

    /// As `Timestamp.format` writes it.
    public mutating func timestamp(_ t: Date) {
        stamp.removeAll(keepingCapacity: true)
        Timestamp.format(t, into: &stamp)
        stamp.withUnsafeBufferPointer { bytes($0) }
    }

    /// A state's `description`, from the one wording (`DeliveryState.describe`); with
    /// `escaped`, as inside a JSON string (the wording needs no escapes, the values may).
    public mutating func words(_ state: DeliveryState, escaped: Bool) {
        if escaped {
            withUnsafeMutablePointer(to: &self) { line in
                var words = EscapedWords(line: line)
                state.describe(into: &words)
            }
        } else {
            state.describe(into: &self)
        }
    }

    /// Drops spaces at the end, back to `start` at most.
    public mutating func trimSpaces(after start: Int) {
        // Measuring only (nothing past `end` was written): the bytes are written next time.
        guard fits else { return }
        while count > start && base[count - 1] == UInt8(ascii: " ") { count -= 1 }
    }
}

extension LineBytes: DeliveryStateWords {
    public mutating func wording(_ s: StaticString) { literal(s) }
    public mutating func value(_ s: String) { raw(s) }
    public mutating func number(_ n: Int) { raw(String(n)) }
    public mutating func time(_ t: Date) { timestamp(t) }
}

/// A state's words inside a JSON string: the wording as it is, the values escaped.
struct EscapedWords: DeliveryStateWords {
    let line: UnsafeMutablePointer<LineBytes>
    func wording(_ s: StaticString) { line.pointee.literal(s) }
    func value(_ s: String) { line.pointee.escaped(s) }
    func number(_ n: Int) { line.pointee.number(n) }
    func time(_ t: Date) { line.pointee.timestamp(t) }
}
