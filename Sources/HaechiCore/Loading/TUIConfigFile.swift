import Foundation
import Yams

/// The operator's own settings for the TUI, `$XDG_CONFIG_HOME/haechi/config.yaml`
/// (else `~/.config/haechi/config.yaml`):
///
/// ```yaml
/// operator: kim.duty
/// language: ko            # ko | en
/// theme: colour-blind     # default | high-contrast | colour-blind | light
/// mouse: true             # clicks select, the wheel scrolls (default true)
/// escape_delay_ms: 10     # how soon after Esc a key counts as Alt+key
/// keys:
///   mark-done: D          # a command (as Help names it) and its key(s)
///   compose-new: [M, Ctrl-N]
/// ```
/// Read here with located errors (`file:line:col: error: …`); which themes, commands and keys
/// exist is the UI's to say, so those arrive as lists and checks from the caller.
public struct TUIConfigFile: Sendable, Hashable {
    public struct KeyOverride: Sendable, Hashable {
        public var command: String
        public var keys: [String]
        public var location: SourceLocation
        /// Where each key is written, for a bad key name.
        public var keyLocations: [SourceLocation]
    }
    public var operatorName: String?
    public var language: Language?
    public var theme: String?
    public var mouse: Bool?
    public var escapeDelayMilliseconds: Int?
    public var keys: [KeyOverride] = []

    public init() {}

    static let keys = ["operator", "language", "theme", "mouse", "escape_delay_ms", "keys"]

    /// Where the file is: `$XDG_CONFIG_HOME/haechi/config.yaml`, else under `$HOME/.config`.
    public static func defaultPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        if let xdg = environment["XDG_CONFIG_HOME"], xdg.hasPrefix("/") { return xdg + "/haechi/config.yaml" }
        if let home = environment["HOME"], !home.isEmpty { return home + "/.config/haechi/config.yaml" }
        return nil
    }

    /// Parses a config file. `themes` are the allowed theme names; `command(name)` and
    /// `key(name)` say whether a command or a key name exists.
    public static func parse(data: Data, file: String, themes: [String], commands: [String],
                             isKey: (String) -> Bool) -> (TUIConfigFile, [Diagnostic]) {
        let doc = YAMLDocument(data: data, file: file)
        var config = TUIConfigFile()
        guard let root = doc.root, let map = doc.mapping(root, what: "the config", keys: keys) else { return (config, doc.diagnostics) }
        config.operatorName = map["operator"].flatMap { doc.string($0, what: "operator") }
        config.language = map["language"].flatMap { doc.word($0, what: "language", allowed: Language.allCases.map(\.rawValue)) }
            .flatMap(Language.init(rawValue:))
        config.theme = map["theme"].flatMap { doc.word($0, what: "theme", allowed: themes) }
        config.mouse = map["mouse"].flatMap { doc.bool($0, what: "mouse") }
        config.escapeDelayMilliseconds = map["escape_delay_ms"].flatMap { doc.int($0, what: "escape_delay_ms", range: 1...1000) }
        if let keysNode = map["keys"], let keyMap = doc.mapping(keysNode, what: "keys", keys: commands) {
            for (command, node) in keyMap.sorted(by: { doc.location($0.value).line < doc.location($1.value).line }) {
                var names: [(String, SourceLocation)] = []
                if case .sequence(let seq) = node {
                    for item in seq { if let s = doc.string(item, what: "a key") { names.append((s, doc.location(item))) } }
                } else if let s = doc.string(node, what: "a key") {
                    names.append((s, doc.location(node)))
                }
                var good: [(String, SourceLocation)] = []
                for (name, location) in names {
                    if isKey(name) { good.append((name, location)) } else {
                        doc.error(at: location, "'\(doc.printable(name))' is not a key; write a character (d), Ctrl-X, Alt-X, F1–F12, Enter, Esc, Space, Tab, Up, Down, Left, Right, Home, End, PgUp, PgDn, Del or Backspace")
                    }
                }
                if !good.isEmpty {
                    config.keys.append(KeyOverride(command: command, keys: good.map(\.0), location: doc.location(node), keyLocations: good.map(\.1)))
                }
            }
            // One key for two commands would make one of them unreachable.
            var owner: [String: String] = [:]
            for o in config.keys {
                for (k, at) in zip(o.keys, o.keyLocations) {
                    if let first = owner[k], first != o.command { doc.error(at: at, "key '\(k)' is already given to '\(first)'") }
                    owner[k] = o.command
                }
            }
        }
        return (config, doc.diagnostics)
    }
}
