import ArgumentParser
import Foundation
import HaechiCore

/// `haechi lint [PATH…]`: checks manuals like a compiler, every problem as `file:line:col`.
struct LintCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lint",
        abstract: "Check manuals, channel profiles and drill scenarios; report every problem as file:line:col.",
        discussion: """
        PATH may be a manuals folder, a scenarios folder or single files. A single manual is \
        checked against the channels.yaml beside it (or in --manuals); a scenario (a file with \
        `injects:` and no `phases:`) against the manuals folder it sits in (or --manuals). \
        Exit status: 0 when clean, 1 with problems.
        """
    )

    @OptionGroup var manualsOption: ManualsOption
    @Argument(help: "Manual files or folders (default: the manuals directory).")
    var paths: [String] = []

    func run() throws {
        let report = Lint.run(paths: paths.isEmpty ? [manualsOption.directory] : paths, fallbackDirectory: manualsOption.directory)
        for d in report.diagnostics { print(d) }
        print(report.summary)
        if report.errorCount > 0 { throw ExitCode(1) }
    }
}

/// The lint run itself, separate from argument parsing so tests and the benchmark call it.
public enum Lint {
    public struct Report: Sendable {
        public var files: Int
        public var manuals: Int
        public var diagnostics: [Diagnostic]
        public var errorCount: Int { diagnostics.filter { $0.severity == .error }.count }
        public var warningCount: Int { diagnostics.filter { $0.severity == .warning }.count }
        public var summary: String {
            "lint: \(files) file\(files == 1 ? "" : "s"), \(manuals) manual\(manuals == 1 ? "" : "s") loaded, "
                + "\(errorCount) error\(errorCount == 1 ? "" : "s"), \(warningCount) warning\(warningCount == 1 ? "" : "s")"
        }
    }

    public static func run(paths: [String], fallbackDirectory: String) -> Report {
        var report = Report(files: 0, manuals: 0, diagnostics: [])
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                report.diagnostics.append(Diagnostic(SourceLocation(file: path, line: 1, column: 1), .error, "no such file or directory"))
                continue
            }
            if isDirectory.boolValue, ScenarioLoader.isScenarioDirectory(path) {
                // `haechi lint manuals/scenarios`: scenarios, checked against the manuals they name.
                let library = ManualLibrary.load(directory: LintExtensions.manualsDirectory(for: path, fallback: fallbackDirectory))
                let extra = LintExtensions.lintScenarios(in: path, library: library)
                report.files += extra.files
                report.diagnostics += extra.diagnostics
            } else if isDirectory.boolValue {
                let library = ManualLibrary.load(directory: path)
                report.files += ManualLibrary.manualFiles(in: path).count + 1
                report.manuals += library.manuals.count
                report.diagnostics += library.diagnostics
                let extra = LintExtensions.lintDirectory(path, library: library)
                report.files += extra.files
                report.diagnostics += extra.diagnostics
            } else if (path as NSString).lastPathComponent == ChannelProfileLoader.fileName {
                report.files += 1
                report.diagnostics += ChannelProfileLoader.load(path: path).1
            } else if let extra = LintExtensions.lintFile(path, fallbackDirectory: fallbackDirectory) {
                report.files += 1
                report.diagnostics += extra
            } else {
                report.files += 1
                let beside = (path as NSString).deletingLastPathComponent
                let channelsPath = [beside.isEmpty ? "." : beside, fallbackDirectory]
                    .map { $0 + "/" + ChannelProfileLoader.fileName }
                    .first { FileManager.default.fileExists(atPath: $0) }
                var channels = ChannelProfiles([])
                if let channelsPath {
                    let (loaded, problems) = ChannelProfileLoader.load(path: channelsPath)
                    channels = loaded
                    report.diagnostics += problems
                } else {
                    report.diagnostics.append(Diagnostic(SourceLocation(file: path, line: 1, column: 1), .error,
                                                         "no channels.yaml beside the file or in \(fallbackDirectory); channels cannot be checked"))
                }
                let (manual, problems) = ManualLoader.load(path: path, channels: channels)
                report.diagnostics += problems
                if manual != nil { report.manuals += 1 }
            }
        }
        return report
    }
}

/// Files in a manuals folder that are not manuals: drill scenarios in `scenarios/`.
enum LintExtensions {
    /// A manuals folder's `scenarios/` sub-folder, checked against the manuals just loaded
    /// (unknown manual ids and step ids are errors there).
    static func lintDirectory(_ path: String, library: ManualLibrary) -> (files: Int, diagnostics: [Diagnostic]) {
        let dir = path + "/" + ScenarioLoader.directoryName
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDirectory), isDirectory.boolValue else { return (0, []) }
        return lintScenarios(in: dir, library: library)
    }

    static func lintScenarios(in dir: String, library: ManualLibrary) -> (files: Int, diagnostics: [Diagnostic]) {
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [])
            .filter { ($0.hasSuffix(".yaml") || $0.hasSuffix(".yml")) && !$0.hasPrefix(".") }
        return (files.count, ScenarioLoader(library: library).load(directory: dir).diagnostics)
    }

    /// The manuals a scenario at `path` (a file or a scenarios folder) is checked against: the
    /// manuals folder it sits in (`MANUALS/scenarios/x.yaml`), else the folder it is in when
    /// that holds manuals, else the fallback (`--manuals`).
    static func manualsDirectory(for path: String, fallback: String) -> String {
        var isDirectory: ObjCBool = false
        FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
        let folder = isDirectory.boolValue ? path : (path as NSString).deletingLastPathComponent
        let candidates = [(folder as NSString).deletingLastPathComponent, folder].filter { !$0.isEmpty }
        return candidates.first { FileManager.default.fileExists(atPath: $0 + "/" + ChannelProfileLoader.fileName) } ?? fallback
    }

    /// A scenario file (inside a `scenarios/` folder, or anywhere with a scenario's shape),
    /// checked against its manuals. Nil for anything else.
    static func lintFile(_ path: String, fallbackDirectory: String) -> [Diagnostic]? {
        let parent = (path as NSString).deletingLastPathComponent
        guard (parent as NSString).lastPathComponent == ScenarioLoader.directoryName || ScenarioLoader.isScenario(path: path)
        else { return nil }
        let library = ManualLibrary.load(directory: manualsDirectory(for: path, fallback: fallbackDirectory))
        return ScenarioLoader(library: library).load(file: path).diagnostics
    }
}
