import AsyncHTTPClient
import Foundation
import HaechiCore

/// Turns a config into live endpoints: reads each credential (refusing loose files) and shares
/// one HTTP client among the HTTP endpoints. Every problem is collected, so an operator fixing
/// the config sees all of them at once.
public struct SenderSetup: Sendable {
    public let endpoints: [String: [Mode: any Endpoint]]
    /// Shut down by the caller after the sender stopped.
    public let client: HTTPClient?

    public struct Failed: Error, CustomStringConvertible, Sendable {
        public let problems: [String]
        public var description: String { problems.joined(separator: "\n") }
    }

    public static func make(config: SenderConfig, environment: [String: String] = ProcessInfo.processInfo.environment,
                            env: SenderEnvironment = .live) throws -> SenderSetup {
        let needsHTTP = config.endpoints.values.contains { modes in
            modes.values.contains { switch $0.kind { case .file, .cap: false; default: true } }
        }
        let client = needsHTTP ? makeHTTPClient(concurrency: config.concurrency, timeout: config.retry.timeout) : nil
        var endpoints: [String: [Mode: any Endpoint]] = [:]
        var problems: [String] = []
        for (channel, modes) in config.endpoints {
            for (mode, endpoint) in modes {
                do {
                    let made: any Endpoint
                    switch endpoint.kind {
                    case .mastodon(_, let token, _):
                        made = MastodonEndpoint(config: endpoint, token: try Credentials.read(token, environment: environment),
                                                client: client!, timeout: config.retry.timeout, now: env.now)
                    case .webhook(_, let secret, _):
                        made = try WebhookEndpoint(config: endpoint, secret: try Credentials.read(secret, environment: environment),
                                                   client: client!, timeout: config.retry.timeout, now: env.now)
                    case .x(_, let token):
                        made = XEndpoint(config: endpoint, token: try Credentials.read(token, environment: environment),
                                         reload: { try? Credentials.read(token, environment: environment) },
                                         client: client!, timeout: config.retry.timeout, now: env.now)
                    case .bluesky(_, _, let password):
                        made = BlueskyEndpoint(config: endpoint, password: try Credentials.read(password, environment: environment),
                                               client: client!, timeout: config.retry.timeout, now: env.now)
                    case .facebook(_, _, _, let token):
                        made = FacebookEndpoint(config: endpoint, token: try Credentials.read(token, environment: environment),
                                                client: client!, timeout: config.retry.timeout, now: env.now)
                    case .file:
                        made = FileEndpoint(config: endpoint, now: env.now)
                    case .cap:
                        let cap = CAPEndpoint(config: endpoint, now: env.now)
                        // The feed is rewritten at start, so alerts that expired while the sender was down drop out.
                        Task { await cap.refresh() }
                        made = cap
                    }
                    endpoints[channel, default: [:]][mode] = made
                } catch {
                    problems.append("\(endpoint.location): error: \(channel).\(mode.rawValue): \(error)")
                }
            }
        }
        if !problems.isEmpty {
            try? client?.syncShutdown()
            throw Failed(problems: problems.sorted())
        }
        return SenderSetup(endpoints: endpoints, client: client)
    }

    public func shutdown() async {
        try? await client?.shutdown()
    }
}
