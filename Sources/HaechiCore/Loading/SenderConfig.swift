import Foundation
import Yams

/// Where a credential comes from. The value itself is read only by the sender, at start, and
/// is never part of this value, so a config can be printed or logged without leaking it.
public enum SecretSource: Sendable, Hashable, CustomStringConvertible {
    case file(String)
    case environment(String)
    public var description: String {
        switch self {
        case .file(let path): "file \(path)"
        case .environment(let name): "environment variable \(name)"
        }
    }
}

/// One delivery endpoint of one logical channel in one mode.
public struct EndpointConfig: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        /// `POST {url}/api/v1/statuses`.
        case mastodon(url: String, token: SecretSource, visibility: String)
        /// Standard Webhooks. `idempotent` is false for receivers known to ignore `webhook-id`
        /// (then an attempt cut off by a crash is marked unknown instead of being posted again).
        case webhook(url: String, secret: SecretSource, idempotent: Bool)
        /// One JSON line per post appended to a file (drills, demos).
        case file(path: String)
        /// One CAP 1.2 XML file per message in a folder, and an Atom index of the active ones.
        /// `senderName` is `<senderName>` per language; `base` the public URL the folder is
        /// served at, for the feed's links (relative links without it).
        case cap(directory: String, sender: String, senderName: Localized? = nil, base: String? = nil)
        /// X API v2 `POST {url}/2/tweets` with an OAuth 2.0 user-context token.
        case x(url: String, token: SecretSource)
        /// AT Protocol: a session for `handle` with an app password, then
        /// `com.atproto.repo.createRecord` of `app.bsky.feed.post` on the PDS at `url`.
        case bluesky(url: String, handle: String, password: SecretSource)
        /// Graph API `POST {url}/{version}/{pageID}/feed` with a Page access token.
        case facebook(url: String, version: String, pageID: String, token: SecretSource)
    }

    /// The platforms' public APIs, used when a config gives no `url`.
    public static let defaultURLs = ["x": "https://api.x.com", "bluesky": "https://bsky.social", "facebook": "https://graph.facebook.com"]
    /// The Graph API version used when a facebook endpoint gives none. Meta keeps each version
    /// for at least two years; a city updates it when Meta's changelog says so.
    public static let defaultGraphVersion = "v26.0"
    public var channel: String
    public var mode: Mode
    public var kind: Kind
    /// Where it was configured, for messages that point back to the config file.
    public var location: SourceLocation

    public init(channel: String, mode: Mode, kind: Kind, location: SourceLocation) {
        self.channel = channel; self.mode = mode; self.kind = kind; self.location = location
    }

    public var kindName: String {
        switch kind {
        case .mastodon: "mastodon"
        case .webhook: "webhook"
        case .file: "file"
        case .cap: "cap"
        case .x: "x"
        case .bluesky: "bluesky"
        case .facebook: "facebook"
        }
    }

    /// The place posts go to (URL, file, folder or account): what must differ between drill and
    /// live. On the platforms one API serves every account, so the account is the destination:
    /// the Bluesky handle, the Page, or (for X, whose account is known only from the token) the
    /// token's source.
    public var destination: String {
        switch kind {
        case .mastodon(let url, _, _), .webhook(let url, _, _): url
        case .file(let path): path
        case .cap(let dir, _, _, _): dir
        case .x(let url, let token): "\(url) with the token from \(token)"
        case .bluesky(let url, let handle, _): "\(url) account \(handle.lowercased())"
        case .facebook(let url, _, let page, _): "\(url) Page \(page)"
        }
    }

    /// Safe to log and to write to the operators' ledger: kind, mode and where. For URLs only the
    /// host and port, because some receivers carry a secret in the path or query.
    public var summary: String {
        switch kind {
        case .mastodon(let url, _, _), .webhook(let url, _, _):
            guard let u = URL(string: url), let host = u.host else { return "\(kindName) \(mode.rawValue)" }
            return "\(kindName) \(mode.rawValue) \(u.scheme ?? "https")://\(host)" + (u.port.map { ":\($0)" } ?? "")
        case .file, .cap:
            return "\(kindName) \(mode.rawValue) \(destination)"
        case .x(let url, _):
            return "\(kindName) \(mode.rawValue) \(Self.origin(url))"
        case .bluesky(let url, let handle, _):
            return "\(kindName) \(mode.rawValue) \(Self.origin(url)) @\(handle)"
        case .facebook(let url, _, let page, _):
            return "\(kindName) \(mode.rawValue) \(Self.origin(url)) Page \(page)"
        }
    }

    public static func origin(_ url: String) -> String {
        guard let u = URL(string: url), let host = u.host else { return "?" }
        return "\(u.scheme ?? "https")://\(host)" + (u.port.map { ":\($0)" } ?? "")
    }
}

/// Retry policy numbers, all from the config's optional `retry:` section.
public struct RetrySettings: Sendable, Hashable {
    /// First backoff ceiling; each further attempt doubles it (full jitter picks 0…ceiling).
    public var base: TimeInterval = 1
    /// Largest backoff ceiling.
    public var cap: TimeInterval = 300
    public var maxAttempts: Int = 12
    /// A message older than this is not sent any more. One hour also matches how long Mastodon
    /// remembers an Idempotency-Key: a later retry could post twice.
    public var maxAge: TimeInterval = 3600
    /// One request, connect to last byte.
    public var timeout: TimeInterval = 15
    public init() {}
}

/// The sender's configuration: for each logical channel one endpoint per mode, so a drill
/// message can only ever be looked up among drill endpoints.
public struct SenderConfig: Sendable, Hashable {
    public var endpoints: [String: [Mode: EndpointConfig]]
    public var retry: RetrySettings
    /// Requests in flight at once across all endpoints.
    public var concurrency: Int

    public init(endpoints: [String: [Mode: EndpointConfig]], retry: RetrySettings = RetrySettings(), concurrency: Int = 16) {
        self.endpoints = endpoints; self.retry = retry; self.concurrency = concurrency
    }

    public func endpoint(channel: String, mode: Mode) -> EndpointConfig? { endpoints[channel]?[mode] }

    public static func load(path: String) -> (SenderConfig?, [Diagnostic]) {
        SenderConfigLoader.read(YAMLDocument(path: path))
    }

    public static func load(data: Data, file: String) -> (SenderConfig?, [Diagnostic]) {
        SenderConfigLoader.read(YAMLDocument(data: data, file: file))
    }

    /// `50ms`, `2s`, `5m`, `1h`, or a bare number of seconds.
    public static func parseDuration(_ text: String) -> TimeInterval? {
        let t = text.trimmingCharacters(in: .whitespaces)
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
        for (suffix, factor) in units where t.hasSuffix(suffix) {
            if let n = Double(t.dropLast(suffix.count)), n >= 0, n.isFinite { return n * factor }
            return nil
        }
        if let n = Double(t), n >= 0, n.isFinite { return n }
        return nil
    }
}

enum SenderConfigLoader {
    static let visibilities = ["public", "unlisted", "private", "direct"]
    static let kinds = ["mastodon", "webhook", "file", "cap", "x", "bluesky", "facebook"]
    /// Keys each kind may carry; any other key given is refused, so a typo cannot silently
    /// drop a setting.
    static let keysByKind: [String: Set<String>] = [
        "mastodon": ["url", "token_file", "token_env", "visibility"],
        "webhook": ["url", "secret_file", "secret_env", "idempotent"],
        "file": ["path"],
        "cap": ["dir", "sender", "sender_name", "base_url"],
        "x": ["url", "token_file", "token_env"],
        "bluesky": ["url", "handle", "password_file", "password_env"],
        "facebook": ["url", "version", "page_id", "token_file", "token_env"],
    ]

    static func read(_ doc: YAMLDocument) -> (SenderConfig?, [Diagnostic]) {
        guard let root = doc.root,
              let top = doc.mapping(root, what: "the sender config", keys: ["channels", "retry", "concurrency"], required: ["channels"])
        else { return (nil, doc.diagnostics) }
        var config = SenderConfig(endpoints: [:])
        if let node = top["retry"] { config.retry = retry(node, doc) }
        if let node = top["concurrency"], let n = doc.int(node, what: "concurrency", range: 1...256) { config.concurrency = n }
        guard let channelsNode = top["channels"] else { return (nil, doc.diagnostics) }
        guard case .mapping(let channels) = channelsNode else {
            doc.error(channelsNode, "channels must be a mapping of channel id to its drill and live endpoints, found \(doc.describe(channelsNode))")
            return (nil, doc.diagnostics)
        }
        for (keyNode, value) in channels {
            guard let channel = doc.string(keyNode, what: "channel id") else { continue }
            // A channel written as `{kind: …}` straight away has no mode: refuse it rather than guess,
            // because guessing wrong is how a drill reaches the public.
            if case .mapping(let inner) = value, inner.keys.contains(where: { $0.string == "kind" }) {
                doc.error(value, "channel '\(channel)' gives an endpoint without a mode; put it under 'drill:' or 'live:' so that drill and live can never be confused")
                continue
            }
            guard let modes = doc.mapping(value, what: "channel '\(channel)'", keys: Mode.allCases.map(\.rawValue)) else { continue }
            if case .mapping(let inner) = value, inner.count == 0 {
                doc.error(value, "channel '\(channel)' has no endpoint; give it 'drill:' and/or 'live:'")
            }
            for (modeName, node) in modes {
                guard let mode = Mode(rawValue: modeName),
                      let endpoint = endpoint(node, channel: channel, mode: mode, doc) else { continue }
                config.endpoints[channel, default: [:]][mode] = endpoint
            }
        }
        refuseSharedDestinations(config, doc)
        let failed = doc.diagnostics.contains { $0.severity == .error }
        return (failed ? nil : config, doc.diagnostics)
    }

    static func retry(_ node: Node, _ doc: YAMLDocument) -> RetrySettings {
        var settings = RetrySettings()
        guard let map = doc.mapping(node, what: "retry", keys: ["base", "cap", "max_attempts", "max_age", "timeout"]) else { return settings }
        func duration(_ key: String, _ range: ClosedRange<TimeInterval>) -> TimeInterval? {
            guard let n = map[key] else { return nil }
            guard let text = doc.string(n, what: "retry.\(key)"), let value = SenderConfig.parseDuration(text) else {
                doc.error(n, "retry.\(key) must be a duration like 500ms, 2s, 5m or 1h")
                return nil
            }
            guard range.contains(value) else {
                doc.error(n, "retry.\(key) must be between \(range.lowerBound)s and \(range.upperBound)s")
                return nil
            }
            return value
        }
        if let v = duration("base", 0.001...3600) { settings.base = v }
        if let v = duration("cap", 0.001...86_400) { settings.cap = v }
        if let v = duration("max_age", 1...7 * 86_400) { settings.maxAge = v }
        if let v = duration("timeout", 0.01...600) { settings.timeout = v }
        if let n = map["max_attempts"], let v = doc.int(n, what: "retry.max_attempts", range: 1...1000) { settings.maxAttempts = v }
        if settings.cap < settings.base, let n = map["cap"] { doc.error(n, "retry.cap must not be smaller than retry.base") }
        return settings
    }

    static func endpoint(_ node: Node, channel: String, mode: Mode, _ doc: YAMLDocument) -> EndpointConfig? {
        let what = "\(channel).\(mode.rawValue)"
        guard let map = doc.mapping(node, what: what,
                                    keys: ["kind", "url", "token_file", "token_env", "secret_file", "secret_env", "visibility",
                                           "idempotent", "path", "dir", "sender", "sender_name", "base_url", "handle", "password_file", "password_env",
                                           "page_id", "version"],
                                    required: ["kind"]),
              let kindNode = map["kind"],
              let kind = doc.word(kindNode, what: "\(what).kind", allowed: kinds) else { return nil }
        let location = doc.location(node)
        let aKind = (kind == "x" ? "an " : "a ") + kind
        // Keys that belong to another kind: refused by name, so a typo cannot silently drop a setting.
        var keysOK = true
        for key in map.keys.sorted() where key != "kind" && !(keysByKind[kind] ?? []).contains(key) {
            doc.error(map[key]!, "'\(key)' does not apply to \(aKind) endpoint (\(what))")
            keysOK = false
        }
        /// `url` when given (checked like every URL), else the platform's public API.
        func platformURL() -> String? {
            guard let n = map["url"] else { return EndpointConfig.defaultURLs[kind] }
            guard let text = doc.string(n, what: "\(what).url") else { return nil }
            return checkURL(n, text, what: "\(what).url", doc)
        }
        func required(_ key: String) -> (Node, String)? {
            guard let n = map[key] else { doc.error(node, "\(what): \(aKind) endpoint needs '\(key)'"); return nil }
            guard let s = doc.string(n, what: "\(what).\(key)") else { return nil }
            return (n, s)
        }
        func secret(_ prefix: String) -> SecretSource? {
            let fileNode = map["\(prefix)_file"], envNode = map["\(prefix)_env"]
            switch (fileNode, envNode) {
            case (let f?, nil):
                guard let path = doc.string(f, what: "\(what).\(prefix)_file") else { return nil }
                guard path.hasPrefix("/") else { doc.error(f, "\(what).\(prefix)_file must be an absolute path"); return nil }
                return .file(path)
            case (nil, let e?):
                guard let name = doc.string(e, what: "\(what).\(prefix)_env") else { return nil }
                return .environment(name)
            case (_?, let e?):
                doc.error(e, "\(what): give either \(prefix)_file or \(prefix)_env, not both"); return nil
            case (nil, nil):
                doc.error(node, "\(what): \(aKind) endpoint needs \(prefix)_file (mode 0600) or \(prefix)_env"); return nil
            }
        }
        switch kind {
        case "mastodon":
            let url = required("url").flatMap { checkURL($0.0, $0.1, what: "\(what).url", doc) }
            let token = secret("token")
            var visibility = "public"
            if let v = map["visibility"] {
                guard let word = doc.word(v, what: "\(what).visibility", allowed: visibilities) else { return nil }
                visibility = word
            }
            guard keysOK, let url, let token else { return nil }
            return EndpointConfig(channel: channel, mode: mode, kind: .mastodon(url: url, token: token, visibility: visibility), location: location)
        case "webhook":
            let url = required("url").flatMap { checkURL($0.0, $0.1, what: "\(what).url", doc) }
            let secret = secret("secret")
            let idempotent = map["idempotent"].map { doc.bool($0, what: "\(what).idempotent") } ?? true
            guard keysOK, let url, let secret, let idempotent else { return nil }
            return EndpointConfig(channel: channel, mode: mode, kind: .webhook(url: url, secret: secret, idempotent: idempotent), location: location)
        case "file":
            guard let (n, path) = required("path") else { return nil }
            guard path.hasPrefix("/") else { doc.error(n, "\(what).path must be an absolute path"); return nil }
            guard keysOK else { return nil }
            return EndpointConfig(channel: channel, mode: mode, kind: .file(path: path), location: location)
        case "x":
            let url = platformURL()
            let token = secret("token")
            guard keysOK, let url, let token else { return nil }
            return EndpointConfig(channel: channel, mode: mode, kind: .x(url: url, token: token), location: location)
        case "bluesky":
            let url = platformURL()
            let handle = required("handle").flatMap { pair -> String? in
                let (n, text) = pair
                // A handle is a domain name (AT Protocol handle syntax); a leading @ is how people write it.
                let h = text.hasPrefix("@") ? String(text.dropFirst()) : text
                guard Self.isHandle(h) else {
                    doc.error(n, "\(what).handle must be a Bluesky handle like seoul.bsky.social, found '\(doc.printable(text))'")
                    return nil
                }
                return h.lowercased()
            }
            let password = secret("password")
            guard keysOK, let url, let handle, let password else { return nil }
            return EndpointConfig(channel: channel, mode: mode, kind: .bluesky(url: url, handle: handle, password: password), location: location)
        case "facebook":
            let url = platformURL()
            let page = required("page_id").flatMap { pair -> String? in
                let (n, text) = pair
                guard !text.isEmpty, text.allSatisfy({ $0.isASCII && $0.isNumber }) else {
                    doc.error(n, "\(what).page_id must be the Page's numeric id, found '\(doc.printable(text))'")
                    return nil
                }
                return text
            }
            var version: String? = EndpointConfig.defaultGraphVersion
            if let n = map["version"] {
                version = doc.string(n, what: "\(what).version").flatMap { text in
                    guard text.wholeMatch(of: /v[0-9]{1,3}\.[0-9]{1,2}/) != nil else {
                        doc.error(n, "\(what).version must be a Graph API version like \(EndpointConfig.defaultGraphVersion), found '\(doc.printable(text))'")
                        return nil
                    }
                    return text
                }
            }
            let token = secret("token")
            guard keysOK, let url, let page, let version, let token else { return nil }
            return EndpointConfig(channel: channel, mode: mode, kind: .facebook(url: url, version: version, pageID: page, token: token), location: location)
        default:
            guard let (n, dir) = required("dir") else { return nil }
            guard dir.hasPrefix("/") else { doc.error(n, "\(what).dir must be an absolute path"); return nil }
            let sender = map["sender"].flatMap { doc.string($0, what: "\(what).sender") } ?? "haechi"
            let senderName = map["sender_name"].flatMap { doc.localized($0, what: "\(what).sender_name") }
            let base = map["base_url"].flatMap { n -> String? in
                guard let text = doc.string(n, what: "\(what).base_url") else { return nil }
                guard let u = URL(string: text), ["http", "https"].contains(u.scheme?.lowercased() ?? ""), u.host?.isEmpty == false else {
                    doc.error(n, "\(what).base_url must be a full http(s) URL, found '\(doc.printable(text))'"); return nil
                }
                return text
            }
            if sender.contains(where: { $0 == " " || $0 == "," || $0 == "<" || $0 == "&" }) {
                // CAP 1.2 §3.2.1: the sender identifier must not contain spaces, commas or restricted characters.
                doc.error(map["sender"]!, "\(what).sender must not contain spaces, commas, '<' or '&' (CAP 1.2 sender)")
                return nil
            }
            guard keysOK else { return nil }
            return EndpointConfig(channel: channel, mode: mode, kind: .cap(directory: dir, sender: sender, senderName: senderName, base: base),
                                  location: location)
        }
    }

    /// AT Protocol handle syntax: a domain name of at least two labels, each 1–63 of
    /// [A-Za-z0-9-] not starting or ending with '-', at most 253 characters, the last label not
    /// starting with a digit.
    static func isHandle(_ h: String) -> Bool {
        let labels = h.split(separator: ".", omittingEmptySubsequences: false)
        guard h.count <= 253, labels.count >= 2 else { return false }
        for label in labels {
            guard (1...63).contains(label.count), label.first != "-", label.last != "-",
                  label.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }) else { return false }
        }
        return !(labels.last!.first!.isNumber)
    }

    /// https, or plain http only to this machine (tests, a local relay): a token must not cross
    /// a network in clear text.
    static func checkURL(_ node: Node, _ text: String, what: String, _ doc: YAMLDocument) -> String? {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), let host = url.host, !host.isEmpty else {
            doc.error(node, "\(what) is not a URL: '\(doc.printable(text))'")
            return nil
        }
        if url.user != nil || url.password != nil {
            doc.error(node, "\(what) must not carry a user or password; put the credential in a token or secret file")
            return nil
        }
        let loopback = ["localhost", "127.0.0.1", "::1", "[::1]"].contains(host.lowercased())
        guard scheme == "https" || (scheme == "http" && loopback) else {
            doc.error(node, "\(what) must use https (plain http is allowed only to localhost), found '\(doc.printable(text))'")
            return nil
        }
        return text.hasSuffix("/") ? String(text.dropLast()) : text
    }

    /// One URL, file or folder serving both a drill and a live channel would let a drill post reach
    /// the public (or a live post hide among drills): such a config cannot tell drill from live.
    static func refuseSharedDestinations(_ config: SenderConfig, _ doc: YAMLDocument) {
        var live: [String: EndpointConfig] = [:]
        for endpoint in config.endpoints.values.compactMap({ $0[.live] }) { live[endpoint.destination] = endpoint }
        for drill in config.endpoints.values.compactMap({ $0[.drill] }).sorted(by: { $0.location.line < $1.location.line }) {
            if let other = live[drill.destination] {
                doc.error(at: drill.location, "drill endpoint \(drill.channel).drill uses \(drill.destination), which is also the live endpoint \(other.channel).live (\(other.location)); drill and live must never share an endpoint")
            }
        }
    }
}
