import Foundation
import HaechiCore

/// Where the TUI gets its manuals: the YAML loader, with its problems kept for the Home screen
/// (a manual with errors is left out, so a broken file can never be walked half-read), and the
/// drill scenarios checked against those manuals. Through `ManualCache` when there is a cache
/// directory: the same result, without parsing files that have not changed since the last run.
enum TUIManuals {
    struct Loaded {
        var manuals: [Manual]
        var problems: [String]
        /// channels.yaml: what compose checks messages against.
        var channels = ChannelProfiles([])
        var scenarios: [Scenario] = []
        var scenarioProblems: [String] = []
        /// Whether this came from the cache (for the log and the tests).
        var source: ManualCache.Source = .parsed
        /// Why the cache was not used or not written, for the log.
        var notes: [String] = []
    }

    static func load(directory: String, cache: ManualCache? = ManualCache.directory().map(ManualCache.init)) -> Loaded {
        guard let cache else { return loaded(parse(directory: directory, key: ""), source: .parsed, notes: []) }
        var notes: [String] = []
        let (contents, source) = cache.load(manualsDirectory: directory, note: { notes.append($0) }) { key in
            parse(directory: directory, key: key)
        }
        return loaded(contents, source: source, notes: notes)
    }

    /// How the TUI starts: with Home's list from the cache's index and the rest to read after the
    /// first frame (`finish`), or with everything loaded (no cache, or one that is not current).
    enum Opening {
        case listed(ManualCache.Index, finish: () -> Loaded)
        case ready(Loaded)
    }

    static func open(directory: String, cache: ManualCache? = ManualCache.directory().map(ManualCache.init)) -> Opening {
        guard let cache else { return .ready(load(directory: directory, cache: nil)) }
        var notes: [String] = []
        switch cache.open(manualsDirectory: directory, note: { notes.append($0) }, parse: { parse(directory: directory, key: $0) }) {
        case .loaded(let contents, let source):
            return .ready(loaded(contents, source: source, notes: notes))
        case .indexed(let index, let rest):
            return .listed(index, finish: {
                var later = notes
                let (contents, source) = rest.finish(note: { later.append($0) }, parse: { parse(directory: directory, key: $0) })
                return loaded(contents, source: source, notes: later)
            })
        }
    }

    /// Parses and checks everything, as `haechi lint` would (without the stale-review warning).
    static func parse(directory: String, key: String) -> ManualCache.Contents {
        let library = ManualLibrary.load(directory: directory)
        let dir = directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        let set = ScenarioLoader(manuals: library.manuals).load(directory: dir + "/" + ScenarioLoader.directoryName)
        return ManualCache.Contents(key: key, manuals: library.manuals, problems: library.errors.map(\.description),
                                    channels: library.channels.channels, scenarios: set.scenarios,
                                    scenarioProblems: set.errors.map(\.description))
    }

    static func loaded(_ c: ManualCache.Contents, source: ManualCache.Source, notes: [String]) -> Loaded {
        Loaded(manuals: c.manuals, problems: c.problems, channels: ChannelProfiles(c.channels), scenarios: c.scenarios,
               scenarioProblems: c.scenarioProblems, source: source, notes: notes)
    }
}
