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
        switch pyyamlSeconds(files: files) {
        case .seconds(let peer):
            let ratio = once / peer
            print(String(format: "peer: PyYAML (C loader) parsing the same %d files, parse only: %.2f ms", files.count, peer * 1000))
            print(String(format: "haechi load+lint / PyYAML parse = %.2fx  (goal <= 0.5x) %@", ratio, ratio <= 0.5 ? "ok" : "OVER"))
        case .notInstalled:
            print("peer: PyYAML not installed (python3 -c 'import yaml' failed); no ratio")
        case .failed(let why):
            print("peer: PyYAML run failed (\(why)); no ratio")
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

    enum Peer { case seconds(Double), notInstalled, failed(String) }

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

    /// Times PyYAML's C loader when present (else the pure one) inside Python, so the interpreter's
    /// start-up is not counted. Each file is read once before timing, as haechi reads its own.
    func pyyamlSeconds(files: [String]) -> Peer {
        let script = """
        import sys, time
        try:
            import yaml
        except ImportError:
            sys.exit(3)
        Loader = getattr(yaml, 'CSafeLoader', yaml.SafeLoader)
        texts = [open(p, encoding='utf-8').read() for p in sys.argv[1:]]
        best = []
        for _ in range(7):
            t = time.perf_counter()
            for s in texts: yaml.load(s, Loader=Loader)
            best.append(time.perf_counter() - t)
        best.sort(); print(best[len(best)//2])
        """
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", script] + files
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = FileHandle.nullDevice
        do { try p.run() } catch { return .notInstalled }
        let out = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        if p.terminationStatus == 3 || p.terminationStatus == 127 { return .notInstalled }
        guard p.terminationStatus == 0 else { return .failed("python3 exited \(p.terminationStatus)") }
        guard let seconds = Double(String(decoding: out, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) else {
            return .failed("no timing printed")
        }
        return .seconds(seconds)
    }
}
