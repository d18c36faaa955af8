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
        let files = ManualLibrary.manualFiles(in: manuals)
        guard !files.isEmpty else { throw ValidationError("no manuals in \(manuals)") }
        let bytes = files.reduce(0) { $0 + ((try? FileManager.default.attributesOfItem(atPath: $1)[.size] as? Int) ?? 0) }

        let once = measure(repetitions) { _ = Lint.run(paths: [manuals], fallbackDirectory: manuals) }
        let check = Lint.run(paths: [manuals], fallbackDirectory: manuals)

        let tmp = NSTemporaryDirectory() + "haechi-bench-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        var dirs: [String] = []
        for i in 0..<copies {
            let dir = tmp + "/copy\(i)"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            for f in files + [manuals + "/channels.yaml"] {
                try FileManager.default.copyItem(atPath: f, toPath: dir + "/" + (f as NSString).lastPathComponent)
            }
            dirs.append(dir)
        }
        let many = measure(max(3, repetitions / 2)) { _ = Lint.run(paths: dirs, fallbackDirectory: manuals) }

        print("manuals: \(files.count) files, \(bytes / 1024) KiB, \(check.manuals) manuals loaded, \(check.errorCount) errors")
        print(String(format: "load+lint bundled manuals   %8.2f ms   (goal < 50 ms)   %@", once * 1000, once < 0.050 ? "ok" : "OVER"))
        print(String(format: "load+lint %d copies (%d files) %8.1f ms   (goal < 2000 ms) %@", copies, copies * files.count, many * 1000, many < 2 ? "ok" : "OVER"))
        if let peer = pyyamlSeconds(files: files) {
            print(String(format: "peer: PyYAML safe_load of the same files, parse only: %.2f ms  (haechi load+lint = %.2fx of it)", peer * 1000, once / peer))
        } else {
            print("peer: PyYAML not available; no ratio")
        }
        print("peak memory (maxrss): \(peakMemoryKiB() / 1024) MiB")
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

    /// Times PyYAML's C loader when present (else the pure one) inside Python, so the interpreter's
    /// start-up is not counted.
    func pyyamlSeconds(files: [String]) -> Double? {
        let script = """
        import sys, time, yaml
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
        do { try p.run() } catch { return nil }
        let out = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { return nil }
        return Double(String(decoding: out, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
