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
    var effects: EffectRunner<StateFiles>
    var running = true
    /// When the command started (uptime ns), to log the time to the first frame.
    var started: UInt64?
    /// Sent once the first frame is up (`haechi drill` opens its drill this way).
    var startActions: [Action] = []
    /// Where the manuals were loaded from (scenarios and reports are looked up there too).
    var manualsDirectory = "manuals"
    /// The manuals, channels and scenarios still to read when the first frame is drawn from the
    /// parsed-manual cache's index (`AppState.listedManuals`); read by `completeManuals`.
    var pendingManuals: (() -> TUIManuals.Loaded)?

    init(state stateDirectory: StateDirectory, store: (any Store)? = nil, manuals: [Manual], problems: [String], operatorName: String,
         language: Language, timeZone: TimeZone = CityTime.default) throws {
        self.stateDirectory = stateDirectory
        log = try TUILog(path: stateDirectory.logPath)
        // One zone for everything the TUI shows and writes: the city's (`--time-zone`), never
        // the server's own, so clocks, `{time}` in messages, ids and the report agree.
        environment = .live(timeZone: timeZone)
        state = AppState(manuals: manuals, manualProblems: problems, operatorName: operatorName, now: Date(),
                         timeZone: timeZone, language: language)
        effects = EffectRunner(files: StateFiles(state: stateDirectory, store: store, log: log), manuals: manuals)
    }

    func run() throws {
        // The character type is all the first frame needs of the locale; the rest comes after it.
        if let problem = Terminal.prepareLocale(characterTypeOnly: true) { log.write("locale: \(problem)") }
        for p in state.manualProblems { log.write("manuals: \(p)") }
        log.write("start: operator \(state.operatorName), \(state.listedManuals?.count ?? state.manuals.count) manuals, store \(effects.files.store.location), state \(stateDirectory.path)")
        // Anything the runtime or a library prints on stderr would scribble over the screen.
        let savedStderr = dup(2)
        dup2(log.descriptor, 2)
        watchTerminationSignals()
        terminal.start()
        // A shared database wakes us when another seat writes (a wake-up only: we re-read).
        effects.files.startWatching()
        defer {
            effects.files.stopWatching()
            terminal.stop()
            dup2(savedStderr, 2)
            close(savedStderr)
            log.write("stop")
        }
        let size = terminal.size
        send(.resized(width: size.width, height: size.height))
        // A drill opened at start needs its manual and scenario: then the first frame waits for
        // the full manuals too. Incidents on Home need only their manuals' steps as listed in the
        // cache's index (`EffectRunner.use(listing:)`), the same figures as from the manuals.
        if pendingManuals != nil, !startActions.isEmpty {
            completeManuals()
        }
        perform([.listIncidents])
        for action in startActions { send(action) }
        terminal.draw(render(state))
        if let started {
            log.write("first frame after \(TUILog.milliseconds(since: started)) ms")
        }
        Terminal.prepareLocale()
        // Before any key is read: every screen behind Home needs the full manuals. The sender's
        // status is read here too: Home says "checking" until then, a few milliseconds.
        completeManuals()
        send(.statusSummary(effects.files.statusSummary()))
        terminal.draw(render(state))
        // The outbox can be long: read it after the first frame, so the desk sees a screen at once.
        let readStart = DispatchTime.now().uptimeNanoseconds
        effects.files.outbox.keep(incident: state.incident?.id)
        if let loaded = effects.pollOutbox(now: Date()) { send(loaded); terminal.draw(render(state)) }
        log.write(String(format: "outbox: read in %.1f ms, %d messages held, %d settled ones counted only",
                         Double(DispatchTime.now().uptimeNanoseconds - readStart) / 1e6, effects.files.outbox.held, effects.files.outbox.retired))

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
            if effects.files.journalDue(now: now), let action = effects.pollFollowed() { send(action) }
            // A drill's next inject is due before the next second's tick: play it now.
            if let wake = Drill.nextWake(state), wake <= now { lastTick = now; send(.tick) }
            if now.timeIntervalSince(lastTick) >= 1 {
                lastTick = now
                send(.tick)
            }
            // The outbox and the sender's ledger: other desks' messages, delivery progress.
            // All of the open incident's messages are kept, however old.
            if effects.files.outboxDue(now: now) {
                effects.files.outbox.keep(incident: state.incident?.id)
                if let loaded = effects.pollOutbox(now: now) { send(loaded) }
            }
            if now.timeIntervalSince(lastSlowPoll) >= 2 {
                lastSlowPoll = now
                send(.statusSummary(effects.files.statusSummary()))
                if case .home = state.screen { perform([.listIncidents]) }
            }
            if running { terminal.draw(render(state)) }
        }
    }

    /// The loaded manuals, their problems, channels and scenarios put in place.
    func use(_ library: TUIManuals.Loaded, started: UInt64?) {
        state.manuals = library.manuals
        state.listedManuals = nil
        state.manualProblems = library.problems
        effects.use(library.manuals)
        useChannels(library.channels)
        for note in library.notes { log.write(note) }
        if let started {
            log.write("manuals: \(library.manuals.count) loaded from \(manualsDirectory) in \(TUILog.milliseconds(since: started)) ms"
                      + (library.source == .cache ? " (parsed-manual cache)" : ""))
        }
        useScenarios(manualsDirectory: manualsDirectory, loaded: library)
    }

    /// Reads what the first frame was drawn without (see `pendingManuals`). Home then lists the
    /// manuals read; should they differ from the index (they cannot while the key matches),
    /// the log says so and the incidents are summarised again from the manuals read.
    func completeManuals() {
        guard let finish = pendingManuals else { return }
        pendingManuals = nil
        let listed = state.listedManuals
        let started = DispatchTime.now().uptimeNanoseconds
        let library = finish()
        if let listed, listed != library.manuals.map(ManualListing.init) {
            log.write("manuals: the cache's index listed other manuals than were read; Home shows the ones read")
            use(library, started: started)
            perform([.listIncidents])
            return
        }
        use(library, started: started)
    }

    /// Runs an action through the reducer, then performs the effects, feeding their results
    /// back as actions until nothing is left.
    func send(_ action: Action) {
        perform(reduce(&state, action, environment))
    }

    func perform(_ list: [Effect]) {
        for effect in list {
            if effect == .quit { running = false; continue }
            for action in effects.perform(effect, now: Date()) { send(action) }
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

/// The state directory as the effect handler sees it (`ShellFiles`): journals appended with
/// fsync and followed as they grow, the outbox through `TUIOutbox`, report sources as
/// `haechi report` reads them. The handling itself is `EffectRunner` in HaechiUI, which the UI
/// tests run too, on memory.
struct StateFiles: ShellFiles {
    let stateDirectory: StateDirectory
    /// Journals, outbox and ledger: the state directory's files or a shared database.
    let store: any Store
    let logFile: TUILog?
    /// The journal being followed, read up to where the last read stopped.
    private var followed: (incident: String, cursor: StoreCursor)?
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
        logFile = log
        outbox = TUIOutbox(state: state, channels: nil, store: store)
    }

    mutating func startWatching() { watch = store.watch { _ in } }

    mutating func stopWatching() {
        watch?.stop()
        watch = nil
    }

    /// Whether a follower should read now. Files: on every turn of the loop (a read that finds
    /// nothing costs a stat). A database: when a NOTIFY came since the last read, and every two
    /// seconds anyway, since a notification is not durable (it is lost across a reconnect).
    private func due(_ seen: (changes: Int, at: Date), every: TimeInterval, now: Date) -> Bool {
        guard let watch else { return now.timeIntervalSince(seen.at) >= every }
        return watch.changes != seen.changes || now.timeIntervalSince(seen.at) >= 2
    }

    mutating func journalDue(now: Date) -> Bool {
        guard due(journalSeen, every: 0, now: now) else { return false }
        journalSeen = (watch?.changes ?? 0, now)
        return true
    }

    /// The outbox and ledger: once a second from files, on a wake-up from a database.
    mutating func outboxDue(now: Date) -> Bool {
        guard due(outboxSeen, every: 1, now: now) else { return false }
        outboxSeen = (watch?.changes ?? 0, now)
        return true
    }

    mutating func appendJournal(_ event: IncidentEvent) throws {
        try store.append(event, to: .journal(incident: event.incident))
    }

    mutating func followJournal(_ incident: String) -> (events: [IncidentEvent], problems: [String]) {
        var cursor = StoreCursor.start
        let read = read(incident, &cursor)
        followed = (incident, cursor)
        return read
    }

    mutating func readFollowed() -> (events: [IncidentEvent], problems: [String]) {
        guard var f = followed else { return ([], []) }
        let read = read(f.incident, &f.cursor)
        followed = f
        return read
    }

    func read(_ incident: String, _ cursor: inout StoreCursor) -> (events: [IncidentEvent], problems: [String]) {
        var events: [IncidentEvent] = []
        var problems: [String] = []
        do {
            cursor = try store.read(IncidentEvent.self, .journal(incident: incident), from: cursor, following: true,
                                    into: { events.append($0) }, bad: { problems.append($0.description) })
        } catch {
            problems.append("\(error)")
        }
        return (events, problems)
    }

    mutating func stopFollowing() { followed = nil }

    func allJournals() -> [(id: String, events: [IncidentEvent])] {
        guard let ids = try? store.incidents() else { return [] }
        var out: [(id: String, events: [IncidentEvent])] = []
        for id in ids {
            guard let (records, bad) = try? store.readAll(IncidentEvent.self, .journal(incident: id)) else { continue }
            if !bad.isEmpty { log("journal \(id): \(bad.count) bad line(s): \(bad[0])") }
            out.append((id, records))
        }
        return out
    }

    /// Stored where every seat and sender sees it, or an error: with a database that does not
    /// answer, the record is held in this seat's spool and that is said as NOT queued (yet).
    mutating func appendOutbox(_ record: OutboxRecord) throws {
        guard let spooled = store as? SpooledStore else { return try outbox.outbox.append(record) }
        if case .held(let count) = try spooled.place(record, to: .outbox) {
            log("outbox: held \(record.messageID) in \(spooled.spool.location) (database offline, \(count) held)")
            throw HeldHere(count: count)
        }
    }

    mutating func readOutbox(now: Date) -> OutboxFeed? { outbox.poll(now: now) }

    func reportInput(_ incident: String) -> Result<(input: ReportInput, warnings: [String]), ReportSourceProblem> {
        TUIDrill.reportInput(incident: incident, store: store, manualsDirectory: manualsDirectory)
    }

    func reason(_ error: any Error) -> String { TUIOutbox.reason(error) }

    func log(_ line: String) { logFile?.write(line) }

    /// Outbox counts and the sender's heartbeat (judged by `SenderStatus`, the sender's rule).
    func statusSummary(now: Date = Date()) -> StatusSummary { outbox.statusSummary(now: now) }
}

/// An outbox record kept in this seat's spool because the database did not answer: durable
/// here, but no sender can see it, so the screen must not say "queued".
struct HeldHere: Error, CustomStringConvertible {
    let count: Int
    var description: String {
        "DB offline: held on this machine (\(count) held), NOT queued until the database is back; it is sent on then, once"
    }
}

/// The TUI's log file in the state directory: never the screen.
final class TUILog {
    let descriptor: Int32
    init(path: String) throws {
        descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o660)
        if descriptor < 0 { throw PosixError("open", path: path) }
    }
    deinit { close(descriptor) }

    /// `12.3`: milliseconds since an uptime in ns, without `String(format:)` (Foundation's
    /// formatter costs the TUI memory it has to spare; see CivilTime).
    static func milliseconds(since start: UInt64) -> String {
        let tenths = Int((DispatchTime.now().uptimeNanoseconds - start) / 100_000)
        return "\(tenths / 10).\(tenths % 10)"
    }

    func write(_ line: String) {
        let text = RecordCoding.formatTimestamp(Date()) + " " + line + "\n"
        _ = text.withCString { Glibc.write(descriptor, $0, strlen($0)) }
    }
}
