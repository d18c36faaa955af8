#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import Foundation
import HaechiApp

/// `haechi-bench tui`: first frame, render time, bytes per selection move, peak memory.
struct TUIBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tui", abstract: "TUI figures: first frame, render time, bytes per move, memory.")
    @Option(help: "Manuals directory (all bundled manuals).") var manuals = "manuals"
    @Option(help: "Render iterations for the 200-step checklist.") var iterations = 2000
    @Flag(help: "Print the bytes a selection move writes, escapes made visible.") var dumpBytes = false

    func run() throws {
        #if DEBUG
        print("warning: debug build; run `swift run -c release haechi-bench tui` for real figures")
        #endif
        func verdict(_ ok: Bool) -> String { ok ? "ok" : "OVER" }

        if let first = TUIBenchmarks.firstFrameInProcess(manualsDirectory: manuals) {
            print(String(format: "first frame, in process (load %d manuals, list incidents, render, paint 120x40): %7.2f ms  (goal < 50 ms) %@  [%d bytes]",
                         first.manuals, first.seconds * 1000, verdict(first.seconds < 0.050), first.bytes))
            print("  phases (ms): \(first.phases)")
        } else {
            print("first frame, in process: could not open a curses screen (xterm-256color terminfo missing?)")
        }
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("haechi").path
        var binaryPeakKiB: Int?
        if FileManager.default.isExecutableFile(atPath: binary), let r = TUIBenchmarks.firstFrameOfBinary(binary, manualsDirectory: manuals) {
            let t = r.seconds
            binaryPeakKiB = r.childPeakKiB
            print(String(format: "first frame, real binary on a pty (exec to banner painted):              %7.2f ms  (goal < 50 ms) %@",
                         t * 1000, verdict(t < 0.050)))
        } else {
            print("first frame, real binary: \(binary) not found or did not draw")
        }
        for (w, h) in [(80, 24), (120, 40)] {
            let r = TUIBenchmarks.renderTime(steps: 200, width: w, height: h, iterations: iterations)
            print(String(format: "render 200-step checklist to the canvas at %dx%d: median %6.3f ms, worst %6.3f ms  (goal < 2 ms) %@",
                         w, h, r.median * 1000, r.worst * 1000, verdict(r.median < 0.002)))
        }
        for (w, h) in [(80, 24), (120, 40)] {
            if let bytes = TUIBenchmarks.bytesPerSelectionMove(steps: 200, width: w, height: h, dump: dumpBytes) {
                print("bytes written when the selection moves one line at \(w)x\(h): \(bytes)  (goal < 300) \(verdict(bytes < 300))")
            }
        }
        if let kib = binaryPeakKiB {
            print(String(format: "peak memory of the haechi TUI with all manuals (child VmHWM): %.1f MiB  (goal < 30 MB) %@",
                         Double(kib) / 1024, verdict(Double(kib) * 1024 < 30_000_000)))
        }
        let kib = peakMemoryKiB()
        print(String(format: "peak memory of this benchmark (load, %d renders, curses): %.1f MiB  (goal < 30 MB) %@",
                     iterations * 2, Double(kib) / 1024, verdict(Double(kib) * 1024 < 30_000_000)))
    }
}
