import Foundation
import NIOCore
import NIOHTTP1
import Synchronization

/// Faults the X and Graph stand-ins inject, decided from a post's text and how many posts of
/// that text came before.
enum PlatformFault: Sendable {
    case none
    /// Answer this status with this JSON text (nothing stored).
    case status(Int, String, headers: [(String, String)] = [])
    /// Store the post, then close the connection without answering.
    case dropAfterStore
}

/// X API v2 stand-in: `POST /2/tweets` needs `Authorization: Bearer <token>`, a JSON body whose
/// only key is `text`, and answers `201 {"data": {"id", "text"}}` with x-rate-limit-* headers;
/// a text the account already posted is refused with X's 403 duplicate-content problem;
/// `GET /2/users/me` names the account.
final class XStandIn: Sendable {
    struct State: Sendable {
        var posts: [String: String] = [:]     // id → text
        var attempts: [String: Int] = [:]     // text → POSTs that reached the server
        var times: [String: [Date]] = [:]     // text → when each POST arrived
        var userLookups = 0
        var rejectedAuth = 0
        var violations: [String] = []
        var nextID = 1_800_000_000_000_000_000
    }

    let token: String
    let userID: String
    let faults: @Sendable (String, Int) -> PlatformFault
    let state = Mutex(State())
    private let server: StandInServer
    var url: String { server.url }

    init(token: String = "x-user-token", userID: String = "1500000000000000001", alreadyPosted: [String] = [],
         faults: @escaping @Sendable (String, Int) -> PlatformFault = { _, _ in .none }) async throws {
        self.token = token; self.userID = userID; self.faults = faults
        let box = Mutex<XStandIn?>(nil)
        server = try await StandInServer { request in box.withLock { $0 }?.answer(request) ?? .init(status: 503) }
        box.withLock { $0 = self }
        state.withLock { s in for text in alreadyPosted { s.posts["old-\(s.posts.count)"] = text } }
    }

    func close() async { await server.close() }
    var snapshot: State { state.withLock { $0 } }

    func answer(_ request: StandInServer.Request) -> StandInServer.Reply {
        guard request.bearer == token else {
            state.withLock { $0.rejectedAuth += 1 }
            return .json(401, ["title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"])
        }
        switch (request.method, request.path) {
        case (.GET, "/2/users/me"):
            state.withLock { $0.userLookups += 1 }
            return .json(200, ["data": ["id": userID, "name": "서울특별시", "username": "seoul_haechi"]])
        case (.POST, "/2/tweets"):
            guard request.headers.first(name: "Content-Type")?.hasPrefix("application/json") == true,
                  let json = request.json, let text = json["text"] as? String, json.count == 1 else {
                state.withLock { $0.violations.append("POST /2/tweets body: \(String(decoding: request.body, as: UTF8.self))") }
                return .json(400, ["title": "Invalid Request", "detail": "One or more parameters to your request was invalid.", "type": "https://api.twitter.com/2/problems/invalid-request"])
            }
            let (fault, duplicate) = state.withLock { s -> (PlatformFault, Bool) in
                let previous = s.attempts[text] ?? 0
                s.attempts[text] = previous + 1
                s.times[text, default: []].append(Date())
                return (faults(text, previous), s.posts.values.contains(text))
            }
            let reset = String(Int(Date().timeIntervalSince1970) + 900)
            let limitHeaders = [("x-rate-limit-limit", "100"), ("x-rate-limit-remaining", "99"), ("x-rate-limit-reset", reset)]
            if case .status(let code, let body, let headers) = fault { return .init(status: code, headers: headers, body: body) }
            if duplicate {
                return .json(403, ["detail": "You are not allowed to create a Tweet with duplicate content.", "type": "about:blank",
                                   "title": "Forbidden", "status": 403], headers: limitHeaders)
            }
            let id = state.withLock { s -> String in
                s.nextID += 1
                s.posts[String(s.nextID)] = text
                return String(s.nextID)
            }
            if case .dropAfterStore = fault { return .init(status: 201, drop: true) }
            return .json(201, ["data": ["id": id, "text": text, "edit_history_tweet_ids": [id]]], headers: limitHeaders)
        default:
            state.withLock { $0.violations.append("unexpected \(request.method) \(request.path)") }
            return .json(404, ["title": "Not Found Error", "detail": "Sorry, that page does not exist.", "type": "about:blank"])
        }
    }
}

/// Graph API stand-in for one Page: `POST /{version}/{page-id}/feed` with a JSON body of
/// `message` and `access_token`, answering `{"id": "{page-id}_{post-id}"}`; errors in Graph's
/// `{"error": {"message", "type", "code", "fbtrace_id"}}` shape; `GET /{version}/{page-id}`.
final class FacebookStandIn: Sendable {
    struct State: Sendable {
        var posts: [String: String] = [:]    // id → message
        var attempts: [String: Int] = [:]
        var times: [String: [Date]] = [:]
        var pageLookups = 0
        var violations: [String] = []
        var nextID = 100
    }

    let pageID: String
    let token: String
    let version: String
    let faults: @Sendable (String, Int) -> PlatformFault
    let state = Mutex(State())
    private let server: StandInServer
    var url: String { server.url }

    init(pageID: String = "104958162837", token: String = "EAAB-page-token", version: String = "v26.0",
         faults: @escaping @Sendable (String, Int) -> PlatformFault = { _, _ in .none }) async throws {
        self.pageID = pageID; self.token = token; self.version = version; self.faults = faults
        let box = Mutex<FacebookStandIn?>(nil)
        server = try await StandInServer { request in box.withLock { $0 }?.answer(request) ?? .init(status: 503) }
        box.withLock { $0 = self }
    }

    func close() async { await server.close() }
    var snapshot: State { state.withLock { $0 } }

    static func graphError(_ status: Int, code: Int, _ message: String, transient: Bool = false) -> StandInServer.Reply {
        var error: [String: Any] = ["message": message, "type": "OAuthException", "code": code, "fbtrace_id": "AbCdEf123"]
        if transient { error["is_transient"] = true }
        return .json(status, ["error": error])
    }

    func answer(_ request: StandInServer.Request) -> StandInServer.Reply {
        switch (request.method, request.path) {
        case (.GET, "/\(version)/\(pageID)"):
            guard request.query["access_token"] == token else { return Self.graphError(400, code: 190, "Invalid OAuth access token - Cannot parse access token") }
            state.withLock { $0.pageLookups += 1 }
            return .json(200, ["id": pageID, "name": "서울특별시 Seoul"])
        case (.POST, "/\(version)/\(pageID)/feed"):
            guard let json = request.json, let message = json["message"] as? String else {
                state.withLock { $0.violations.append("feed body: \(String(decoding: request.body, as: UTF8.self))") }
                return Self.graphError(400, code: 100, "(#100) Invalid parameter")
            }
            guard json["access_token"] as? String == token else {
                return Self.graphError(400, code: 190, "Error validating access token: Session has expired on Tuesday, 01-Dec-26 05:00:00 PST.")
            }
            let fault = state.withLock { s -> PlatformFault in
                let previous = s.attempts[message] ?? 0
                s.attempts[message] = previous + 1
                s.times[message, default: []].append(Date())
                return faults(message, previous)
            }
            if case .status(let code, let body, let headers) = fault { return .init(status: code, headers: headers, body: body) }
            let id = state.withLock { s -> String in
                s.nextID += 1
                let id = "\(pageID)_\(s.nextID)"
                s.posts[id] = message
                return id
            }
            if case .dropAfterStore = fault { return .init(status: 200, drop: true) }
            return .json(200, ["id": id])
        default:
            state.withLock { $0.violations.append("unexpected \(request.method) \(request.path)") }
            return Self.graphError(400, code: 803, "(#803) Some of the aliases you requested do not exist")
        }
    }
}

/// JSON text of a literal, for fault bodies.
func jsonText(_ object: Any) -> String {
    String(decoding: (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data(), as: UTF8.self)
}
