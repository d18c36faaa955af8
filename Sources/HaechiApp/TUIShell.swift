#if canImport(Glibc)
import Glibc
#endif
import Foundation
import HaechiCore
import HaechiStore
import HaechiTerminal
import HaechiUI
import Synchronization

/// Set from a signal handler queue, read by the main loop.
private let terminationRequested = Atomic<Bool>(false)

/// The thin shell around the pure core: reads keys, runs the reducer, performs its effects
/// (journal appends with fsync, following journals, listing incidents), paints the canvas.
final class TUIShell {
    let stateDirectory: StateDirectory
    let terminal = Terminal()
    let environment: Environment
    var state: AppState
    var log: TUILog
    var effects: TUIEffects
    var running = true
    /// When the command started (uptime ns), to log the time to the first frame.
    var started: UInt64?
    /// Sent once the first frame is up (`haechi drill` opens its drill this way).
    var startActions: [Action] = []

    init(state stateDirectory: StateDirectory, store: (any Store)? = nil, manuals: [Manual], problems: [String], operatorName: String,
         language: Language) throws {
        self.stateDirectory = stateDirectory
        log = try TUILog(path: stateDirectory.logPath)
        environment = .live()
        state = AppState(manuals: manuals, manualProblems: problems, operatorName: operatorName, now: Date(),
                         timeZone: .current, language: language)
        effects = TUIEffects(state: stateDirectory, store: store, log: log)
        effects.manualsByID = Dictionary(manuals.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
    }

    func run() throws {
        if let problem = Terminal.prepareLocale() { log.write("locale: \(problem)") }
        for p in state.manualProblems { log.write("manuals: \(p)") }
        log.write("start: operator \(state.operatorName), \(state.manuals.count) manuals, store \(effects.store.location), state \(stateDirectory.path)")
        // Anything the runtime or a library prints on stderr would scribble over the screen.
        let savedStderr = dup(2)
        dup2(log.descriptor, 2)
        watchTerminationSignals()
        terminal.start()
        // A shared database wakes us when another seat writes (a wake-up only: we re-read).
        effects.startWatching()
        defer {
            effects.stopWatching()
            terminal.stop()
            dup2(savedStderr, 2)
            close(savedStderr)
            log.write("stop")
        }
        let size = terminal.size
        send(.resized(width: size.width, height: size.height))
        send(.statusSummary(effects.statusSummary()))
        perform([.listIncidents])
        for action in startActions { send(action) }
        terminal.draw(render(state))
        if let started {
            log.write(String(format: "first frame after %.1f ms", Double(DispatchTime.now().uptimeNanoseconds - started) / 1e6))
        }
        // The outbox can be long: read it after the first frame, so the desk sees a screen at once.
        if let feed = effects.outbox.poll(now: Date()) { send(.outboxLoaded(feed)); terminal.draw(render(state)) }

        var lastTick = Date()
        var lastSlowPoll = Date()
        loop: while running && !terminationRequested.load(ordering: .relaxed) {
            if let input = terminal.read(timeoutMilliseconds: 250) {
                switch input {
                case .key(let key): send(.key(key))
                case .resized(let w, let h): send(.resized(width: w, height: h))
                }
            } else if terminal.inputHungUp {
                // The terminal went away without a signal reaching us: nobody is left to read.
                log.write("terminal hung up")
                break loop
            }
            let now = Date()
            // Another operator's lines in the journal we show: within a quarter of a second.
            if let action = effects.pollFollowed(now: now, force: false) { send(action) }
            // A drill's next inject is due before the next second's tick: play it now.
            if let wake = Drill.nextWake(state), wake <= now { lastTick = now; send(.tick) }
            if now.timeIntervalSince(lastTick) >= 1 {
                lastTick = now
                send(.tick)
            }
            // The outbox and the sender's ledger: other desks' messages, delivery progress.
            if effects.outboxDue(now: now), let feed = effects.outbox.poll(now: now) { send(.outboxLoaded(feed)) }
            if now.timeIntervalSince(lastSlowPoll) >= 2 {
                lastSlowPoll = now
                send(.statusSummary(effects.statusSummary()))
                if case .home = state.screen { perform([.listIncidents]) }
            }
            if running { terminal.draw(render(state)) }
        }
    }

    /// Runs an action through the reducer, then performs the effects, feeding their results
    /// back as actions until nothing is left.
    func send(_ action: Action) {
        perform(reduce(&state, action, environment))
    }

    func perform(_ list: [Effect]) {
        for effect in list {
            if effect == .quit { running = false; continue }
            for action in effects.perform(effect) { send(action) }
        }
    }

    /// SIGTERM and SIGHUP (the SSH session dropped, tmux killed the pane) end the loop so the
    /// terminal is restored; the journal needs nothing, every line is already on disk.
    /// The handler only stores to a lock-free atomic, which is async-signal-safe.
    private func watchTerminationSignals() {
        for sig in [SIGTERM, SIGHUP] {
            signal(sig) { _ in terminationRequested.store(true, ordering: .relaxed) }
        }
    }
}

/// Performs effects against the state directory. Separate from the terminal so the benchmark
/// and tests can use it headless.
struct TUIEffects {
    let stateDirectory: StateDirectory
    /// Journals, outbox and ledger: the state directory's files or a shared database.
    let store: any Store
    let log: TUILog?
    /// The journal being followed and how far it has been read.
    private(set) var followed: (incident: String, cursor: StoreCursor)?
    /// A database's LISTEN/NOTIFY wake-ups; nil for files, which are cheap to poll.
    private(set) var watch: (any StoreWatch)?
    private var journalSeen = (changes: -1, at: Date.distantPast)
    private var outboxSeen = (changes: -1, at: Date.distantPast)
    /// Performs `.enqueue` and follows outbox.jsonl + delivery.jsonl (TUIOutbox.swift).
    var outbox: TUIOutbox
    /// Where `.loadReport` finds the manual and scenario a report is scored against.
    var manualsDirectory = "manuals"

    init(state: StateDirectory, store: (any Store)? = nil, log: TUILog?) {
        stateDirectory = state
        let store = store ?? FileStore(state)
        self.store = store
        self.log = log
        outbox = TUIOutbox(state: state, channels: nil, store: store)
    }

    mutating func startWatching() {
        watch = store.watch { _ in }
    }

    mutating func stopWatching() {
        watch?.stop()
        watch = nil
    }

    /// Whether a follower should read now. Files: always (a read that finds nothing costs a
    /// stat). A database: when a NOTIFY came since the last read, and every two seconds
    /// anyway, since a notification is not durable (it is lost across a reconnect).
    private func due(_ seen: (changes: Int, at: Date), every: TimeInterval, now: Date) -> Bool {
        guard let watch else { return now.timeIntervalSince(seen.at) >= every }
        return watch.changes != seen.changes || now.timeIntervalSince(seen.at) >= 2
    }

    /// The outbox and ledger are read once a second from files, on a wake-up from a database.
    mutating func outboxDue(now: Date) -> Bool {
        guard due(outboxSeen, every: 1, now: now) else { return false }
        outboxSeen = (watch?.changes ?? 0, now)
        return true
    }

    mutating func perform(_ effect: Effect) -> [Action] {
        switch effect {
        case .appendJournal(let event):
            do {
                try store.append(event, to: .journal(incident: event.incident))
                log?.write("journal \(event.incident): \(event.kind.rawValue) \(event.step ?? "") \(event.status?.rawValue ?? "")")
            } catch {
                return [.journalAppendFailed(event, reason: "\(error)")]
            }
            // Read back what is now in the file: ours and anyone else's, in file order.
            return pollFollowed().map { [$0] } ?? []
        case .follow(let id):
            var cursor = StoreCursor.start
            var events: [IncidentEvent] = []
            var problems: [String] = []
            do {
                cursor = try store.read(IncidentEvent.self, .journal(incident: id), from: cursor, following: true,
                                        into: { events.append($0) }, bad: { problems.append($0.description) })
            } catch {
                problems.append("\(error)")
            }
            followed = (id, cursor)
            return [.journalLoaded(incident: id, events: events, problems: problems)]
        case .stopFollowing:
            followed = nil
            return []
        case .listIncidents:
            return [.incidentsListed(listIncidents())]
        case .log(let line):
            log?.write(line)
            return []
        case .quit:
            return []
        case .enqueue(let record):
            return outbox.enqueue(record, log: log)
        case .loadReport(let id):
            return [TUIDrill.report(incident: id, store: store, manualsDirectory: manualsDirectory)]
        }
    }

    /// New lines of the followed journal, if any (with a database: only when woken, or every
    /// two seconds; `force` after our own append).
    mutating func pollFollowed(now: Date = Date(), force: Bool = true) -> Action? {
        guard var f = followed else { return nil }
        if !force && !due(journalSeen, every: 0, now: now) { return nil }
        journalSeen = (watch?.changes ?? 0, now)
        var events: [IncidentEvent] = []
        var problems: [String] = []
        do {
            f.cursor = try store.read(IncidentEvent.self, .journal(incident: f.incident), from: f.cursor, following: true,
                                      into: { events.append($0) }, bad: { problems.append($0.description) })
        } catch {
            problems.append("\(error)")
        }
        followed = f
        if events.isEmpty && problems.isEmpty { return nil }
        return .journalEvents(incident: f.incident, events: events, problems: problems)
    }

    /// Every incident in the store, replayed to a summary (step counts need the manuals).
    func listIncidents() -> [IncidentSummary] {
        guard let ids = try? store.incidents() else { return [] }
        var out: [IncidentSummary] = []
        for id in ids {
            guard let (records, bad) = try? store.readAll(IncidentEvent.self, .journal(incident: id)) else { continue }
            if !bad.isEmpty { log?.write("journal \(id): \(bad.count) bad line(s): \(bad[0])") }
            guard let incident = Incident.replay(records) else { continue }
            out.append(IncidentSummary(incident, manual: manualsByID[incident.manualID]))
        }
        return out
    }

    var manualsByID: [String: Manual] = [:]

    /// Outbox counts and the sender's heartbeat (judged by `SenderStatus`, the sender's rule).
    func statusSummary(now: Date = Date()) -> StatusSummary { outbox.statusSummary(now: now) }
}

/// The TUI's log file in the state directory: never the screen.
final class TUILog {
    let descriptor: Int32
    init(path: String) throws {
        descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o660)
        if descriptor < 0 { throw PosixError("open", path: path) }
    }
    deinit { close(descriptor) }

    func write(_ line: String) {
        let text = RecordCoding.formatTimestamp(Date()) + " " + line + "\n"
        _ = text.withCString { Glibc.write(descriptor, $0, strlen($0)) }
    }
}
