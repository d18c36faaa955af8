import AsyncHTTPClient
import Foundation
import HaechiCore
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// A Facebook Page through the Graph API: `POST {url}/{version}/{page-id}/feed` with `message`
/// and the Page access token (developers.facebook.com, Pages API "Posts"); the returned `id`
/// (`{page-id}_{post-id}`) is delivered.
///
/// The Graph API takes no idempotency key, so an interrupted request is `unknown`, never sent
/// again blind. Errors come as `{"error": {"message", "type", "code", "error_subcode",
/// "is_transient", "fbtrace_id"}}`; the code decides between retry and dead (Graph API
/// "Handling Errors"), and the dead letter carries the platform's message.
public actor FacebookEndpoint: Endpoint {
    public nonisolated let config: EndpointConfig
    public nonisolated var idempotent: Bool { false }
    private let client: HTTPClient
    private let base: String
    private let pageID: String
    private let token: String
    private let timeout: TimeInterval
    private let now: @Sendable () -> Date
    private let pause = EndpointPause()

    public init(config: EndpointConfig, token: String, client: HTTPClient, timeout: TimeInterval, now: @escaping @Sendable () -> Date) {
        guard case .facebook(let url, let version, let pageID, _) = config.kind else { preconditionFailure("not a facebook endpoint") }
        self.config = config; self.client = client; self.base = url + "/" + version; self.pageID = pageID; self.token = token
        self.timeout = timeout; self.now = now
    }

    public nonisolated func readyAt(now: Date) -> Date? { pause.readyAt(now: now) }

    /// Codes the Graph API documents as temporary: 1 API unknown, 2 API service (downtime),
    /// 4 app too many calls, 17 user too many calls, 32 Page too many calls, 341 application
    /// limit, 613 rate limit, 80001 Page (business use case) rate limit.
    static let transientCodes: Set<Int> = [1, 2, 4, 17, 32, 341, 613, 80001]
    /// Throttling among them: the whole endpoint waits, not only this post.
    static let throttleCodes: Set<Int> = [4, 17, 32, 341, 613, 80001]

    struct GraphError {
        let code: Int?
        let subcode: Int?
        let transient: Bool
        let message: String
    }

    static func graphError(_ reply: HTTPReply) -> GraphError {
        let error = reply.json?["error"] as? [String: Any]
        let code = error?["code"] as? Int
        return GraphError(code: code, subcode: error?["error_subcode"] as? Int,
                          transient: (error?["is_transient"] as? Bool) ?? false, message: reply.serverMessage)
    }

    /// `X-Business-Use-Case-Usage` (Page tokens fall under business use case limits) carries, per
    /// business id, `estimated_time_to_regain_access` in minutes once throttled.
    static func regainAccess(_ headers: HTTPHeaders, now: Date) -> Date? {
        guard let value = headers.first(name: "X-Business-Use-Case-Usage"),
              let json = (try? JSONSerialization.jsonObject(with: Data(value.utf8))) as? [String: Any] else { return nil }
        var minutes = 0
        for case let entries as [[String: Any]] in json.values {
            for entry in entries { minutes = max(minutes, entry["estimated_time_to_regain_access"] as? Int ?? 0) }
        }
        return minutes > 0 ? now.addingTimeInterval(TimeInterval(minutes * 60)) : nil
    }

    public func deliver(_ post: Post) async -> DeliveryResult {
        let text = post.text
        if let refusal = PlatformLimit.facebook.refusal(text) { return .permanent(reason: refusal) }
        let reply: HTTPReply
        do {
            reply = try await deliveryRequest(client, "\(base)/\(pageID)/feed", json: jsonBody(["message": text, "access_token": token]),
                                              timeout: timeout)
        } catch {
            return error.result
        }
        let current = now()
        if reply.status == 200 {
            guard let id = reply.json?["id"] as? String else {
                return .ambiguous(reason: "HTTP 200 without an id: \(reply.serverMessage)")
            }
            return .delivered(remoteID: id)
        }
        let error = Self.graphError(reply)
        let described = "HTTP \(reply.status): \(error.message)"
        if let code = error.code, Self.throttleCodes.contains(code) {
            let notBefore = Self.regainAccess(reply.headers, now: current) ?? serverNotBefore(reply.headers, now: current)
            if let notBefore { pause.hold(until: notBefore) }
            return .transient(reason: "Graph API throttled the Page: \(described)", notBefore: notBefore)
        }
        if let code = error.code {
            if Self.transientCodes.contains(code) || error.transient {
                return .transient(reason: described, notBefore: serverNotBefore(reply.headers, now: current))
            }
            switch code {
            case 190, 102:
                return .permanent(reason: "the Page access token was refused (expired or revoked): \(described)")
            case 10, 200...299:
                return .permanent(reason: "the token lacks a permission (pages_manage_posts on this Page?): \(described)")
            case 506:
                return .permanent(reason: "Facebook refused it as a duplicate of the Page's last post: \(described)")
            default:
                return .permanent(reason: described)
            }
        }
        return failure(of: reply, pause: pause, now: current)
    }

    /// `GET {url}/{version}/{page-id}?fields=id,name`: proves the token opens this Page, posting
    /// nothing.
    public func check() async -> EndpointCheck {
        var components = URLComponents(string: "\(base)/\(pageID)")!
        components.queryItems = [URLQueryItem(name: "fields", value: "id,name"), URLQueryItem(name: "access_token", value: token)]
        do {
            let reply = try await perform(client, components.string!, timeout: timeout)
            guard reply.status == 200, let id = reply.json?["id"] as? String, id == pageID else {
                return .failed("GET /\(pageID) answered HTTP \(reply.status): \(reply.serverMessage)")
            }
            let name = (reply.json?["name"] as? String).map { "'\($0)'" } ?? "the Page"
            return .ok(account: "facebook:\(id)", description: "token opens \(name) (Page \(id))")
        } catch {
            return .failed("GET /\(pageID): \(describeTransport(error))")
        }
    }
}
