import ArgumentParser
import Foundation
import HaechiCore
import HaechiUI

/// The TUI's config file made into UI values: theme, key overrides, mouse, escape delay, and the
/// operator and language used when the command line does not give them. A bad file stops the
/// TUI with every problem at `file:line:col`, like a manual: a duty desk must not start with
/// keys it did not ask for.
struct TUIConfig {
    var file: TUIConfigFile = TUIConfigFile()
    var theme: Theme = .standard
    var keyOverrides = KeyOverrides()
    var path: String?

    static func parse(data: Data, file: String) -> (TUIConfig, [Diagnostic]) {
        let (raw, diagnostics) = TUIConfigFile.parse(
            data: data, file: file, themes: Theme.Name.allCases.map(\.rawValue),
            commands: KeyOverrides.commandsByName.keys.sorted(), isKey: { KeyOverrides.parseKey($0) != nil })
        var config = TUIConfig(file: raw, path: file)
        if let name = raw.theme.flatMap(Theme.Name.init(rawValue:)) { config.theme = .named(name) }
        var keys: [Command: [Key]] = [:]
        for o in raw.keys {
            guard let command = KeyOverrides.commandsByName[o.command] else { continue }
            keys[command] = o.keys.compactMap(KeyOverrides.parseKey)
        }
        config.keyOverrides = KeyOverrides(keys)
        return (config, diagnostics)
    }

    /// `--config FILE`, else the default place; a missing default file is no config at all.
    static func load(explicit: String?) throws -> TUIConfig {
        guard let path = explicit ?? TUIConfigFile.defaultPath() else { return TUIConfig() }
        guard let data = FileManager.default.contents(atPath: path) else {
            if explicit != nil { throw ValidationError("\(path):1:1: error: cannot read the config file") }
            return TUIConfig()
        }
        let (config, diagnostics) = parse(data: data, file: path)
        let errors = diagnostics.filter { $0.severity == .error }
        if !errors.isEmpty {
            throw ValidationError(errors.map(\.description).joined(separator: "\n") + "\nThe TUI did not start: fix the config file.")
        }
        return config
    }
}
