import Foundation

extension ManualLibrary {
    /// Loads every manual in a directory: `channels.yaml` first, then each other `*.yaml`/`*.yml`
    /// file (sub-folders such as `scenarios/` are not manuals). Manuals with errors are left out
    /// of `manuals` and their problems kept in `diagnostics`.
    /// `today` (YYYY-MM-DD, Seoul) turns on the stale-review warning; lint passes it.
    public static func load(directory: String, today: String? = nil) -> ManualLibrary {
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
        let (references, referenceProblems) = ManualReferencesLoader.load(directory: dir)
        diagnostics += referenceProblems
        var manuals: [Manual] = []
        var seen: [String: String] = [:]
        let files = manualFiles(in: dir)
        // Each file is independent: parse them on all cores, then merge in file order so the
        // output (and duplicate-id detection) stays deterministic.
        let results = UnsafeMutableBufferPointer<(Manual?, [Diagnostic])>.allocate(capacity: files.count)
        results.initialize(repeating: (nil, []))
        defer { results.deinitialize(); results.deallocate() }
        nonisolated(unsafe) let slots = results
        let profiles = channels
        DispatchQueue.concurrentPerform(iterations: files.count) { i in
            slots[i] = ManualLoader.load(path: files[i], channels: profiles, references: references, today: today)
        }
        for (i, path) in files.enumerated() {
            let (manual, problems) = results[i]
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
        return ManualLibrary(manuals: manuals, channels: channels, diagnostics: diagnostics, references: references)
    }

    /// The manual files of a directory, sorted by name.
    public static func manualFiles(in dir: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        return names.filter { ($0.hasSuffix(".yaml") || $0.hasSuffix(".yml")) && !ManualReferencesLoader.fileNames.contains($0) && !$0.hasPrefix(".") }
            .sorted()
            .map { dir + "/" + $0 }
            .filter { path in
                var isDirectory: ObjCBool = false
                return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && !isDirectory.boolValue
            }
    }
}
