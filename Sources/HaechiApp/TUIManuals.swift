import Foundation
import HaechiCore

/// Where the TUI gets its manuals: the YAML loader, with its problems kept for the Home screen
/// (a manual with errors is left out, so a broken file can never be walked half-read).
enum TUIManuals {
    struct Loaded {
        var manuals: [Manual]
        var problems: [String]
        /// channels.yaml: what compose checks messages against.
        var channels = ChannelProfiles([])
    }

    static func load(directory: String) -> Loaded {
        let library = ManualLibrary.load(directory: directory)
        return Loaded(manuals: library.manuals, problems: library.errors.map(\.description), channels: library.channels)
    }
}
