#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import Foundation
import HaechiApp
import HaechiCore
import HaechiStore
import HaechiTerminal

/// `haechi-bench first-frame`: how long a duty officer waits for the TUI's first screen with
/// every bundled manual, against the same binary printing `--help` (process start, runtime and
/// argument parsing, nothing else) in the same run, rounds interleaved so a busy machine slows
/// both alike. Goal: first frame ≤ 1.5× `--help` (issue 11).
struct FirstFrameBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "first-frame",
        abstract: "TUI first frame (spawn to first screen painted on a pty) as a ratio to `haechi --help`.")
    @Option(help: "Manuals directory (all bundled manuals).") var manuals = "manuals"
    @Option(help: "Interleaved rounds (medians are reported).") var rounds = 11

    func run() throws {
        #if DEBUG
        print("warning: debug build; run `swift run -c release haechi-bench first-frame` for real figures")
        #endif
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent("haechi").path
        guard FileManager.default.isExecutableFile(atPath: binary) else { throw ValidationError("\(binary) not found: build haechi first") }
        // One state and one cache directory for all rounds, as on a duty desk where the TUI
        // has run before; the first round (cold cache) is reported on its own.
        let scratch = NSTemporaryDirectory() + "haechi-bench-first-frame-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        try FileManager.default.createDirectory(atPath: scratch + "/cache", withIntermediateDirectories: true)
        let environment = ["XDG_CACHE_HOME=" + scratch + "/cache"]

        // The floor: the same TUI on a manuals folder with only the shared files (channels,
        // contacts, places) and no manual, to show what the start costs without any manual.
        let bare = scratch + "/no-manuals"
        try FileManager.default.createDirectory(atPath: bare, withIntermediateDirectories: true)
        for name in [ChannelProfileLoader.fileName] + ManualReferencesLoader.fileNames.subtracting([ChannelProfileLoader.fileName]).sorted()
        where FileManager.default.fileExists(atPath: manuals + "/" + name) {
            try FileManager.default.copyItem(atPath: manuals + "/" + name, toPath: bare + "/" + name)
        }

        // A desk with history: one incident in the state, which Home summarises against its
        // manual's steps (from the cache's index, as the rest of Home), a few steps worked on.
        let busy = StateDirectory(path: scratch + "/state-with-incident")
        try busy.prepare()
        let incident = "20261201-090000-earthquake-0001"
        var events = [IncidentEvent.opened(.init(incident: incident, at: Date(), operator: "bench"),
                                           .init(manual: "earthquake", mode: .drill, level: .interest))]
        if let manual = ManualLibrary.load(directory: manuals).manuals.first(where: { $0.id == "earthquake" }) {
            for step in manual.allSteps.prefix(3) {
                events.append(.step(.init(incident: incident, at: Date(), operator: "bench"), .init(step: step.id, status: .done)))
            }
        }
        for event in events { try FileStore(busy).append(event, to: .journal(incident: incident)) }

        var helps: [Double] = [], frames: [Double] = [], floors: [Double] = [], withIncident: [Double] = []
        var cold: Double?
        for round in 0...rounds {
            guard let help = Self.spawnAndWait(binary, ["--help"]) else { throw ValidationError("\(binary) --help failed") }
            guard let frame = Self.firstFrame(binary, manuals: manuals, state: scratch + "/state", environment: environment),
                  let floor = Self.firstFrame(binary, manuals: bare, state: scratch + "/state", environment: environment),
                  let busyFrame = Self.firstFrame(binary, manuals: manuals, state: busy.path, environment: environment) else {
                throw ValidationError("\(binary) did not draw its first frame")
            }
            if round == 0 { cold = frame; continue }
            helps.append(help); frames.append(frame); floors.append(floor); withIncident.append(busyFrame)
        }
        let help = median(helps), frame = median(frames)
        print(String(format: "haechi --help (spawn to exit), median of %d:                 %7.2f ms  (min %.2f)", rounds, help * 1000, helps.min()! * 1000))
        print(String(format: "TUI first frame, all manuals (spawn to screen painted), median: %7.2f ms  (min %.2f)", frame * 1000, frames.min()! * 1000))
        print(String(format: "TUI first frame, no manual at all (the floor), median:          %7.2f ms  (min %.2f; %.2fx --help)",
                     median(floors) * 1000, floors.min()! * 1000, median(zip(floors, helps).map { $0 / $1 })))
        print(String(format: "TUI first frame, all manuals, one incident on Home, median:      %7.2f ms  (min %.2f)",
                     median(withIncident) * 1000, withIncident.min()! * 1000))
        if let cold { print(String(format: "  first run (no parsed-manual cache yet):                     %7.2f ms", cold * 1000)) }
        if let t = ManualCacheTimings.measure(manualsDirectory: manuals, rounds: 15) {
            print(String(format: "  in process, best of 15: hash the manual files %.2f ms, decode the cache (%d KiB) %.2f ms; parse+check the YAML instead %.2f ms",
                         t.key * 1000, t.bytes / 1024, t.decode * 1000, t.parse * 1000))
        }
        // Each round's pair ran back to back, so its ratio is the least disturbed by a machine
        // whose load changes during the run; the median of those is the verdict.
        let pairs = median(zip(frames, helps).map { $0 / $1 })
        print(String(format: "first frame / --help: median of the rounds' ratios %.2fx  (goal <= 1.5x) %@;  ratio of medians %.2fx, of minimums %.2fx",
                     pairs, pairs <= 1.5 ? "ok" : "OVER", frame / help, frames.min()! / helps.min()!))
        // A duty desk during an incident is judged too: Home then lists it with its progress.
        let busyPairs = median(zip(withIncident, helps).map { $0 / $1 })
        print(String(format: "first frame with an incident on Home / --help: median of the rounds' ratios %.2fx  (goal <= 1.5x) %@;  ratio of medians %.2fx",
                     busyPairs, busyPairs <= 1.5 ? "ok" : "OVER", median(withIncident) / help))
        var load = [Double](repeating: 0, count: 3)
        if getloadavg(&load, 3) == 3 { print(String(format: "load average at the end: %.2f %.2f %.2f", load[0], load[1], load[2])) }
    }

    func median(_ xs: [Double]) -> Double { xs.sorted()[xs.count / 2] }

    /// Spawn of the TUI on a pseudo-terminal (120×40) to its first frame written out: the banner
    /// row ("HAECHI …") is the last one painted in a frame. Then SIGTERM, and it is reaped.
    static func firstFrame(_ binary: String, manuals: String, state: String, environment: [String]) -> Double? {
        guard let (master, slave) = PseudoTerminal.open() else { return nil }
        defer { close(master) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for fd in Int32(0)...2 { posix_spawn_file_actions_addopen(&actions, fd, slave, O_RDWR, 0) }
        let arguments: [String] = [binary, "--manuals", manuals, "--state", state, "--operator", "bench"]
        let variables: [String] = ["TERM=xterm-256color", "LANG=C.UTF-8", "LINES=40", "COLUMNS=120", "PATH=/usr/bin:/bin"] + environment
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = variables.map { strdup($0) } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let t0 = DispatchTime.now().uptimeNanoseconds
        guard posix_spawn(&pid, binary, &actions, nil, argv, envp) == 0 else { return nil }
        defer {
            kill(pid, SIGTERM)
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        }
        var seen: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        let marker = Array("HAECHI".utf8)
        let deadline = t0 + 20_000_000_000
        while DispatchTime.now().uptimeNanoseconds < deadline {
            var p = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
            guard poll(&p, 1, 100) > 0 else { continue }
            let n = read(master, &buffer, buffer.count)
            guard n > 0 else { return nil }
            // Only the tail can complete the marker: keep the search linear in what arrives.
            let from = max(0, seen.count - marker.count)
            seen += buffer[0..<n]
            if seen.count >= marker.count,
               (from...(seen.count - marker.count)).contains(where: { seen[$0..<($0 + marker.count)].elementsEqual(marker) }) {
                return Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
            }
        }
        return nil
    }

    /// Spawn to exit of `binary arguments`, output discarded; nil when it failed.
    static func spawnAndWait(_ binary: String, _ arguments: [String]) -> Double? {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let all: [String] = [binary] + arguments
        let variables: [String] = ["LANG=C.UTF-8", "PATH=/usr/bin:/bin"]
        let argv = all.map { strdup($0) } + [nil]
        let envp = variables.map { strdup($0) } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let t0 = DispatchTime.now().uptimeNanoseconds
        guard posix_spawn(&pid, binary, &actions, nil, argv, envp) == 0 else { return nil }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
        return status == 0 ? seconds : nil
    }
}
