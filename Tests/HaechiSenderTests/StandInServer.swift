import Foundation
import HaechiCore
@testable import HaechiSender
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A real HTTP/1.1 server on 127.0.0.1 (kernel-chosen port) whose every answer comes from a
/// closure: the platform stand-ins (X, Bluesky PDS, Graph API) are plain functions from request
/// to reply on top of it.
final class StandInServer: Sendable {
    struct Request: Sendable {
        let method: HTTPMethod
        /// Path without the query.
        let path: String
        let query: [String: String]
        let headers: HTTPHeaders
        let body: Data

        var json: [String: Any]? { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] }
        var bearer: String? {
            guard let value = headers.first(name: "Authorization"), value.hasPrefix("Bearer ") else { return nil }
            return String(value.dropFirst("Bearer ".count))
        }
    }

    struct Reply: Sendable {
        var status: Int
        var headers: [(String, String)] = []
        var body: String = ""
        /// Close the connection instead of answering (after whatever the handler stored).
        var drop = false
        var delay: TimeInterval = 0

        static func json(_ status: Int, _ object: Any, headers: [(String, String)] = []) -> Reply {
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
            return Reply(status: status, headers: headers, body: String(decoding: data, as: UTF8.self))
        }
    }

    private let channel: any Channel
    let port: Int
    var url: String { "http://127.0.0.1:\(port)" }

    init(_ handle: @escaping @Sendable (Request) -> Reply) async throws {
        channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(StandInHandler(handle))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        port = channel.localAddress!.port!
    }

    func close() async { try? await channel.close() }
}

final class StandInHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart
    let handle: @Sendable (StandInServer.Request) -> StandInServer.Reply
    var head: HTTPRequestHead?
    var body = ByteBuffer()

    init(_ handle: @escaping @Sendable (StandInServer.Request) -> StandInServer.Reply) { self.handle = handle }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h):
            head = h
            body.clear()
        case .body(var part):
            body.writeBuffer(&part)
        case .end:
            guard let head else { return }
            let components = URLComponents(string: head.uri)
            var query: [String: String] = [:]
            for item in components?.queryItems ?? [] { query[item.name] = item.value ?? "" }
            let request = StandInServer.Request(method: head.method, path: components?.path ?? head.uri, query: query,
                                                headers: head.headers, body: Data(body.readableBytesView))
            let reply = handle(request)
            if reply.drop {
                context.close(promise: nil)
                return
            }
            let keepAlive = head.isKeepAlive
            let send = {
                var headers = HTTPHeaders()
                headers.add(name: "Content-Type", value: "application/json; charset=utf-8")
                headers.add(name: "Content-Length", value: String(reply.body.utf8.count))
                for (name, value) in reply.headers { headers.add(name: name, value: value) }
                let status = HTTPResponseStatus(statusCode: reply.status)
                context.write(self.wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))), promise: nil)
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

/// The Korean post of a test message on one channel, as the drain loop would hand it over.
func koreanPost(_ m: OutboxMessage, _ channel: String) -> Post {
    Post(message: m, channel: channel, language: .ko)
}
