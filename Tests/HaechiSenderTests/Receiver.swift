import Crypto
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization
@testable import HaechiSender

/// A real HTTP server on 127.0.0.1 (port chosen by the kernel) that behaves like a Mastodon
/// instance or a Standard Webhooks receiver: it checks the token or signature, stores each
/// idempotency key once (answering repeats with the stored id, as Mastodon does), counts every
/// post, and misbehaves on purpose when a test's fault plan says so.
final class Receiver: Sendable {
    enum Kind: Sendable {
        case mastodon(token: String, maxCharacters: Int)
        case webhook(secret: String)
    }

    /// What to do with one post, decided from its key and how many posts of that key came before.
    enum Fault: Sendable {
        case none
        /// Respond with this status (nothing stored), extra headers and body.
        case status(Int, headers: [(String, String)] = [], body: String = "")
        /// Store, then answer only after this many seconds (the sender may have given up by then).
        case slow(TimeInterval)
        /// Store, then close the connection without answering.
        case dropAfterStore
        /// Store and answer 200 with these extra headers (rate-limit headers, say).
        case storeWithHeaders([(String, String)])
    }

    struct Stored: Sendable {
        let id: String
        let text: String
        let language: String?
        let at: Date
    }

    struct State: Sendable {
        var posts: [String: [Date]] = [:]
        var stored: [String: Stored] = [:]
        var rejectedAuth = 0
        var instanceLookups = 0
        var nextID = 1
    }

    let kind: Kind
    let faults: @Sendable (_ key: String, _ previousPosts: Int) -> Fault
    /// Extra latency on every answer, e.g. to make a sender slow enough to kill mid-request.
    let delay: @Sendable () -> TimeInterval
    let state = Mutex(State())
    private let channel: any Channel
    let port: Int

    var url: String { "http://127.0.0.1:\(port)" }

    init(_ kind: Kind, delay: @escaping @Sendable () -> TimeInterval = { 0 },
         faults: @escaping @Sendable (String, Int) -> Fault = { _, _ in .none }) async throws {
        self.kind = kind
        self.faults = faults
        self.delay = delay
        let box = HandlerFactory()
        channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(ReceiverHandler(box.receiver.withLock { $0! }))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        port = channel.localAddress!.port!
        box.receiver.withLock { $0 = self }
    }

    func close() async {
        try? await channel.close()
    }

    final class HandlerFactory: Sendable {
        let receiver = Mutex<Receiver?>(nil)
    }

    // MARK: Views for assertions

    var snapshot: State { state.withLock { $0 } }

    /// Keys stored more than once: must always be empty at an idempotent receiver.
    func postsPerKey() -> [String: Int] { state.withLock { $0.posts.mapValues(\.count) } }

    // MARK: Handling

    struct Reply {
        var status: HTTPResponseStatus
        var headers: [(String, String)] = []
        var body: String = ""
        var delay: TimeInterval = 0
        var drop = false
    }

    func handle(_ head: HTTPRequestHead, _ body: ByteBuffer) -> Reply {
        switch kind {
        case .mastodon(let token, let maxCharacters):
            if head.method == .GET && head.uri == "/api/v2/instance" {
                state.withLock { $0.instanceLookups += 1 }
                return Reply(status: .ok, body: #"{"uri":"test","configuration":{"statuses":{"max_characters":\#(maxCharacters)}}}"#)
            }
            if head.method == .GET && head.uri == "/api/v1/accounts/verify_credentials" {
                guard head.headers.first(name: "Authorization") == "Bearer \(token)" else {
                    return Reply(status: .unauthorized, body: #"{"error":"The access token is invalid"}"#)
                }
                return Reply(status: .ok, body: #"{"id":"109876","username":"seoul","acct":"seoul"}"#)
            }
            guard head.method == .POST && head.uri == "/api/v1/statuses" else { return Reply(status: .notFound) }
            guard head.headers.first(name: "Authorization") == "Bearer \(token)" else {
                state.withLock { $0.rejectedAuth += 1 }
                return Reply(status: .unauthorized, body: #"{"error":"The access token is invalid"}"#)
            }
            guard let key = head.headers.first(name: "Idempotency-Key") else { return Reply(status: .badRequest, body: #"{"error":"no key"}"#) }
            let json = (try? JSONSerialization.jsonObject(with: Data(buffer: body))) as? [String: Any] ?? [:]
            return accept(key: key, text: json["status"] as? String ?? "", language: json["language"] as? String)
        case .webhook(let secret):
            guard head.method == .POST,
                  let id = head.headers.first(name: "webhook-id"),
                  let ts = head.headers.first(name: "webhook-timestamp"), let timestamp = Int(ts),
                  let signatures = head.headers.first(name: "webhook-signature") else {
                return Reply(status: .badRequest, body: #"{"error":"missing Standard Webhooks headers"}"#)
            }
            // Verified here independently of the sender's code: HMAC-SHA256 over "id.timestamp.body".
            let keyBytes = Data(base64Encoded: String(secret.dropFirst("whsec_".count)))!
            var signed = Data("\(id).\(timestamp).".utf8)
            signed.append(Data(buffer: body))
            let expected = Data(HMAC<SHA256>.authenticationCode(for: signed, using: SymmetricKey(data: keyBytes))).base64EncodedString()
            let valid = signatures.split(separator: " ").contains { $0 == "v1,\(expected)" }
            let fresh = abs(Date().timeIntervalSince1970 - Double(timestamp)) < 300
            guard valid, fresh, head.headers.first(name: "Idempotency-Key") == id else {
                state.withLock { $0.rejectedAuth += 1 }
                return Reply(status: .unauthorized, body: #"{"error":"bad signature"}"#)
            }
            let json = (try? JSONSerialization.jsonObject(with: Data(buffer: body))) as? [String: Any] ?? [:]
            let data = json["data"] as? [String: Any] ?? [:]
            return accept(key: id, text: data["text"] as? String ?? "", language: data["language"] as? String)
        }
    }

    private func accept(key: String, text: String, language: String?) -> Reply {
        let now = Date()
        let fault = state.withLock { s -> Fault in
            let previous = s.posts[key]?.count ?? 0
            s.posts[key, default: []].append(now)
            return faults(key, previous)
        }
        if case .status(let code, let headers, let body) = fault {
            return Reply(status: HTTPResponseStatus(statusCode: code), headers: headers, body: body, delay: delay())
        }
        let id = state.withLock { s -> String in
            if let existing = s.stored[key] { return existing.id }
            let id = String(s.nextID)
            s.nextID += 1
            s.stored[key] = Stored(id: id, text: text, language: language, at: now)
            return id
        }
        var reply = Reply(status: .ok, body: #"{"id":"\#(id)"}"#, delay: delay())
        switch fault {
        case .slow(let seconds): reply.delay += seconds
        case .dropAfterStore: reply.drop = true
        case .storeWithHeaders(let headers): reply.headers = headers
        default: break
        }
        return reply
    }
}

final class ReceiverHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart
    let receiver: Receiver
    var head: HTTPRequestHead?
    var body = ByteBuffer()

    init(_ receiver: Receiver) { self.receiver = receiver }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h):
            head = h
            body.clear()
        case .body(var part):
            body.writeBuffer(&part)
        case .end:
            guard let head else { return }
            let reply = receiver.handle(head, body)
            if reply.drop {
                context.close(promise: nil)
                return
            }
            let keepAlive = head.isKeepAlive
            let send = {
                var headers = HTTPHeaders()
                headers.add(name: "Content-Type", value: "application/json")
                headers.add(name: "Content-Length", value: String(reply.body.utf8.count))
                for (name, value) in reply.headers { headers.add(name: name, value: value) }
                context.write(self.wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: reply.status, headers: headers))), promise: nil)
                context.write(self.wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: reply.body)))), promise: nil)
                context.writeAndFlush(self.wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
                    if !keepAlive { context.close(promise: nil) }
                }
            }
            if reply.delay > 0 {
                context.eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(Int64(reply.delay * 1000))) { send() }
            } else {
                send()
            }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
