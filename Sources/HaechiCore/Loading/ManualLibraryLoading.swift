import Foundation

extension ManualLibrary {
    /// Loads every manual in a directory: `channels.yaml` first, then each other `*.yaml`/`*.yml`
    /// file (sub-folders such as `scenarios/` are not manuals). Manuals with errors are left out
    /// of `manuals` and their problems kept in `diagnostics`.
    public static func load(directory: String) -> ManualLibrary {
        var diagnostics: [Diagnostic] = []
        let dir = directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDirectory), isDirectory.boolValue else {
            return ManualLibrary(manuals: [], channels: ChannelProfiles([]),
                                 diagnostics: [Diagnostic(SourceLocation(file: dir, line: 1, column: 1), .error, "manuals directory not found")])
        }
        let channelsPath = dir + "/" + ChannelProfileLoader.fileName
        var channels = ChannelProfiles([])
        if FileManager.default.fileExists(atPath: channelsPath) {
            let (loaded, problems) = ChannelProfileLoader.load(path: channelsPath)
            channels = loaded
            diagnostics += problems
        } else {
            diagnostics.append(Diagnostic(SourceLocation(file: channelsPath, line: 1, column: 1), .error,
                                          "channel profile file not found; every manuals directory needs one"))
        }
        var manuals: [Manual] = []
        var seen: [String: String] = [:]
        for path in manualFiles(in: dir) {
            let (manual, problems) = ManualLoader.load(path: path, channels: channels)
            diagnostics += problems
            guard let manual else { continue }
            if let first = seen[manual.id] {
                diagnostics.append(Diagnostic(SourceLocation(file: path, line: 1, column: 1), .error,
                                              "manual id '\(manual.id)' is already used by \(first)"))
                continue
            }
            seen[manual.id] = path
            manuals.append(manual)
        }
        return ManualLibrary(manuals: manuals, channels: channels, diagnostics: diagnostics)
    }

    /// The manual files of a directory, sorted by name.
    public static func manualFiles(in dir: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        return names.filter { ($0.hasSuffix(".yaml") || $0.hasSuffix(".yml")) && $0 != ChannelProfileLoader.fileName && !$0.hasPrefix(".") }
            .sorted()
            .map { dir + "/" + $0 }
            .filter { path in
                var isDirectory: ObjCBool = false
                return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && !isDirectory.boolValue
            }
    }
}
