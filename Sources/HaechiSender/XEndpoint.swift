import AsyncHTTPClient
import Foundation
import HaechiCore
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// X API v2: `POST {url}/2/tweets` with `{"text": …}` and an OAuth 2.0 user-context token
/// (docs.x.com, "Manage Posts"). `201` with `data.id` is delivered.
///
/// X takes no idempotency key, so this endpoint is not idempotent: a request cut off after it
/// left is `unknown` and never sent again blind. X refuses a repeat of the account's recent text
/// with `403 "You are not allowed to create a Tweet with duplicate content."`; that is dead with
/// the reason said plainly, because posting it again cannot help.
public actor XEndpoint: Endpoint {
    public nonisolated let config: EndpointConfig
    public nonisolated var idempotent: Bool { false }
    private let client: HTTPClient
    private let url: String
    private var token: String
    /// Reads the token again from its file: X's OAuth 2.0 user tokens last two hours, so a
    /// timer outside the sender refreshes them and rewrites the file; a 401 makes us look.
    private let reload: @Sendable () -> String?
    private let timeout: TimeInterval
    private let now: @Sendable () -> Date
    /// x-rate-limit-remaining reached 0 (or a 429): no request before x-rate-limit-reset.
    private let pause = EndpointPause()

    public init(config: EndpointConfig, token: String, reload: @escaping @Sendable () -> String? = { nil }, client: HTTPClient,
                timeout: TimeInterval, now: @escaping @Sendable () -> Date) {
        guard case .x(let url, _) = config.kind else { preconditionFailure("not an x endpoint") }
        self.config = config; self.client = client; self.url = url; self.token = token; self.reload = reload
        self.timeout = timeout; self.now = now
    }

    public nonisolated func readyAt(now: Date) -> Date? { pause.readyAt(now: now) }

    /// X's own wording for a repeated text; matched loosely because the wording has changed
    /// over the years ("Status is a duplicate." in v1.1).
    static func isDuplicate(_ reply: HTTPReply) -> Bool {
        let message = reply.serverMessage.lowercased()
        return message.contains("duplicate")
    }

    public func deliver(_ post: Post) async -> DeliveryResult {
        let text = post.text
        if let refusal = PlatformLimit.x.refusal(text) { return .permanent(reason: refusal) }
        let reply: HTTPReply
        do {
            reply = try await deliveryRequest(client, url + "/2/tweets", bearer: token, json: jsonBody(["text": text]), timeout: timeout)
        } catch {
            return error.result
        }
        let current = now()
        pause.note(reply.headers, now: current)
        switch reply.status {
        case 200..<300:
            guard let data = reply.json?["data"] as? [String: Any], let id = data["id"] as? String else {
                // Something answered 2xx without X's shape: the post may or may not exist.
                return .ambiguous(reason: "HTTP \(reply.status) without data.id: \(reply.serverMessage)")
            }
            return .delivered(remoteID: id)
        case 403 where Self.isDuplicate(reply):
            return .permanent(reason: "X refused it as duplicate content (the account already posted this text): HTTP 403: \(reply.serverMessage)")
        case 401:
            // A 401 means nothing was posted, so trying again with a newer token is safe.
            if let fresh = reload(), fresh != token {
                token = fresh
                return .transient(reason: "HTTP 401: X refused the token; a newer one was read from the token file, trying again", notBefore: nil)
            }
            return .permanent(reason: "HTTP 401: X refused the token (expired or revoked? OAuth 2.0 user tokens last 2 hours unless refreshed): \(reply.serverMessage)")
        default:
            return failure(of: reply, pause: pause, now: current)
        }
    }

    /// `GET {url}/2/users/me`: proves the token works and names the account, posting nothing.
    public func check() async -> EndpointCheck {
        do {
            let reply = try await perform(client, url + "/2/users/me", bearer: token, timeout: timeout)
            guard reply.status == 200, let data = reply.json?["data"] as? [String: Any], let id = data["id"] as? String else {
                return .failed("GET /2/users/me answered HTTP \(reply.status): \(reply.serverMessage)")
            }
            let name = (data["username"] as? String).map { "@\($0)" } ?? "user"
            return .ok(account: "x:\(id)", description: "token works for \(name) (id \(id))")
        } catch {
            return .failed("GET /2/users/me: \(describeTransport(error))")
        }
    }
}
