import AsyncHTTPClient
import Crypto
import Foundation
import HaechiCore
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import Synchronization

/// Shared by every HTTP endpoint: one connection pool, redirects refused (a redirected POST
/// could carry the token to a host nobody configured).
public func makeHTTPClient(concurrency: Int, timeout: TimeInterval) -> HTTPClient {
    var configuration = HTTPClient.Configuration()
    configuration.redirectConfiguration = .disallow
    // Connecting gets half the request's time: a connection that is slow to open then fails as
    // a connect timeout (nothing was sent: safe to retry anywhere) before the whole request's
    // deadline can fire, which would have to be treated as "may have been posted".
    configuration.timeout = .init(connect: .milliseconds(Int64(min(timeout / 2, 10) * 1000)))
    configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: max(8, concurrency))
    return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
}

/// A response read in full (bodies here are small JSON documents).
struct HTTPReply: Sendable {
    let status: UInt
    let headers: HTTPHeaders
    let body: ByteBuffer

    var bodyText: String { String(buffer: body) }

    var json: [String: Any]? { (try? JSONSerialization.jsonObject(with: Data(buffer: body))) as? [String: Any] }

    /// The server's own explanation, trimmed for the ledger. Mastodon sends `{"error": …}`, the
    /// AT Protocol `{"error": name, "message": …}`, X `{"title", "detail"}` or `{"errors": [{"message"}]}`,
    /// the Graph API `{"error": {"message", "code", …}}`.
    var serverMessage: String {
        if let json {
            if let error = json["error"] as? String {
                if let message = json["message"] as? String, !message.isEmpty { return "\(error): \(message)" }
                return error
            }
            if let error = json["error"] as? [String: Any], let message = error["message"] as? String {
                return (error["code"] as? Int).map { "(#\($0)) " + message.replacingOccurrences(of: "(#\($0)) ", with: "") } ?? message
            }
            if let detail = json["detail"] as? String { return detail }
            if let errors = json["errors"] as? [[String: Any]], let first = errors.first,
               let message = (first["message"] as? String) ?? (first["detail"] as? String) { return message }
            if let message = json["message"] as? String { return message }
        }
        let text = bodyText.trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? "(no message)" : String(text.prefix(300))
    }
}

func perform(_ client: HTTPClient, _ request: HTTPClientRequest, timeout: TimeInterval) async throws -> HTTPReply {
    let deadline = NIODeadline.now() + .milliseconds(Int64(timeout * 1000))
    let response = try await client.execute(request, deadline: deadline)
    let body = try await response.body.collect(upTo: 1 << 20)
    return HTTPReply(status: response.status.code, headers: response.headers, body: body)
}

/// A request as every platform endpoint makes it: JSON asked for, a JSON body when there is
/// one, a Bearer token when given, then `headers` (the platform's own, e.g. an idempotency key).
func perform(_ client: HTTPClient, _ url: String, method: HTTPMethod = .GET, bearer: String? = nil,
             headers: [(String, String)] = [], json body: Data? = nil, timeout: TimeInterval) async throws -> HTTPReply {
    var request = HTTPClientRequest(url: url)
    request.method = method
    request.headers.add(name: "Accept", value: "application/json")
    if let bearer { request.headers.add(name: "Authorization", value: "Bearer \(bearer)") }
    if let body {
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(data: body))
    }
    for (name, value) in headers { request.headers.add(name: name, value: value) }
    return try await perform(client, request, timeout: timeout)
}

/// A delivery's request that got no answer, as the result it means for the post: nothing was
/// sent (transient, safe to retry anywhere) or it may have been (ambiguous), `transportFailure`.
struct NoAnswer: Error {
    let result: DeliveryResult
}

/// `perform` for posting: a transport failure comes back as its `NoAnswer`, so a deliver reads
/// `do { reply = try await deliveryRequest(…) } catch { return error.result }`.
func deliveryRequest(_ client: HTTPClient, _ url: String, bearer: String? = nil, headers: [(String, String)] = [],
                     json body: Data, timeout: TimeInterval) async throws(NoAnswer) -> HTTPReply {
    do {
        return try await perform(client, url, method: .POST, bearer: bearer, headers: headers, json: body, timeout: timeout)
    } catch {
        throw NoAnswer(result: transportFailure(error))
    }
}

/// Status codes worth another try (RFC 9110 and the issue): 408, 429 and every 5xx.
func isTransient(_ status: UInt) -> Bool { status == 408 || status == 429 || (500...599).contains(status) }

/// The HTTP error classes of AsyncHTTPClient and NIO carry no credentials, but may be long;
/// they go to the ledger as the retry reason.
func describeTransport(_ error: any Error) -> String {
    if let e = error as? HTTPClientError {
        if e == .deadlineExceeded || e == .readTimeout { return "timed out" }
        if e == .remoteConnectionClosed { return "connection closed before the response" }
        return "HTTP client error: \(e)"
    }
    return "connection error: \(error)"
}

/// A transport failure either happened before the request could reach the server (nothing was
/// posted: safe to try again anywhere) or after it left (the post may exist).
func transportFailure(_ error: any Error) -> DeliveryResult {
    let reason = describeTransport(error)
    return failedBeforeSending(error) ? .transient(reason: reason, notBefore: nil) : .ambiguous(reason: reason)
}

func failedBeforeSending(_ error: any Error) -> Bool {
    if let e = error as? HTTPClientError, e == .connectTimeout { return true }
    if let e = error as? IOError, [ECONNREFUSED, ENETUNREACH, EHOSTUNREACH, ECONNRESET].contains(e.errnoCode) {
        // ECONNRESET while connecting: refused by a proxy or a firewall; nothing was sent.
        return e.errnoCode != ECONNRESET || e.description.contains("connect")
    }
    if let e = error as? ChannelError, case .connectTimeout = e { return true }
    // NIOPosix's NIOConnectionError (all connection attempts failed) is not visible from here
    // without importing NIOPosix; its type name is stable.
    return String(reflecting: type(of: error)).hasSuffix("NIOConnectionError")
}

/// The rate-limit header families the platforms send: Mastodon `X-RateLimit-*`, X
/// `x-rate-limit-*` (epoch seconds), the AT Protocol PDS `RateLimit-*` (epoch seconds).
/// Header names are compared without regard to case.
let rateLimitHeaderFamilies = ["X-RateLimit-", "X-Rate-Limit-", "RateLimit-"]

/// What the rate-limit headers of one response say: nil when there are none; otherwise
/// whether the window is used up and, if so, when it resets.
func rateLimitWindow(_ headers: HTTPHeaders, now: Date) -> (exhausted: Bool, reset: Date?)? {
    for family in rateLimitHeaderFamilies {
        guard let remaining = headers.first(name: family + "Remaining").flatMap({ Int($0.trimmingCharacters(in: .whitespaces)) }) else { continue }
        let reset = remaining <= 0 ? headers.first(name: family + "Reset").flatMap { RateLimitReset.parse($0, now: now) } : nil
        return (remaining <= 0, reset)
    }
    return nil
}

/// The later of Retry-After and the rate-limit reset, if either is given.
func serverNotBefore(_ headers: HTTPHeaders, now: Date) -> Date? {
    let retryAfter = headers.first(name: "Retry-After").flatMap { RetryAfter.parse($0, now: now) }
    let reset = rateLimitWindow(headers, now: now)?.reset
    switch (retryAfter, reset) {
    case let (a?, b?): return max(a, b)
    case let (a?, nil): return a
    case let (nil, b?): return b
    default: return nil
    }
}

/// When an endpoint takes requests again after its rate limit ran out. Read by the drain loop
/// without waiting for the endpoint's actor, hence a mutex.
final class EndpointPause: Sendable {
    private let until = Mutex<Date?>(nil)

    func readyAt(now: Date) -> Date? {
        until.withLock { until in until.flatMap { $0 > now ? $0 : nil } }
    }

    /// After every response: the headers open or close the window.
    func note(_ headers: HTTPHeaders, now: Date) {
        guard let window = rateLimitWindow(headers, now: now) else { return }
        until.withLock { $0 = window.exhausted ? window.reset : nil }
    }

    /// A 429 (or a platform's own throttling error) with a time: nothing before it.
    func hold(until date: Date) {
        until.withLock { $0 = max($0 ?? date, date) }
    }
}

/// The usual mapping of an answer that is neither success nor a platform-specific case:
/// 408/429/5xx are retried (never before the server's time; a 429 pauses the whole endpoint),
/// everything else is dead with the server's own message.
func failure(of reply: HTTPReply, pause: EndpointPause, now: Date) -> DeliveryResult {
    if isTransient(reply.status) {
        let notBefore = serverNotBefore(reply.headers, now: now)
        if reply.status == 429, let notBefore { pause.hold(until: notBefore) }
        return .transient(reason: "HTTP \(reply.status): \(reply.serverMessage)", notBefore: notBefore)
    }
    return .permanent(reason: "HTTP \(reply.status): \(reply.serverMessage)")
}

// MARK: - Mastodon

/// `POST {url}/api/v1/statuses` with a Bearer token and `Idempotency-Key`. Mastodon remembers the
/// key for about an hour and answers a repeat with the status it already created.
public actor MastodonEndpoint: Endpoint {
    public nonisolated let config: EndpointConfig
    public nonisolated var idempotent: Bool { true }
    private let client: HTTPClient
    private let url: String
    private let token: String
    private let visibility: String
    private let timeout: TimeInterval
    private let now: @Sendable () -> Date
    private var maxCharacters: Int?
    private var limitLookup: Task<Result<Int, DeliveryResultError>, Never>?
    /// When X-RateLimit-Remaining reached 0: no request before the reset.
    private let pause = EndpointPause()

    public init(config: EndpointConfig, token: String, client: HTTPClient, timeout: TimeInterval, now: @escaping @Sendable () -> Date) {
        guard case .mastodon(let url, _, let visibility) = config.kind else { preconditionFailure("not a mastodon endpoint") }
        self.config = config; self.client = client; self.url = url; self.token = token; self.visibility = visibility
        self.timeout = timeout; self.now = now
    }

    public nonisolated func readyAt(now: Date) -> Date? {
        pause.readyAt(now: now)
    }

    /// The instance's limit (`configuration.statuses.max_characters`, 500 when not given), read
    /// once. Concurrent first posts share one lookup; a failed lookup is tried again next time.
    private func characterLimit() async -> Result<Int, DeliveryResultError> {
        if let maxCharacters { return .success(maxCharacters) }
        let lookup: Task<Result<Int, DeliveryResultError>, Never>
        if let running = limitLookup {
            lookup = running
        } else {
            let (client, url, timeout) = (self.client, self.url, self.timeout)
            lookup = Task { await Self.fetchLimit(client: client, url: url, timeout: timeout) }
            limitLookup = lookup
        }
        let result = await lookup.value
        limitLookup = nil
        if case .success(let n) = result { maxCharacters = n }
        return result
    }

    private static func fetchLimit(client: HTTPClient, url: String, timeout: TimeInterval) async -> Result<Int, DeliveryResultError> {
        do {
            let reply = try await perform(client, url + "/api/v2/instance", timeout: timeout)
            guard reply.status == 200 else {
                return .failure(DeliveryResultError(reason: "instance lookup answered HTTP \(reply.status)", transient: isTransient(reply.status) || reply.status == 404))
            }
            var limit = 500
            if let json = try? JSONSerialization.jsonObject(with: Data(buffer: reply.body)) as? [String: Any],
               let configuration = json["configuration"] as? [String: Any],
               let statuses = configuration["statuses"] as? [String: Any],
               let n = statuses["max_characters"] as? Int, n > 0 {
                limit = n
            }
            return .success(limit)
        } catch {
            return .failure(DeliveryResultError(reason: "instance lookup: \(describeTransport(error))", transient: true))
        }
    }

    public func deliver(_ post: Post) async -> DeliveryResult {
        let limit: Int
        switch await characterLimit() {
        case .success(let n): limit = n
        case .failure(let e): return e.transient ? .transient(reason: e.reason, notBefore: nil) : .permanent(reason: e.reason)
        }
        let text = post.text
        let length = TextLength.count(text, rule: .characters)
        if length > limit {
            return .permanent(reason: "post is \(length) characters; the instance allows \(limit)")
        }
        let body: [String: String] = ["status": text, "language": post.language.rawValue, "visibility": visibility]
        let reply: HTTPReply
        do {
            reply = try await deliveryRequest(client, url + "/api/v1/statuses", bearer: token,
                                              headers: [("Idempotency-Key", post.key)], json: jsonBody(body), timeout: timeout)
        } catch {
            return error.result
        }
        let current = now()
        pause.note(reply.headers, now: current)
        switch reply.status {
        case 200..<300:
            let json = reply.json
            let id = (json?["id"] as? String) ?? (json?["id"] as? Int).map(String.init) ?? "?"
            return .delivered(remoteID: id)
        case 401, 403:
            return .permanent(reason: "HTTP \(reply.status): the token was refused: \(reply.serverMessage)")
        default:
            return failure(of: reply, pause: pause, now: current)
        }
    }
}

extension MastodonEndpoint: CheckableEndpoint {
    /// `GET {url}/api/v1/accounts/verify_credentials`: names the account, posting nothing. A
    /// token made only for posting (`write:statuses`) may not read its account: Mastodon then
    /// answers 403 for the scope, which still proves the token itself is accepted (a bad one
    /// gets 401).
    public func check() async -> EndpointCheck {
        do {
            let reply = try await perform(client, url + "/api/v1/accounts/verify_credentials", bearer: token, timeout: timeout)
            switch reply.status {
            case 200:
                guard let id = (reply.json?["id"] as? String) ?? (reply.json?["id"] as? Int).map(String.init) else {
                    return .failed("verify_credentials answered without an id")
                }
                let acct = (reply.json?["acct"] as? String).map { "@\($0)" } ?? "account \(id)"
                return .ok(account: "mastodon:\(EndpointConfig.origin(url))/\(id)", description: "token works for \(acct)")
            case 403:
                return .ok(account: nil, description: "token accepted (it may not read its account, so the account is not named: \(reply.serverMessage))")
            default:
                return .failed("verify_credentials answered HTTP \(reply.status): \(reply.serverMessage)")
            }
        } catch {
            return .failed("verify_credentials: \(describeTransport(error))")
        }
    }
}

struct DeliveryResultError: Error, Sendable {
    let reason: String
    let transient: Bool
}

// MARK: - Webhook

/// Standard Webhooks (standardwebhooks.com): `webhook-id` is the idempotency key, so the receiver
/// can drop repeats; the signature covers id, timestamp and body so neither can be replayed apart.
public actor WebhookEndpoint: Endpoint {
    public nonisolated let config: EndpointConfig
    public nonisolated let idempotent: Bool
    private let client: HTTPClient
    private let url: String
    private let key: SymmetricKey
    private let timeout: TimeInterval
    private let now: @Sendable () -> Date
    /// 410 Gone: the receiver asked to be disabled; nothing more goes there in this run.
    private var gone: String?
    private let pause = EndpointPause()

    public struct BadSecret: Error, CustomStringConvertible, Sendable { public let description: String }

    /// `whsec_` followed by base64 of the key bytes.
    public static func secretKey(_ secret: String) throws -> SymmetricKey {
        guard secret.hasPrefix("whsec_") else { throw BadSecret(description: "webhook secret must start with whsec_") }
        guard let bytes = Data(base64Encoded: String(secret.dropFirst(6))), bytes.count >= 16 else {
            throw BadSecret(description: "webhook secret after whsec_ must be base64 of at least 16 bytes")
        }
        return SymmetricKey(data: bytes)
    }

    /// `v1,` + base64(HMAC-SHA256(key, "id.timestamp.body")).
    public static func signature(key: SymmetricKey, id: String, timestamp: Int, body: Data) -> String {
        var signed = Data("\(id).\(timestamp).".utf8)
        signed.append(body)
        let mac = HMAC<SHA256>.authenticationCode(for: signed, using: key)
        return "v1," + Data(mac).base64EncodedString()
    }

    public init(config: EndpointConfig, secret: String, client: HTTPClient, timeout: TimeInterval, now: @escaping @Sendable () -> Date) throws {
        guard case .webhook(let url, _, let idempotent) = config.kind else { preconditionFailure("not a webhook endpoint") }
        self.config = config; self.idempotent = idempotent; self.client = client; self.url = url
        self.key = try Self.secretKey(secret); self.timeout = timeout; self.now = now
    }

    public nonisolated func readyAt(now: Date) -> Date? {
        pause.readyAt(now: now)
    }

    /// The payload: Standard Webhooks' `{type, timestamp, data}` envelope.
    static func payload(_ post: Post, at: Date) -> Data {
        let m = post.message
        var data: [String: Any] = [
            "id": m.id, "key": post.key, "channel": post.channel, "language": post.language.rawValue,
            "mode": m.mode.rawValue, "class": m.kind.rawValue, "text": post.text, "operator": m.operator,
            "created": RecordCoding.formatTimestamp(m.created),
        ]
        if let incident = m.incident { data["incident"] = incident }
        if let corrects = m.corrects { data["corrects"] = corrects }
        let envelope: [String: Any] = [
            "type": post.isCorrection ? "message.corrected" : "message.created",
            "timestamp": RecordCoding.formatTimestamp(at), "data": data,
        ]
        return (try? JSONSerialization.data(withJSONObject: envelope, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
    }

    public func deliver(_ post: Post) async -> DeliveryResult {
        if let gone { return .permanent(reason: gone) }
        let sentAt = now()
        let timestamp = Int(sentAt.timeIntervalSince1970)
        let body = Self.payload(post, at: sentAt)
        let headers = [("webhook-id", post.key), ("webhook-timestamp", String(timestamp)),
                       ("webhook-signature", Self.signature(key: key, id: post.key, timestamp: timestamp, body: body)),
                       ("Idempotency-Key", post.key)]
        let reply: HTTPReply
        do {
            reply = try await deliveryRequest(client, url, headers: headers, json: body, timeout: timeout)
        } catch {
            return error.result
        }
        switch reply.status {
        case 200..<300:
            let json = try? JSONSerialization.jsonObject(with: Data(buffer: reply.body)) as? [String: Any]
            let id = (json?["id"] as? String) ?? (json?["id"] as? Int).map(String.init) ?? post.key
            return .delivered(remoteID: id)
        case 410:
            let reason = "HTTP 410: the receiver disabled this endpoint: \(reply.serverMessage)"
            gone = reason
            return .permanent(reason: reason)
        default:
            return failure(of: reply, pause: pause, now: now())
        }
    }
}

/// The JSON body every platform endpoint sends: sorted keys and unescaped slashes (so URLs in a
/// text stay readable on the wire).
func jsonBody(_ object: [String: Any]) -> Data {
    (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
}
