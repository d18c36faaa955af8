#if canImport(Glibc)
import Glibc
#endif
import Foundation
import HaechiCore
import HaechiStore
import HaechiTerminal
import HaechiUI

/// The TUI's measurements, kept beside the shell they measure; `haechi-bench tui` prints them.
public enum TUIBenchmarks {
    /// A manual of `count` steps in ten phases, Korean and English, as a large city manual might be.
    public static func largeManual(steps count: Int) -> Manual {
        let perPhase = max(1, count / 10)
        let phases = stride(from: 0, to: count, by: perPhase).enumerated().map { p, start in
            Phase(id: "p\(p)", title: Localized(ko: "단계 묶음 \(p + 1)", en: "Phase \(p + 1)"), steps: (start..<min(count, start + perPhase)).map { i in
                Step(id: "s\(i)", title: Localized(ko: "점검 항목 \(i + 1): 유관기관 전파 및 현장 확인", en: "Check \(i + 1): relay to agencies and confirm on site"),
                     instructions: Localized(ko: "상황을 확인하고 결과를 상황판에 기록한다.\n관계 기관에 전파한다.", en: "Check and record on the board.\nRelay to the agencies."),
                     role: Localized(ko: "상황관리반", en: "Situation team"), targetMinutes: 5 + i, fromLevel: .interest,
                     contacts: [Contact(name: Localized(ko: "종합방재센터", en: "Disaster HQ"), phone: "02-2181-0119")])
            })
        }
        return Manual(id: "bench-200", title: Localized(ko: "대규모 점검", en: "Large checklist"), category: .social,
                      department: Localized(ko: "시험", en: "Test"), revised: "2026-01-01", variables: [], phases: phases)
    }

    static let start = Date(timeIntervalSince1970: 1_795_888_800)
    static let environment = Environment(now: { TUIBenchmarks.start.addingTimeInterval(754) }, newIncidentID: { m, _ in "bench-\(m)" })

    /// App state with the 200-step checklist open 12 minutes in, a third of the steps worked on.
    public static func checklistState(steps: Int, width: Int, height: Int) -> AppState {
        let manual = largeManual(steps: steps)
        var state = AppState(manuals: [manual], operatorName: "kim", now: start, timeZone: TimeZone(identifier: "Asia/Seoul")!,
                             width: width, height: height)
        var events: [IncidentEvent] = [.opened(.init(incident: "bench", at: start, operator: "kim"),
                                               .init(manual: manual.id, mode: .drill, level: .interest))]
        for (i, step) in manual.allSteps.enumerated() where i % 3 == 0 {
            events.append(.step(.init(incident: "bench", at: start.addingTimeInterval(Double(i)), operator: "kim"),
                                .init(step: step.id, status: i % 2 == 0 ? .done : .skipped, reason: i % 2 == 0 ? nil : "이미 조치됨")))
        }
        _ = reduce(&state, .journalLoaded(incident: "bench", events: events, problems: []), environment)
        return state
    }

    /// Median and worst time to render the checklist into a canvas, in seconds.
    public static func renderTime(steps: Int, width: Int, height: Int, iterations: Int) -> (median: Double, worst: Double) {
        var state = checklistState(steps: steps, width: width, height: height)
        var samples: [Double] = []
        for i in 0..<iterations {
            // Move the selection so every frame differs, as it does while an officer scrolls.
            _ = reduce(&state, .key(i % 40 < 20 ? .down : .up), environment)
            let t0 = DispatchTime.now().uptimeNanoseconds
            let canvas = render(state)
            samples.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
            precondition(canvas.width == width)
        }
        samples.sort()
        return (samples[samples.count / 2], samples.last!)
    }

    /// A curses screen writing to a temporary file, so the bytes a frame costs can be counted.
    final class CountingScreen {
        let terminal = Terminal()
        let path: String
        let fd: Int32
        init?(width: Int, height: Int) {
            path = NSTemporaryDirectory() + "haechi-bench-term-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
            fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0o600)
            let input = open("/dev/null", O_RDONLY)
            guard fd >= 0, input >= 0, terminal.start(type: "xterm-256color", output: dup(fd), input: input, width: width, height: height) else {
                return nil
            }
        }
        var bytes: Int {
            var st = stat()
            fstat(fd, &st)
            return Int(st.st_size)
        }
        func stop() {
            terminal.stop()
            close(fd)
            unlink(path)
        }
    }

    /// Bytes curses writes when the selection moves one line on the checklist.
    public static func bytesPerSelectionMove(steps: Int, width: Int, height: Int, dump: Bool = false) -> Int? {
        Terminal.prepareLocale()
        var state = checklistState(steps: steps, width: width, height: height)
        guard let screen = CountingScreen(width: width, height: height) else { return nil }
        defer { screen.stop() }
        screen.terminal.draw(render(state))
        // One move to settle (the first move after opening may change the details pane size).
        _ = reduce(&state, .key(.down), environment)
        screen.terminal.draw(render(state))
        let before = screen.bytes
        _ = reduce(&state, .key(.down), environment)
        screen.terminal.draw(render(state))
        if dump, let data = FileManager.default.contents(atPath: screen.path) {
            // What went to the terminal, escapes made visible: to see where the bytes go.
            print(String(decoding: data.dropFirst(before), as: UTF8.self).unicodeScalars.map { $0.value < 0x20 ? "\\x" + String($0.value, radix: 16) : String($0) }.joined())
        }
        return screen.bytes - before
    }

    /// In-process time from nothing to the first frame painted: load the manuals (YAML, lint),
    /// list incidents in an empty state directory, build the state, render, paint.
    public static func firstFrameInProcess(manualsDirectory: String) -> (seconds: Double, manuals: Int, bytes: Int, phases: String)? {
        Terminal.prepareLocale()
        let stateDir = StateDirectory(path: NSTemporaryDirectory() + "haechi-bench-state-\(getpid())")
        try? stateDir.prepare()
        defer { try? FileManager.default.removeItem(atPath: stateDir.path) }
        let t0 = DispatchTime.now().uptimeNanoseconds
        var marks: [(String, UInt64)] = []
        func mark(_ name: String) { marks.append((name, DispatchTime.now().uptimeNanoseconds)) }
        let loaded = TUIManuals.load(directory: manualsDirectory)
        mark("load")
        var state = AppState(manuals: loaded.manuals, manualProblems: loaded.problems, operatorName: "kim", now: Date(), width: 120, height: 40)
        var effects = EffectRunner(files: StateFiles(state: stateDir, log: nil), manuals: loaded.manuals)
        for action in effects.perform(.listIncidents, now: Date()) { _ = reduce(&state, action, .live()) }
        mark("state")
        let canvas = render(state)
        mark("render")
        guard let screen = CountingScreen(width: 120, height: 40) else { return nil }
        defer { screen.stop() }
        mark("curses")
        screen.terminal.draw(canvas)
        mark("paint")
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
        var last = t0
        let phases = marks.map { name, t in defer { last = t }; return String(format: "%@ %.1f", name, Double(t - last) / 1e6) }.joined(separator: ", ")
        return (seconds, loaded.manuals.count, screen.bytes, phases)
    }

    /// The real binary, started on a pseudo-terminal: time from spawn until its first frame
    /// (the banner) has been written to the terminal.
    /// Also returns the binary's peak resident memory (KiB) after its first frame and a few
    /// idle ticks, read with wait4 when it exits. With `stateDirectory` it runs on that state
    /// (kept afterwards); with `waitForLog` it runs until that text appears in its haechi.log
    /// (the outbox read, say) before the idle ticks.
    public static func firstFrameOfBinary(_ binary: String, manualsDirectory: String, stateDirectory: String? = nil,
                                          waitForLog: String? = nil) -> (seconds: Double, childPeakKiB: Int)? {
        guard let (master, slave) = PseudoTerminal.open() else { return nil }
        defer { close(master) }
        let stateDir = stateDirectory ?? NSTemporaryDirectory() + "haechi-bench-state-\(getpid())-bin"
        // An existing state directory, as on a duty desk (creating one costs two directory fsyncs).
        try? StateDirectory(path: stateDir).prepare()
        defer { if stateDirectory == nil { try? FileManager.default.removeItem(atPath: stateDir) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for fd in Int32(0)...2 { posix_spawn_file_actions_addopen(&actions, fd, slave, O_RDWR, 0) }
        let args = [binary, "--manuals", manualsDirectory, "--state", stateDir, "--operator", "bench"]
        let env = ["TERM=xterm-256color", "LANG=C.UTF-8", "LINES=40", "COLUMNS=120", "PATH=/usr/bin:/bin"]
        let argv = args.map { strdup($0) } + [nil]
        let envp = env.map { strdup($0) } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let t0 = DispatchTime.now().uptimeNanoseconds
        guard posix_spawn(&pid, binary, &actions, nil, argv, envp) == 0 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 65536)
        /// Reads what the TUI paints for up to `ms` milliseconds (so it never blocks on a full
        /// terminal); false when the terminal closed.
        func drain(_ ms: Int32) -> [UInt8]? {
            var p = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
            guard poll(&p, 1, ms) > 0 else { return [] }
            let n = read(master, &buffer, buffer.count)
            return n > 0 ? Array(buffer[0..<n]) : nil
        }
        func finish() -> Int {
            // Let it run a few ticks (clock, incident list, status) before reading its peak memory.
            let idle = DispatchTime.now().uptimeNanoseconds + 600_000_000
            while DispatchTime.now().uptimeNanoseconds < idle, drain(50) != nil {}
            // The child's own high-water mark, read before it exits. Not wait4's ru_maxrss:
            // posix_spawn starts the child on the parent's memory (vfork), and exec records
            // that memory's peak as the child's, so ru_maxrss says max(this benchmark, child).
            let peak = ownPeakKiB(of: pid)
            kill(pid, SIGTERM)
            var status: Int32 = 0
            var usage = rusage()
            wait4(pid, &status, 0, &usage)
            return peak ?? usage.ru_maxrss
        }
        var seen: [UInt8] = []
        let marker = Array("HAECHI".utf8)
        let deadline = t0 + 10_000_000_000
        while DispatchTime.now().uptimeNanoseconds < deadline {
            guard let bytes = drain(100) else { _ = finish(); return nil }
            seen += bytes
            // The banner is the last row painted in a frame; once it is there the frame is out.
            if seen.count >= marker.count, (0...(seen.count - marker.count)).contains(where: { seen[$0..<($0 + marker.count)].elementsEqual(marker) }) {
                let seconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
                if let waitForLog {
                    let log = stateDir + "/haechi.log"
                    let patience = DispatchTime.now().uptimeNanoseconds + 600_000_000_000
                    while DispatchTime.now().uptimeNanoseconds < patience {
                        guard drain(100) != nil else { break }
                        if let text = try? String(contentsOfFile: log, encoding: .utf8), text.contains(waitForLog) { break }
                    }
                }
                return (seconds, finish())
            }
        }
        _ = finish()
        return nil
    }


    /// A running process's own peak resident memory in KiB (VmHWM in /proc/PID/status).
    public static func ownPeakKiB(of pid: pid_t) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }) else { return nil }
        return Int(line.dropFirst(6).trimmingCharacters(in: .whitespaces).split(separator: " ").first ?? "")
    }
}
