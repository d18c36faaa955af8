#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import Foundation
import HaechiCore
import HaechiStore

/// `haechi` / `haechi tui`: the checklist TUI. A plain (synchronous) command: the TUI loop
/// blocks on the terminal, and haechi/main.swift dispatches `run()` synchronously.
struct TUICommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tui",
        abstract: "Walk an incident or a drill through its manual (the default command).",
        discussion: """
            Every change is appended to incidents/<id>.jsonl in the state directory (fsync), so the
            TUI can be killed at any moment and resumes where it was. Logs go to haechi.log there.
            """
    )

    @OptionGroup var manuals: ManualsOption
    @OptionGroup var state: StateOption
    @OptionGroup var timeZone: TimeZoneOption
    @Option(name: .customLong("operator"), help: "Your name in the journal (default: $USER).")
    var operatorName: String?
    @Option(name: .long, help: "Display language at start: ko or en (default: the config file's, else ko).")
    var language: String?
    @Flag(name: .customLong("read-only"), help: "An observer seat: every screen and every change as it happens, no action (said in the header).")
    var readOnly = false
    @Option(name: .customLong("config"), help: "The TUI config file (default: $XDG_CONFIG_HOME/haechi/config.yaml).")
    var configPath: String?

    func run() throws {
        try Self.shell(manuals: manuals, state: state, timeZone: timeZone, operatorName: operatorName, language: language,
                       readOnly: readOnly, configPath: configPath, firstFrameFromIndex: true).run()
    }

    /// The shell with its manuals, channels and drill scenarios loaded; shared with `haechi drill`,
    /// which opens straight into a drill. With `firstFrameFromIndex` and a current parsed-manual
    /// cache, only the cache's index is read here (what Home shows, incidents' progress included)
    /// and the shell reads the rest right after its first frame, before it handles any key
    /// (issue 11: the first frame's time).
    static func shell(manuals: ManualsOption, state: StateOption, timeZone: TimeZoneOption, operatorName: String?,
                      language: String?, readOnly: Bool = false, configPath: String? = nil,
                      firstFrameFromIndex: Bool = false) throws -> TUIShell {
        let started = DispatchTime.now().uptimeNanoseconds
        let config = try TUIConfig.load(explicit: configPath)
        // The same rule as the outbox commands: --operator, $HAECHI_OPERATOR, $USER, the login name;
        // the config file's operator comes right after --operator.
        let who = OutboxShell.operatorName(operatorName ?? config.file.operatorName)
        let language = language ?? config.file.language?.rawValue ?? "ko"
        guard !Trimming.whitespace(who).isEmpty else {
            throw ValidationError("Who are you? Set --operator NAME (or $USER): every journal line records its operator.")
        }
        guard let lang = Language(rawValue: language) else { throw ValidationError("the language must be ko or en, not '\(language)'") }
        let zone = try timeZone.lightZone()
        guard isatty(0) == 1, isatty(1) == 1 else {
            throw ValidationError("haechi tui needs a terminal on standard input and output.")
        }
        let stateDirectory: StateDirectory
        var store: (any Store)? = nil
        switch try StoreShell.address(state) {
        case .files(let dir):
            stateDirectory = dir
        case .postgres(let address):
            // The state directory keeps this seat's log and its offline spool.
            stateDirectory = StateDirectory.resolve(state.state)
            store = try SpooledStore(address, spool: stateDirectory)
        }
        do {
            try stateDirectory.prepare()
        } catch {
            throw ValidationError("Cannot use the state directory \(stateDirectory.path): \(error)")
        }
        let opening = firstFrameFromIndex ? TUIManuals.open(directory: manuals.directory) : .ready(TUIManuals.load(directory: manuals.directory))
        let shell: TUIShell
        switch opening {
        case .ready(let library):
            shell = try TUIShell(state: stateDirectory, store: store, manuals: library.manuals, problems: library.problems,
                                 operatorName: who, language: lang, timeZone: zone)
            shell.manualsDirectory = manuals.directory
            shell.use(library, started: started)
        case .listed(let index, let finish):
            shell = try TUIShell(state: stateDirectory, store: store, manuals: [], problems: index.problems,
                                 operatorName: who, language: lang, timeZone: zone)
            shell.manualsDirectory = manuals.directory
            shell.state.listedManuals = index.listing
            shell.effects.use(listing: index.listing)
            shell.pendingManuals = finish
            shell.log.write("manuals: \(index.listing.count) listed from the parsed-manual cache's index in \(TUILog.milliseconds(since: started)) ms; read in full after the first frame")
        }
        shell.state.readOnly = readOnly
        shell.state.theme = config.theme
        shell.state.keyOverrides = config.keyOverrides
        shell.terminal.theme = config.theme
        shell.terminal.mouse = config.file.mouse ?? true
        if let delay = config.file.escapeDelayMilliseconds { shell.terminal.escapeDelayMilliseconds = Int32(delay) }
        if let path = config.path { shell.log.write("config: \(path)") }
        shell.started = started
        return shell
    }
}
