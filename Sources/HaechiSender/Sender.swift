import Foundation
import HaechiCore
import HaechiStore

/// Something the drain loop did, for the command line's log and for tests and benchmarks.
public enum SenderEvent: Sendable {
    /// A ledger record, after it is on disk.
    case recorded(DeliveryRecord)
    /// An outbox line that failed to parse or checksum (skipped, never a reason to stop).
    case badLine(BadLine)
    case note(String)
}

/// What one run did.
public struct SenderSummary: Sendable, Hashable {
    public var delivered = 0
    public var dead = 0
    public var cancelled = 0
    public var unknown = 0
    public var retries = 0
    /// Deliveries still waiting for a second operator's approval when the run ended.
    public var awaitingApproval = 0
    /// Deliveries not settled when the run ended (stopped by a signal, or approval pending).
    public var unsettled = 0
    public init() {}
}

/// The drain loop: follows the outbox, keeps the ledger, and drives each (message, channel,
/// language) through attempt → delivered / retry / dead / cancelled / unknown.
///
/// Every state change happens synchronously on the actor before any suspension, so a delivery is
/// never launched twice however calls interleave; each ledger record is durable before the
/// state it describes is acted upon.
public actor Sender {
    public struct Options: Sendable {
        /// Drain what is there, then return (`--once`).
        public var once = false
        /// The safety poll behind inotify.
        public var pollInterval: TimeInterval = 2
        /// Touch `sender.heartbeat`; tests running several senders in one process turn it off.
        public var heartbeat = true
        /// How long a claimed post stays this sender's after its attempt, in a shared database:
        /// when a sender dies, another takes its posts over after this. Longer than a request.
        public var lease: TimeInterval = 30
        /// This sender's name in claims and heartbeats (host:pid:random by default).
        public var name = "\(ProcessInfo.processInfo.hostName):\(getpid()):\(UInt32.random(in: 0...UInt32.max))"
        public init(once: Bool = false) { self.once = once }
    }

    struct Delivery: Sendable {
        let post: Post
        let endpoint: any Endpoint
        var attempts: Int
    }

    private let state: StateDirectory
    private let store: any Store
    private let endpoints: [String: [Mode: any Endpoint]]
    private let concurrency: Int
    private let policy: RetryPolicy
    private let env: SenderEnvironment
    private let options: Options
    private let onEvent: @Sendable (SenderEvent) -> Void
    private let ledger: LedgerWriter
    /// Channel profiles, for records written before records carried their posts (`Posts.of`).
    private let profiles: ChannelProfiles?

    private var outboxCursor = StoreCursor.start
    /// How many ledger records of each key this sender has seen (read or written): a claim
    /// with a stale count learns first what other senders did (`Claim.moved`).
    private var ledgerCounts: [String: Int] = [:]
    /// Approvals, cancels and the ledger per message: the same projection every view reads
    /// (`MessageStatus`), so what the sender does next is `senderStep` of it.
    private var index = OutboxEventIndex()
    private var seenMessages: Set<String> = []
    private var created: [String: Date] = [:]

    /// Unsettled deliveries by key.
    private var deliveries: [String: Delivery] = [:]
    private var keysByMessage: [String: [String]] = [:]
    private var ready: [String] = []
    private var readyHead = 0
    private var delayed: [String: Date] = [:]
    private var nextDelayed: Date?
    private var awaitingApproval: [String: [String]] = [:]
    private var inFlight: Set<String> = []
    /// Keys whose last attempt (in an earlier run) has no outcome and that wait to be retried.
    private var interrupted: Set<String> = []
    private var writesInProgress = 0

    /// With a database that wakes us (NOTIFY), the outbox is read again only when it may have
    /// grown: after a wake-up from the watch, or a poll interval after the last read. Every
    /// completion wakes the loop too, and a query on each would wait behind the ledger's
    /// commits on the store's one connection, holding the actor.
    private var outboxFollowedByWatch = false
    private var outboxMayHaveGrown = true
    private var lastOutboxRead = Date.distantPast

    /// Which posts are this sender's own when several share a database (`SenderShare`).
    private var share: SenderShare

    private var stopping = false
    private var failure: (any Error)?
    private var summary = SenderSummary()
    private var waiter: CheckedContinuation<Void, Never>?
    private var rung = false

    /// - Parameter channels: the channel profiles (`channels.yaml`); only records written
    ///   before records carried their posts need them. Without them such a record posts nothing.
    /// - Parameter store: where the outbox and the ledger live; the state directory's files
    ///   when nil. With a shared database any number of senders may run (claims and leases).
    public init(state: StateDirectory, store: (any Store)? = nil, endpoints: [String: [Mode: any Endpoint]], retry: RetrySettings,
                concurrency: Int, environment: SenderEnvironment = .live, options: Options = Options(), channels: ChannelProfiles? = nil,
                onEvent: @escaping @Sendable (SenderEvent) -> Void = { _ in }) {
        self.state = state; self.endpoints = endpoints; self.policy = RetryPolicy(retry); self.concurrency = max(1, concurrency)
        self.env = environment; self.options = options; self.onEvent = onEvent; self.profiles = channels
        let store = store ?? FileStore(state)
        self.store = store
        self.ledger = LedgerWriter(store: store, holder: options.name, lease: options.lease)
        self.share = SenderShare(me: options.name)
    }

    /// Asks the loop to stop: no new attempt starts; requests in flight finish and their outcome
    /// is recorded; then `run` returns.
    public func stop() {
        stopping = true
        wake()
    }

    private func setPeers(_ names: [String]) { share.peers = names }

    /// Called by the database's watch when the outbox grew.
    func outboxGrew() {
        outboxMayHaveGrown = true
        wake()
    }

    /// Called by the outbox watcher, by completions and by timers.
    public func wake() {
        rung = true
        if let waiter {
            self.waiter = nil
            waiter.resume()
        }
    }

    public func run() async throws -> SenderSummary {
        try rebuildFromLedger()
        var watcher: OutboxWatcher? = nil
        var listening: (any StoreWatch)? = nil
        if !options.once {
            // A database wakes us with NOTIFY; files with inotify. Either way only a wake-up:
            // the outbox is re-read from where we stopped.
            listening = store.watch { [weak self] payload in
                guard let self, payload == "outbox" || payload == "*" else { return }
                Task { await self.outboxGrew() }
            }
            outboxFollowedByWatch = listening != nil
            if listening == nil {
                watcher = OutboxWatcher(directory: state.path, fileName: (state.outboxPath as NSString).lastPathComponent) { [weak self] in
                    guard let self else { return }
                    Task { await self.wake() }
                }
                if watcher == nil { note("inotify unavailable; polling the outbox every \(options.pollInterval)s") }
            }
        }
        if options.heartbeat {
            // Known before the first outbox read: which posts are this sender's own (`SenderShare`).
            await ledger.beat(now: env.now())
            share.peers = await ledger.alivePeers(now: env.now())
        }
        let heartbeat: Task<Void, Never>? = options.heartbeat ? Task { [ledger, env] in
            while !Task.isCancelled {
                await ledger.beat(now: env.now())
                await self.setPeers(await ledger.alivePeers(now: env.now()))
                try? await Task.sleep(nanoseconds: UInt64(SenderStatus.heartbeatInterval * 1_000_000_000))
            }
        } : nil
        // Requests slower than a lease keep their posts (`LedgerWriter.renewLeases`).
        let renewal = Task { [ledger, options] in
            let interval = LedgerWriter.renewalInterval(lease: options.lease)
            while !Task.isCancelled {
                try? await Task.sleep(nanoseconds: UInt64(interval * 1_000_000_000))
                await ledger.renewLeases()
            }
        }
        defer {
            watcher?.stop()
            listening?.stop()
            heartbeat?.cancel()
            renewal.cancel()
        }

        while failure == nil {
            if stopping {
                if inFlight.isEmpty && writesInProgress == 0 { break }
                await sleepUntilWoken(timeout: 1)
                continue
            }
            if !outboxFollowedByWatch || outboxMayHaveGrown || env.now().timeIntervalSince(lastOutboxRead) >= options.pollInterval {
                outboxMayHaveGrown = false
                lastOutboxRead = env.now()
                catchUpOutbox()
            }
            schedule()
            if options.once && isDrained { break }
            var timeout = options.pollInterval
            if let nextDelayed { timeout = max(0, min(timeout, nextDelayed.timeIntervalSince(env.now()))) }
            await sleepUntilWoken(timeout: timeout)
        }
        // A failure (the ledger cannot be written) still lets requests in flight finish first.
        while !(inFlight.isEmpty && writesInProgress == 0) { await sleepUntilWoken(timeout: 1) }
        if let failure { throw failure }
        summary.awaitingApproval = awaitingApproval.values.reduce(0) { $0 + $1.count }
        summary.unsettled = deliveries.count
        return summary
    }

    /// Drained: nothing in flight, nothing due or scheduled. Deliveries waiting for approval
    /// cannot settle without an operator, so `--once` does not wait for them.
    private var isDrained: Bool {
        inFlight.isEmpty && writesInProgress == 0 && readyHead >= ready.count && delayed.isEmpty
    }

    private func sleepUntilWoken(timeout: TimeInterval) async {
        if rung { rung = false; return }
        let timer = Task { [env] in
            try? await env.sleep(timeout)
            if !Task.isCancelled { self.wake() }
        }
        await withCheckedContinuation { waiter = $0 }
        rung = false
        timer.cancel()
    }

    // MARK: Rebuilding state

    /// What each key went through before this run: settled keys are skipped, a scheduled retry
    /// keeps its time, and an attempt with no outcome after it was cut off by a crash.
    /// A torn last line (power cut during the append) is skipped safely: a request is only sent
    /// after its attempt's fsync returned, so a torn attempt was never sent.
    private func rebuildFromLedger() throws {
        try store.read(DeliveryRecord.self, .ledger, into: { record in
            seen(record)
        }, bad: { bad in
            note("delivery ledger: skipped \(bad)")
        })
    }

    // MARK: Following the outbox

    private func catchUpOutbox() {
        var records: [OutboxRecord] = []
        do {
            outboxCursor = try store.read(OutboxRecord.self, .outbox, from: outboxCursor, following: true, into: { records.append($0) }, bad: { bad in
                self.onEvent(.badLine(bad))
                self.note("outbox: skipped \(bad)")
            })
        } catch {
            note("cannot read the outbox: \(error); trying again")
            outboxMayHaveGrown = true
            return
        }
        for record in records { apply(record) }
    }

    private func apply(_ record: OutboxRecord) {
        index.apply(record)
        switch record {
        case .message(let m): accept(m, isCorrection: false)
        case .correct(let m): accept(m, isCorrection: true)
        case .cancel(let id, let op, _, let reason):
            for key in keysByMessage[id] ?? [] where deliveries[key] != nil && !inFlight.contains(key) {
                guard let delivery = deliveries[key] else { continue }
                switch status(delivery.post).senderStep(delivery.post.post.target) {
                case .recoverInterrupted:
                    // Its last attempt was cut off: cancelling now cannot unsend it.
                    settle(key, .unknown, reason: "cancelled by \(op) after an interrupted attempt; it may have been posted: check \(delivery.endpoint.config.summary)")
                case .recordCancel:
                    settle(key, .cancelled, reason: "cancelled by \(op)" + (reason.isEmpty ? "" : ": \(reason)"))
                default:
                    break
                }
            }
            awaitingApproval[id] = nil
        case .approve(let id, let op, _):
            guard let keys = awaitingApproval[id], let first = keys.compactMap({ deliveries[$0] }).first else { return }
            if first.post.message.operator == op {
                note("message \(id): approval by its own author \(op) does not count; a second operator must approve")
            }
            var still: [String] = []
            for key in keys {
                guard let delivery = deliveries[key] else { continue }
                if status(delivery.post).senderStep(delivery.post.post.target) == .send { enqueue(key) } else { still.append(key) }
            }
            awaitingApproval[id] = still.isEmpty ? nil : still
        }
    }

    /// The projection of one message as the sender knows it now.
    private func status(_ post: Post) -> MessageStatus {
        index.status(of: post.message, isCorrection: post.isCorrection, channels: profiles)
    }

    private func isCancelled(_ id: String) -> Bool { index.events[id]?.cancel != nil }

    private func accept(_ m: OutboxMessage, isCorrection: Bool) {
        // A message id is queued once; a repeated line (an operator's retry after "NOT queued"
        // that did reach the disk) must not post twice.
        guard seenMessages.insert(m.id).inserted else { return }
        created[m.id] = m.created
        let correctsSent = m.corrects.flatMap { created[$0] }
        let status = index.status(of: m, isCorrection: isCorrection, channels: profiles)
        if m.posts == nil && status.posts.isEmpty {
            note("message \(m.id) was written without its post list and no channel profile resolves one (--manuals); nothing posted")
        }
        // Exactly the message's posts: nothing is derived here from its channels or texts.
        for stored in status.posts {
            let post = Post(message: m, post: stored, isCorrection: isCorrection, correctsSent: correctsSent)
            let key = post.key
            let target = stored.target
            let step = status.senderStep(target)
            if step == .settled { continue }
            keysByMessage[m.id, default: []].append(key)
            let attempts = status.attempts(target)
            if step == .recordCancel {
                deliveries[key] = Delivery(post: post, endpoint: endpoints[post.channel]?[m.mode] ?? NoEndpoint(channel: post.channel, mode: m.mode),
                                           attempts: attempts)
                settle(key, .cancelled, reason: "cancelled before it was sent")
                continue
            }
            // Only the endpoint of the message's own mode is ever looked up: there is no path
            // from a drill message to a live endpoint, or back.
            guard let endpoint = endpoints[post.channel]?[m.mode], endpoint.config.mode == m.mode else {
                deliveries[key] = Delivery(post: post, endpoint: NoEndpoint(channel: post.channel, mode: m.mode), attempts: attempts)
                settle(key, .dead, reason: "no \(m.mode.rawValue) endpoint is configured for channel '\(post.channel)'; not sent anywhere else")
                continue
            }
            deliveries[key] = Delivery(post: post, endpoint: endpoint, attempts: attempts)
            if case .send = step, !share.isHome(key) {
                // Another live sender's post: left to it for a moment (`SenderShare`).
                delay(key, until: env.now().addingTimeInterval(SenderShare.grace))
            } else {
                place(key, step)
            }
        }
    }

    /// Where an unsettled delivery goes next, as the projection says (`senderStep`).
    private func place(_ key: String, _ step: SenderStep) {
        guard let delivery = deliveries[key] else { return }
        switch step {
        case .recoverInterrupted: recoverInterrupted(key, endpoint: delivery.endpoint)
        case .awaitApproval: awaitingApproval[delivery.post.message.id, default: []].append(key)
        case .retry(let at):
            if let at { delay(key, until: at) } else { enqueue(key) }
        case .send: enqueue(key)
        case .recordCancel: settle(key, .cancelled, reason: "cancelled before it was sent")
        case .settled: deliveries[key] = nil
        }
    }

    /// A ledger record this sender read or wrote: the projection learns it, and the count a
    /// claim compares with the database's grows.
    private func seen(_ record: DeliveryRecord) {
        index.apply(record)
        ledgerCounts[record.key, default: 0] += 1
    }

    /// Another sender wrote records for this key since we last looked (a shared database): take
    /// the ones we had not seen, then decide again exactly as on start.
    private func catchUp(_ key: String, records: [[UInt8]]) {
        let known = ledgerCounts[key] ?? 0
        let decoder = RecordCoding.decoder()
        for bytes in records.dropFirst(known) {
            if case .success(let record) = RecordLog<DeliveryRecord>.decode(bytes[...], decoder: decoder) { index.apply(record) }
        }
        // An unreadable record still counts, or every claim would disagree about the count.
        ledgerCounts[key] = records.count
        guard var delivery = deliveries[key] else { return }
        let target = delivery.post.post.target
        let status = status(delivery.post)
        delivery.attempts = status.attempts(target)
        deliveries[key] = delivery
        let step = status.senderStep(target)
        if step == .settled { note("\(key): settled by another sender") }
        place(key, step)
    }

    /// The ledger ends in an attempt: the sender died during the request, and nobody knows whether
    /// the post went out. Only an idempotent endpoint may be asked again (same key, so at most one
    /// post); elsewhere an operator has to look.
    private func recoverInterrupted(_ key: String, endpoint: any Endpoint) {
        guard let delivery = deliveries[key] else { return }
        if isCancelled(delivery.post.message.id) {
            settle(key, .unknown, reason: "cancelled while a request was in flight; it may have been posted: check \(endpoint.config.summary)")
        } else if !endpoint.idempotent {
            settle(key, .unknown, reason: "the sender stopped during the request and \(endpoint.config.summary) has no idempotency; not re-posted blind: check the channel")
        } else {
            note("\(key): attempt \(delivery.attempts) was interrupted; trying again with the same key")
            interrupted.insert(key)
            enqueue(key)
        }
    }

    // MARK: Scheduling

    private func enqueue(_ key: String) {
        delayed[key] = nil
        ready.append(key)
    }

    private func delay(_ key: String, until: Date) {
        delayed[key] = until
        if nextDelayed.map({ until < $0 }) ?? true { nextDelayed = until }
    }

    private func popReady() -> String? {
        guard readyHead < ready.count else { return nil }
        let key = ready[readyHead]
        readyHead += 1
        if readyHead > 1024 && readyHead * 2 > ready.count {
            ready.removeFirst(readyHead)
            readyHead = 0
        }
        return key
    }

    private func schedule() {
        let now = env.now()
        if let next = nextDelayed, next <= now {
            let due = delayed.filter { $0.value <= now }.sorted { $0.value < $1.value }
            for (key, _) in due { enqueue(key) }
            nextDelayed = delayed.values.min()
        }
        while inFlight.count < concurrency, let key = popReady() {
            // A key waiting for its retry time is not due, whatever else put it in the queue.
            guard var delivery = deliveries[key], !inFlight.contains(key), delayed[key] == nil else { continue }
            let message = delivery.post.message
            if isCancelled(message.id) {
                settle(key, .cancelled, reason: "cancelled before it was sent")
                continue
            }
            if policy.isExpired(created: message.created, now: now) {
                settle(key, .dead, reason: "too old to send: queued \(Int(now.timeIntervalSince(message.created)))s ago, the limit is \(Int(policy.settings.maxAge))s")
                continue
            }
            if let until = delivery.endpoint.readyAt(now: now) {
                delay(key, until: until)
                continue
            }
            delivery.attempts += 1
            deliveries[key] = delivery
            inFlight.insert(key)
            interrupted.remove(key)
            let attempt = DeliveryRecord(kind: .attempt, message: message.id, channel: delivery.post.channel,
                                         language: delivery.post.language, at: now, attempt: delivery.attempts,
                                         endpoint: delivery.endpoint.config.summary)
            Task { await self.perform(key, delivery, attempt) }
        }
    }

    private func perform(_ key: String, _ delivery: Delivery, _ attempt: DeliveryRecord) async {
        let claim: Claim
        do {
            claim = try await ledger.claim(attempt, known: ledgerCounts[key] ?? 0)
        } catch {
            // Without a durable attempt the request must not go out at all.
            fail(error)
            inFlight.remove(key)
            wake()
            return
        }
        switch claim {
        case .granted:
            break
        case .held(let until):
            // Another sender is on it; its outcome (or its lease running out) decides next.
            inFlight.remove(key)
            if var d = deliveries[key] { d.attempts -= 1; deliveries[key] = d }
            // Look again within a second: the other sender usually settles it long before its
            // lease ends, and then this one only has to learn that (`Claim.moved`).
            delay(key, until: min(until, env.now().addingTimeInterval(1)))
            wake()
            return
        case .moved(let records):
            inFlight.remove(key)
            catchUp(key, records: records)
            wake()
            return
        }
        seen(attempt)
        onEvent(.recorded(attempt))
        let result = await delivery.endpoint.deliver(delivery.post)
        await complete(key, delivery, result)
    }

    private func complete(_ key: String, _ delivery: Delivery, _ result: DeliveryResult) async {
        let now = env.now()
        let post = delivery.post
        var record: DeliveryRecord
        var retryAt: Date? = nil
        var result = result
        if case .ambiguous(let reason) = result, delivery.endpoint.idempotent {
            // The same key again cannot post twice here.
            result = .transient(reason: reason, notBefore: nil)
        }
        switch result {
        case .delivered(let remoteID):
            record = DeliveryRecord(kind: .delivered, message: post.message.id, channel: post.channel, language: post.language,
                                    at: now, attempt: delivery.attempts, remoteID: remoteID, endpoint: delivery.endpoint.config.summary)
        case .permanent(let reason):
            record = DeliveryRecord(kind: .dead, message: post.message.id, channel: post.channel, language: post.language,
                                    at: now, attempt: delivery.attempts, reason: reason, endpoint: delivery.endpoint.config.summary)
        case .ambiguous(let reason):
            record = DeliveryRecord(kind: .unknown, message: post.message.id, channel: post.channel, language: post.language,
                                    at: now, attempt: delivery.attempts,
                                    reason: "\(reason); the post may have been made and \(delivery.endpoint.config.summary) has no idempotency, so it is not re-posted blind: check the channel",
                                    endpoint: delivery.endpoint.config.summary)
        case .transient(let reason, let notBefore):
            if isCancelled(post.message.id) {
                record = DeliveryRecord(kind: .cancelled, message: post.message.id, channel: post.channel, language: post.language,
                                        at: now, attempt: delivery.attempts, reason: "cancelled after a failed attempt (\(reason))")
            } else {
                switch policy.decide(afterAttempt: delivery.attempts, reason: reason, notBefore: notBefore,
                                     created: post.message.created, now: now, random: env.random()) {
                case .retry(let at):
                    retryAt = at
                    record = DeliveryRecord(kind: .retry, message: post.message.id, channel: post.channel, language: post.language,
                                            at: now, attempt: delivery.attempts, next: at, reason: reason,
                                            endpoint: delivery.endpoint.config.summary)
                case .dead(let why):
                    record = DeliveryRecord(kind: .dead, message: post.message.id, channel: post.channel, language: post.language,
                                            at: now, attempt: delivery.attempts, reason: why, endpoint: delivery.endpoint.config.summary)
                }
            }
        }
        do {
            try await ledger.write(record)
        } catch {
            fail(error)
            inFlight.remove(key)
            wake()
            return
        }
        inFlight.remove(key)
        seen(record)
        count(record.kind)
        onEvent(.recorded(record))
        if let retryAt {
            delay(key, until: retryAt)
        } else {
            deliveries[key] = nil
        }
        wake()
    }

    /// Records a final outcome decided without a request (cancelled, no endpoint, too old, unknown).
    private func settle(_ key: String, _ kind: DeliveryRecord.Kind, reason: String) {
        guard let delivery = deliveries.removeValue(forKey: key) else { return }
        delayed[key] = nil
        interrupted.remove(key)
        let post = delivery.post
        let record = DeliveryRecord(kind: kind, message: post.message.id, channel: post.channel, language: post.language,
                                    at: env.now(), attempt: delivery.attempts > 0 ? delivery.attempts : nil, reason: reason,
                                    endpoint: delivery.endpoint is NoEndpoint ? nil : delivery.endpoint.config.summary)
        writesInProgress += 1
        Task {
            do {
                try await ledger.write(record)
                recorded(record)
            } catch {
                fail(error)
            }
            finishedWrite()
        }
    }

    private func recorded(_ record: DeliveryRecord) {
        seen(record)
        count(record.kind)
        onEvent(.recorded(record))
    }

    private func finishedWrite() {
        writesInProgress -= 1
        wake()
    }

    private func count(_ kind: DeliveryRecord.Kind) {
        switch kind {
        case .delivered: summary.delivered += 1
        case .dead: summary.dead += 1
        case .cancelled: summary.cancelled += 1
        case .unknown: summary.unknown += 1
        case .retry: summary.retries += 1
        case .attempt: break
        }
    }

    private func fail(_ error: any Error) {
        if failure == nil {
            failure = error
            note("cannot write the delivery ledger: \(error); stopping so that nothing is sent unrecorded")
        }
        wake()
    }

    private nonisolated func note(_ text: String) { onEvent(.note(text)) }
}

/// Stands in where a channel has no endpoint for the message's mode, so the dead record still
/// names what was missing. It is never asked to deliver.
struct NoEndpoint: Endpoint {
    let config: EndpointConfig
    var idempotent: Bool { false }
    init(channel: String, mode: Mode) {
        config = EndpointConfig(channel: channel, mode: mode, kind: .file(path: "(none)"), location: SourceLocation(file: "", line: 0, column: 0))
    }
    func readyAt(now: Date) -> Date? { nil }
    func deliver(_ post: Post) async -> DeliveryResult { .permanent(reason: "no endpoint") }
}
