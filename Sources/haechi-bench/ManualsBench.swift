import ArgumentParser
import Foundation
import HaechiApp
import HaechiCore

/// Load-and-lint time for the bundled manuals and for 100 copies of them, next to PyYAML
/// parsing the same files (parsing only, no checks) in the same run as a peer.
struct ManualsBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "manuals", abstract: "Time to load and lint the manuals.")
    @Option(help: "Manuals directory.") var manuals = "manuals"
    @Option(help: "Repetitions per measurement (the median is reported).") var repetitions: Int = 7
    @Option(help: "Number of copies for the large measurement.") var copies = 100

    func run() throws {
        #if DEBUG
        print("warning: debug build; run `swift run -c release haechi-bench manuals` for real figures")
        #endif
        let manualFiles = ManualLibrary.manualFiles(in: manuals)
        guard !manualFiles.isEmpty else { throw ValidationError("no manuals in \(manuals)") }
        // Every YAML file lint reads in a manuals folder: the manuals, channels.yaml, the
        // contacts and places they reference, and the drill scenarios. The peer parses exactly these.
        let files = Self.everyYAMLFile(in: manuals)
        let scenarios = files.filter { $0.contains("/" + ScenarioLoader.directoryName + "/") }.count
        let bytes = files.reduce(0) { $0 + ((try? FileManager.default.attributesOfItem(atPath: $1)[.size] as? Int) ?? 0) }

        let once = measure(repetitions) { _ = Lint.run(paths: [manuals], fallbackDirectory: manuals) }
        let check = Lint.run(paths: [manuals], fallbackDirectory: manuals)

        let tmp = NSTemporaryDirectory() + "haechi-bench-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        var dirs: [String] = []
        for i in 0..<copies {
            let dir = tmp + "/copy\(i)"
            try FileManager.default.createDirectory(atPath: dir + "/" + ScenarioLoader.directoryName, withIntermediateDirectories: true)
            for f in files {
                let relative = String(f.dropFirst(manuals.count).drop { $0 == "/" })
                try FileManager.default.copyItem(atPath: f, toPath: dir + "/" + relative)
            }
            dirs.append(dir)
        }
        let many = measure(max(3, repetitions / 2)) { _ = Lint.run(paths: dirs, fallbackDirectory: manuals) }

        print("manuals: \(files.count) YAML files (\(manualFiles.count) manuals, \(scenarios) scenarios, channels, contacts, places), "
              + "\(bytes / 1024) KiB, \(check.manuals) manuals loaded, \(check.errorCount) errors")
        print(String(format: "load+lint bundled manuals and scenarios  %8.2f ms   (goal < 50 ms)   %@ (on %d cores)",
                     once * 1000, once < 0.050 ? "ok" : "OVER", ProcessInfo.processInfo.activeProcessorCount))
        print(String(format: "load+lint %d copies (%d files) %8.1f ms   (goal < 2000 ms) %@", copies, copies * files.count, many * 1000, many < 2 ? "ok" : "OVER"))
        // The peer in the same rounds: one PyYAML parse of the same files, then one haechi
        // load+lint, alternately, so both see the same load on a shared machine.
        switch PyYAMLPeer.start(files: files) {
        case .failure(let why):
            print(why.notInstalled ? "peer: PyYAML not installed (python3 -c 'import yaml' failed); no ratio" : "peer: PyYAML run failed (\(why.text)); no ratio")
        case .success(let peer):
            var ratios: [Double] = [], peers: [Double] = [], ours: [Double] = []
            var cpuRatios: [Double] = []
            for _ in 0..<max(5, repetitions) {
                guard let parsed = peer.parseOnce() else { break }
                let p = parsed.wall, pCPU = parsed.cpu
                let t0 = DispatchTime.now().uptimeNanoseconds
                let c0 = Self.processCPUSeconds()
                _ = Lint.run(paths: [manuals], fallbackDirectory: manuals)
                let h = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
                let hCPU = Self.processCPUSeconds() - c0
                peers.append(p); ours.append(h); ratios.append(h / p)
                if pCPU > 0 { cpuRatios.append(hCPU / pCPU) }
            }
            peer.stop()
            guard !ratios.isEmpty else { print("peer: PyYAML stopped answering; no ratio"); break }
            let ratio = ratios.sorted()[ratios.count / 2]
            print(String(format: "peer: PyYAML (C loader) parsing the same %d files, parse only: median %.2f ms (haechi load+lint in the same rounds: %.2f ms)",
                         files.count, peers.sorted()[peers.count / 2] * 1000, ours.sorted()[ours.count / 2] * 1000))
            print(String(format: "haechi load+lint / PyYAML parse = %.2fx, median of %d alternating rounds  (goal <= 0.5x) %@",
                         ratio, ratios.count, ratio <= 0.5 ? "ok" : "OVER"))
            // CPU seconds (all of haechi's threads against python's one) do not move with the
            // machine's load as wall time does: the figure to compare runs on a shared machine.
            if !cpuRatios.isEmpty {
                print(String(format: "CPU time, same rounds: haechi load+lint (all threads) / PyYAML parse = %.2fx (median)",
                             cpuRatios.sorted()[cpuRatios.count / 2]))
            }
        }
        print("peak memory (maxrss): \(peakMemoryKiB() / 1024) MiB")
    }

    /// The manual files, the shared files beside them, and `scenarios/*.yaml`, sorted.
    static func everyYAMLFile(in manuals: String) -> [String] {
        let shared = ([ChannelProfileLoader.fileName] + ManualReferencesLoader.fileNames.sorted()).map { manuals + "/" + $0 }
            .filter { FileManager.default.fileExists(atPath: $0) }
        let scenarioDir = manuals + "/" + ScenarioLoader.directoryName
        let scenarios = ((try? FileManager.default.contentsOfDirectory(atPath: scenarioDir)) ?? [])
            .filter { ($0.hasSuffix(".yaml") || $0.hasSuffix(".yml")) && !$0.hasPrefix(".") }.sorted().map { scenarioDir + "/" + $0 }
        var seen = Set<String>()
        return (ManualLibrary.manualFiles(in: manuals) + shared + scenarios).filter { seen.insert($0).inserted }
    }

    /// User plus system CPU time of this process so far, every thread included.
    static func processCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }

    func measure(_ n: Int, _ body: () -> Void) -> Double {
        body() // warm-up
        var samples: [Double] = []
        for _ in 0..<n {
            let start = DispatchTime.now().uptimeNanoseconds
            body()
            samples.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return samples.sorted()[samples.count / 2]
    }

}

/// PyYAML in a python3 kept running: each `parseOnce` parses every file once (C loader when
/// present) and answers with the seconds it took, so start-up is never counted and each round
/// is timed next to haechi's.
final class PyYAMLPeer {
    struct Problem: Error { var text: String; var notInstalled: Bool }
    let process: Process
    let input: FileHandle
    let output: FileHandle

    init(process: Process, input: FileHandle, output: FileHandle) { self.process = process; self.input = input; self.output = output }

    static func start(files: [String]) -> Result<PyYAMLPeer, Problem> {
        let script = """
        import sys, time
        try:
            import yaml
        except ImportError:
            sys.exit(3)
        Loader = getattr(yaml, 'CSafeLoader', yaml.SafeLoader)
        texts = [open(p, encoding='utf-8').read() for p in sys.argv[1:]]
        for s in texts: yaml.load(s, Loader=Loader)
        print('ready', flush=True)
        for line in sys.stdin:
            t = time.perf_counter()
            c = time.process_time()
            for s in texts: yaml.load(s, Loader=Loader)
            print(time.perf_counter() - t, time.process_time() - c, flush=True)
        """
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", script] + files
        let toPeer = Pipe(), fromPeer = Pipe()
        p.standardInput = toPeer
        p.standardOutput = fromPeer
        p.standardError = FileHandle.nullDevice
        do { try p.run() } catch { return .failure(Problem(text: "\(error)", notInstalled: true)) }
        let peer = PyYAMLPeer(process: p, input: toPeer.fileHandleForWriting, output: fromPeer.fileHandleForReading)
        guard peer.readLine() == "ready" else {
            p.waitUntilExit()
            let status = p.terminationStatus
            return .failure(Problem(text: "python3 exited \(status)", notInstalled: status == 3 || status == 127))
        }
        return .success(peer)
    }

    func readLine() -> String? {
        var line: [UInt8] = []
        while true {
            let byte = output.readData(ofLength: 1)
            guard let b = byte.first else { return line.isEmpty ? nil : String(decoding: line, as: UTF8.self) }
            if b == UInt8(ascii: "\n") { return String(decoding: line, as: UTF8.self) }
            line.append(b)
        }
    }

    /// Wall seconds and CPU seconds of one parse of every file.
    func parseOnce() -> (wall: Double, cpu: Double)? {
        input.write(Data("go\n".utf8))
        guard let fields = readLine()?.split(separator: " ").compactMap({ Double($0) }), fields.count == 2 else { return nil }
        return (fields[0], fields[1])
    }

    func stop() {
        try? input.close()
        process.waitUntilExit()
    }
}
