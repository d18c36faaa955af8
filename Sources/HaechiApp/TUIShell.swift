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

    init(state stateDirectory: StateDirectory, manuals: [Manual], problems: [String], operatorName: String,
         language: Language, timeZone: TimeZone = CityTime.default) throws {
        self.stateDirectory = stateDirectory
        log = try TUILog(path: stateDirectory.logPath)
        // One zone for everything the TUI shows and writes: the city's (`--time-zone`), never
        // the server's own, so clocks, `{time}` in messages, ids and the report agree.
        environment = .live(timeZone: timeZone)
        state = AppState(manuals: manuals, manualProblems: problems, operatorName: operatorName, now: Date(),
                         timeZone: timeZone, language: language)
        effects = EffectRunner(files: StateFiles(state: stateDirectory, log: log), manuals: manuals)
    }

    func run() throws {
        if let problem = Terminal.prepareLocale() { log.write("locale: \(problem)") }
        for p in state.manualProblems { log.write("manuals: \(p)") }
        log.write("start: operator \(state.operatorName), \(state.manuals.count) manuals, state \(stateDirectory.path)")
        // Anything the runtime or a library prints on stderr would scribble over the screen.
        let savedStderr = dup(2)
        dup2(log.descriptor, 2)
        watchTerminationSignals()
        terminal.start()
        defer {
            terminal.stop()
            dup2(savedStderr, 2)
            close(savedStderr)
            log.write("stop")
        }
        let size = terminal.size
        send(.resized(width: size.width, height: size.height))
        send(.statusSummary(effects.files.statusSummary()))
        perform([.listIncidents])
        for action in startActions { send(action) }
        terminal.draw(render(state))
        if let started {
            log.write("first frame after \(TUILog.milliseconds(since: started)) ms")
        }
        // The outbox can be long: read it after the first frame, so the desk sees a screen at once.
        if let loaded = effects.pollOutbox(now: Date()) { send(loaded); terminal.draw(render(state)) }

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
            if let action = effects.pollFollowed() { send(action) }
            // A drill's next inject is due before the next second's tick: play it now.
            if let wake = Drill.nextWake(state), wake <= now { lastTick = now; send(.tick) }
            if now.timeIntervalSince(lastTick) >= 1 {
                lastTick = now
                send(.tick)
                // The outbox and the sender's ledger: other desks' messages, delivery progress.
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
    let logFile: TUILog?
    /// The journal being followed, read up to where the last read stopped.
    private var followedReader: LogReader?
    /// Performs `.enqueue` and follows outbox.jsonl + delivery.jsonl (TUIOutbox.swift).
    var outbox: TUIOutbox
    /// Where `.loadReport` finds the manual and scenario a report is scored against.
    var manualsDirectory = "manuals"

    init(state: StateDirectory, log: TUILog?) {
        stateDirectory = state
        logFile = log
        outbox = TUIOutbox(state: state, channels: nil)
    }

    mutating func appendJournal(_ event: IncidentEvent) throws {
        try stateDirectory.journal(incident: event.incident).append(event)
    }

    mutating func followJournal(_ incident: String) -> (events: [IncidentEvent], problems: [String]) {
        var reader = LogReader(path: stateDirectory.journalPath(incident: incident))
        let read = Self.read(&reader)
        followedReader = reader
        return read
    }

    mutating func readFollowed() -> (events: [IncidentEvent], problems: [String]) {
        guard var reader = followedReader else { return ([], []) }
        let read = Self.read(&reader)
        followedReader = reader
        return read
    }

    static func read(_ reader: inout LogReader) -> (events: [IncidentEvent], problems: [String]) {
        var events: [IncidentEvent] = []
        var problems: [String] = []
        do {
            try RecordLog<IncidentEvent>.read(&reader, following: true, into: { events.append($0) }, bad: { problems.append($0.description) })
        } catch {
            problems.append("\(error)")
        }
        return (events, problems)
    }

    mutating func stopFollowing() { followedReader = nil }

    func allJournals() -> [(id: String, events: [IncidentEvent])] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: stateDirectory.incidentsPath) else { return [] }
        var out: [(id: String, events: [IncidentEvent])] = []
        for name in names where name.hasSuffix(".jsonl") {
            let id = String(name.dropLast(6))
            guard let (records, bad) = try? stateDirectory.journal(incident: id).readAll() else { continue }
            if !bad.isEmpty { log("journal \(id): \(bad.count) bad line(s): \(bad[0])") }
            out.append((id, records))
        }
        return out
    }

    mutating func appendOutbox(_ record: OutboxRecord) throws { try outbox.outbox.append(record) }

    mutating func readOutbox(now: Date) -> OutboxFeed? { outbox.poll(now: now) }

    func reportInput(_ incident: String) -> Result<(input: ReportInput, warnings: [String]), ReportSourceProblem> {
        TUIDrill.reportInput(incident: incident, state: stateDirectory, manualsDirectory: manualsDirectory)
    }

    func reason(_ error: any Error) -> String { TUIOutbox.reason(error) }

    func log(_ line: String) { logFile?.write(line) }

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
