import ArgumentParser
import Dispatch
import Foundation
import HaechiCore
import HaechiSender
import HaechiStore

/// `haechi-sender --state DIR --config FILE [--once]`: wiring only; the work is in HaechiSender.
struct SenderCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "haechi-sender",
        abstract: "Deliver queued official messages from the outbox to the configured channels.",
        discussion: """
        Follows DIR/outbox.jsonl and records every attempt and outcome in DIR/delivery.jsonl.
        Drill messages go only to drill endpoints, live messages only to live endpoints.
        Exit status: 0 when stopped by SIGTERM/SIGINT or, with --once, when everything settled;
        1 on errors; 2 when another sender holds the state directory; 3 when --once ends with
        deliveries still waiting for a second operator's approval.
        --check verifies every credential with a read-only call and posts nothing: exit 0 when
        all work, 1 when any does not.
        """
    )

    @Option(name: .long, help: "State directory (else $HAECHI_STATE, else $XDG_STATE_HOME/haechi).")
    var state: String?

    @Option(name: .long, help: "Store: a postgresql:// URL shared by many senders, or a directory (else $HAECHI_STORE, else the state directory).")
    var store: String?

    @Option(name: .long, help: "With a database: seconds a claimed post stays ours; a dead sender's posts are taken over after this.")
    var lease: Double = 30

    @Option(name: .long, help: "Seconds between the safety re-reads of the outbox behind inotify (files) or the database's notifications; new posts wake the sender at once either way.")
    var pollInterval: Double = 2

    @Option(name: .long, help: "Sender config (YAML): channels with their drill and live endpoints.")
    var config: String

    @Option(name: .long, help: "Manuals directory with channels.yaml (default: $HAECHI_MANUALS, else ./manuals). Only outbox records written before records carried their post list need it.")
    var manuals: String?

    @Flag(name: .long, help: "Deliver what is queued now, wait until it has settled, then exit.")
    var once = false

    @Flag(name: .long, help: "Log every ledger record, not only outcomes.")
    var verbose = false

    @Flag(name: .long, help: "Verify each endpoint's credential with a read-only call (posts nothing), then exit.")
    var check = false

    func validate() throws {
        guard lease.isFinite, lease > 0 else { throw ValidationError("--lease must be a number of seconds above 0 (got \(lease))") }
        guard pollInterval.isFinite, pollInterval > 0 else {
            throw ValidationError("--poll-interval must be a number of seconds above 0 (got \(pollInterval))")
        }
    }

    func run() async throws {
        let (loaded, diagnostics) = SenderConfig.load(path: config)
        for d in diagnostics { printError(d.description) }
        guard let loaded else { throw ExitCode(1) }
        if check { return try await runCheck(loaded) }

        let directory = StateDirectory.resolve(state)
        let address: StoreAddress
        do {
            address = try StoreAddress.resolve(store, state: directory)
        } catch {
            printError("haechi-sender: \(error)")
            throw ExitCode(1)
        }
        var shared: (any Store)? = nil
        var lock: SenderLock? = nil
        switch address {
        case .files(let directory):
            do {
                try directory.prepare()
            } catch {
                printError("haechi-sender: cannot prepare the state directory: \(error)")
                throw ExitCode(1)
            }
            // One sender per directory: the file ledger has no claims.
            do {
                lock = try SenderLock(path: directory.senderLockPath)
            } catch let held as SenderLock.Held {
                printError("haechi-sender: \(held)")
                throw ExitCode(2)
            }
            shared = FileStore(directory)
        case .postgres(let pg):
            // Any number of senders may share a database: posts are claimed with a lease.
            do {
                shared = try PostgresStore(pg)
            } catch {
                printError("haechi-sender: \(error)")
                throw ExitCode(1)
            }
        }
        defer { lock?.release() }
        let stateDirectory: StateDirectory
        if case .files(let d) = address { stateDirectory = d } else { stateDirectory = directory }

        let setup: SenderSetup
        do {
            setup = try SenderSetup.make(config: loaded)
        } catch {
            printError("\(error)")
            throw ExitCode(1)
        }
        let verbose = self.verbose
        var options = Sender.Options(once: once)
        options.heartbeat = true
        options.lease = lease
        options.pollInterval = pollInterval
        let sender = Sender(state: stateDirectory, store: shared, endpoints: setup.endpoints, retry: loaded.retry,
                            concurrency: loaded.concurrency, options: options, channels: channelProfiles(),
                            onEvent: { event in Self.log(event, verbose: verbose) })

        // SIGTERM (systemd stop) and SIGINT (Ctrl-C) ask the loop to stop; it lets requests in
        // flight finish and records them, so nothing is left as an unexplained attempt.
        let signals = [SIGTERM, SIGINT].map { number -> any DispatchSourceSignal in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                printError("haechi-sender: signal \(number): finishing requests in flight, then exiting")
                Task { await sender.stop() }
            }
            source.resume()
            return source
        }
        defer { signals.forEach { $0.cancel() } }

        printError("haechi-sender: pid \(getpid()), store \(address), \(loaded.endpoints.values.reduce(0) { $0 + $1.count }) endpoints" + (once ? ", --once" : ""))
        let summary: SenderSummary
        do {
            summary = try await sender.run()
        } catch {
            await setup.shutdown()
            printError("haechi-sender: \(error)")
            throw ExitCode(1)
        }
        await setup.shutdown()
        printError("haechi-sender: stopped: \(summary.delivered) delivered, \(summary.dead) dead, \(summary.cancelled) cancelled, \(summary.unknown) unknown, \(summary.retries) retries scheduled" + (summary.awaitingApproval > 0 ? ", \(summary.awaitingApproval) awaiting approval" : ""))
        if once && summary.awaitingApproval > 0 {
            printError("haechi-sender: \(summary.awaitingApproval) deliveries wait for a second operator's approval")
            throw ExitCode(3)
        }
    }

    /// `--check`: needs no state directory and takes no lock, so it can run beside a running
    /// sender. One line per endpoint on stdout; credentials are never printed.
    func runCheck(_ loaded: SenderConfig) async throws {
        let setup: SenderSetup
        do {
            setup = try SenderSetup.make(config: loaded)
        } catch {
            printError("\(error)")
            throw ExitCode(1)
        }
        let lines = await CredentialCheck.run(setup.endpoints)
        await setup.shutdown()
        var failed = 0
        for line in lines {
            let e = line.endpoint
            let head = "\(e.location): \(e.channel).\(e.mode.rawValue) (\(e.summary))"
            switch line.result {
            case .ok(_, let description): print("\(head): ok: \(description)")
            case .notChecked(let why): print("\(head): not checked: \(why)")
            case .failed(let why):
                failed += 1
                print("\(head): FAILED: \(why)")
            }
        }
        print(failed == 0 ? "haechi-sender --check: every credential works; nothing was posted"
                          : "haechi-sender --check: \(failed) problem(s); nothing was posted")
        if failed > 0 { throw ExitCode(1) }
    }

    /// The channel profiles, for old outbox records without a post list; nil (with a note) when
    /// they cannot be read, and such records then post nothing.
    func channelProfiles() -> ChannelProfiles? {
        let env = ProcessInfo.processInfo.environment["HAECHI_MANUALS"]
        let directory = manuals.flatMap { $0.isEmpty ? nil : $0 } ?? env.flatMap { $0.isEmpty ? nil : $0 } ?? "manuals"
        let path = directory + "/" + ChannelProfileLoader.fileName
        guard FileManager.default.fileExists(atPath: path) else {
            printError("haechi-sender: no \(path): outbox records without a post list will post nothing (--manuals DIR)")
            return nil
        }
        let (profiles, problems) = ChannelProfileLoader.load(path: path)
        if let first = problems.first(where: { $0.severity == .error }) {
            printError("haechi-sender: \(path) has errors (\(first)): outbox records without a post list will post nothing")
            return nil
        }
        return profiles
    }

    /// One line per outcome on stderr (journald adds the time). Records carry no credentials.
    static func log(_ event: SenderEvent, verbose: Bool) {
        switch event {
        case .note(let text): printError("haechi-sender: \(text)")
        case .badLine(let bad): printError("haechi-sender: bad outbox line: \(bad)")
        case .recorded(let r):
            switch r.kind {
            case .attempt where !verbose: return
            case .attempt: printError("attempt \(r.attempt ?? 0) \(r.key) → \(r.endpoint ?? "")")
            case .delivered: printError("delivered \(r.key) → \(r.endpoint ?? "") (\(r.remoteID ?? ""))")
            case .retry: printError("retry \(r.key) at \(r.next.map(RecordCoding.formatTimestamp) ?? "?"): \(r.reason ?? "")")
            case .dead: printError("DEAD \(r.key): \(r.reason ?? "")")
            case .cancelled: printError("cancelled \(r.key): \(r.reason ?? "")")
            case .unknown: printError("UNKNOWN \(r.key): \(r.reason ?? "")")
            }
        }
    }
}

func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

// Parse and run ourselves: the synchronous `main()` would be chosen here and cannot run an
// async command.
do {
    let command = try SenderCommand.parseAsRoot() as! SenderCommand
    try await command.run()
} catch {
    SenderCommand.exit(withError: error)
}
