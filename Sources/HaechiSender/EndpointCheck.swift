import Foundation
import HaechiCore

/// What `haechi-sender --check` learned about one endpoint from a read-only call.
public enum EndpointCheck: Sendable, Hashable {
    /// The credential works. `account` identifies the account on the platform (X user id,
    /// Bluesky DID, Facebook Page id), so a drill and a live endpoint that turn out to be the
    /// same account can be refused; nil when the platform would not say.
    case ok(account: String?, description: String)
    /// Nothing to call (files, folders, kinds without a read-only credential check).
    case notChecked(String)
    case failed(String)
}

/// Endpoints whose credential can be verified without posting anything.
public protocol CheckableEndpoint: Endpoint {
    func check() async -> EndpointCheck
}

extension XEndpoint: CheckableEndpoint {}
extension BlueskyEndpoint: CheckableEndpoint {}
extension FacebookEndpoint: CheckableEndpoint {}

/// `--check`: every endpoint's credential verified with a read-only call, in config order.
public enum CredentialCheck {
    public struct Line: Sendable, Hashable {
        public let endpoint: EndpointConfig
        public let result: EndpointCheck
    }

    public static func run(_ endpoints: [String: [Mode: any Endpoint]]) async -> [Line] {
        let all = endpoints.values.flatMap(\.values).sorted {
            ($0.config.location.line, $0.config.location.column) < ($1.config.location.line, $1.config.location.column)
        }
        var lines: [Line] = []
        for endpoint in all {
            let result: EndpointCheck
            if let checkable = endpoint as? any CheckableEndpoint {
                result = await checkable.check()
            } else {
                result = .notChecked("no read-only credential call for a \(endpoint.config.kindName) endpoint")
            }
            lines.append(Line(endpoint: endpoint.config, result: result))
        }
        return refuseSharedAccounts(lines)
    }

    /// A drill endpoint whose credential opens the same account as a live one would post
    /// drills to the public: the config cannot see that (two token files may hold tokens of
    /// one account), only the platform's answer can.
    static func refuseSharedAccounts(_ lines: [Line]) -> [Line] {
        var live: [String: EndpointConfig] = [:]
        for line in lines where line.endpoint.mode == .live {
            if case .ok(let account?, _) = line.result { live[account] = line.endpoint }
        }
        return lines.map { line in
            guard line.endpoint.mode == .drill, case .ok(let account?, _) = line.result, let other = live[account] else { return line }
            return Line(endpoint: line.endpoint, result: .failed(
                "drill endpoint \(line.endpoint.channel).drill opens the same account (\(account)) as the live endpoint \(other.channel).live (\(other.location)); drill posts would reach the public"))
        }
    }
}
