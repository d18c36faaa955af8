import Foundation
import NIOCore
import NIOHTTP1
import Synchronization

/// A Bluesky PDS stand-in that checks each request the way a PDS does: XRPC paths and methods,
/// the session flow (createSession with handle and app password; access tokens that expire and
/// answer 400 ExpiredToken; refreshSession with the refresh token, which is then spent), record
/// keys that must be TIDs for `app.bsky.feed.post`, the post record's shape (`$type`, `text`
/// within 300 graphemes and 3000 bytes, RFC 3339 `createdAt`, at most three `langs`) and every
/// facet's UTF-8 byte range against the text. Like the real repository tree, a second create of
/// an existing key fails with a 500.
final class BlueskyStandIn: Sendable {
    enum Fault: Sendable {
        case none
        /// Answer this instead of creating (nothing stored).
        case status(Int, String, headers: [(String, String)] = [])
        /// Create the record, then close the connection without answering.
        case dropAfterCreate
    }

    struct Record: Sendable {
        let rkey: String
        let text: String
        let langs: [String]
        let facets: [[String: String]]
        let createdAt: String
    }

    struct State: Sendable {
        var records: [String: Record] = [:]
        /// createRecord calls per rkey that reached the repository (including refused repeats).
        var creates: [String: Int] = [:]
        var duplicateCreates = 0
        var sessionsCreated = 0
        var refreshes = 0
        var getSessions = 0
        var expiredAnswers = 0
        var badPassword = 0
        /// Access tokens and when they expire; refresh tokens still valid.
        var access: [String: Date] = [:]
        var refresh: Set<String> = []
        var nextToken = 1
        /// Every problem the stand-in found in a request (must stay empty).
        var violations: [String] = []
        var requests = 0
    }

    let handle: String
    let password: String
    let did: String
    let accessLifetime: TimeInterval
    /// Expire every access token after each this many records created: sessions run out in the
    /// middle of a drain however fast or slow the machine is.
    let expireEvery: Int?
    let faults: @Sendable (_ text: String, _ previousCreates: Int) -> Fault
    let state = Mutex(State())
    private let server: StandInServer
    var url: String { server.url }

    static var tidPattern: Regex<Substring> { /[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}/ }

    init(handle: String = "seoul.bsky.social", password: String = "abcd-efgh-ijkl-mnop", did: String = "did:plc:seoulcityhall00000000001",
         accessLifetime: TimeInterval = 3600, expireEvery: Int? = nil, delay: @escaping @Sendable () -> TimeInterval = { 0 },
         faults: @escaping @Sendable (String, Int) -> Fault = { _, _ in .none }) async throws {
        self.handle = handle; self.password = password; self.did = did; self.accessLifetime = accessLifetime; self.expireEvery = expireEvery; self.faults = faults
        let box = Mutex<BlueskyStandIn?>(nil)
        server = try await StandInServer { request in
            guard let me = box.withLock({ $0 }) else { return .init(status: 503) }
            var reply = me.answer(request)
            reply.delay += delay()
            return reply
        }
        box.withLock { $0 = self }
    }

    func close() async { await server.close() }
    var snapshot: State { state.withLock { $0 } }

    static func error(_ status: Int, _ name: String, _ message: String) -> StandInServer.Reply {
        .json(status, ["error": name, "message": message])
    }

    private func violation(_ text: String) -> StandInServer.Reply {
        state.withLock { $0.violations.append(text) }
        return Self.error(400, "InvalidRequest", text)
    }

    /// Issues a new access and refresh token pair.
    private func issue() -> [String: Any] {
        state.withLock { s in
            let n = s.nextToken
            s.nextToken += 1
            s.access["acc-\(n)"] = Date().addingTimeInterval(accessLifetime)
            s.refresh.insert("ref-\(n)")
            return ["accessJwt": "acc-\(n)", "refreshJwt": "ref-\(n)", "handle": handle, "did": did, "active": true]
        }
    }

    /// nil when the access token is good; otherwise the PDS's answer.
    private func authorize(_ request: StandInServer.Request) -> StandInServer.Reply? {
        guard let token = request.bearer else { return Self.error(401, "AuthMissing", "Authentication Required") }
        return state.withLock { s -> StandInServer.Reply? in
            guard let expiry = s.access[token] else { return Self.error(400, "InvalidToken", "Token could not be verified") }
            if expiry <= Date() {
                s.expiredAnswers += 1
                return Self.error(400, "ExpiredToken", "Token has expired")
            }
            return nil
        }
    }

    func expireAllAccessTokens() {
        state.withLock { s in for key in s.access.keys { s.access[key] = .distantPast } }
    }

    func answer(_ request: StandInServer.Request) -> StandInServer.Reply {
        state.withLock { $0.requests += 1 }
        switch (request.method, request.path) {
        case (.POST, "/xrpc/com.atproto.server.createSession"):
            guard let json = request.json, let identifier = json["identifier"] as? String, let pw = json["password"] as? String else {
                return violation("createSession needs identifier and password")
            }
            guard identifier == handle, pw == password else {
                state.withLock { $0.badPassword += 1 }
                return Self.error(401, "AuthenticationRequired", "Invalid identifier or password")
            }
            state.withLock { $0.sessionsCreated += 1 }
            return .json(200, issue())
        case (.POST, "/xrpc/com.atproto.server.refreshSession"):
            guard let token = request.bearer else { return Self.error(401, "AuthMissing", "Authentication Required") }
            let valid = state.withLock { s in s.refresh.remove(token) != nil }
            guard valid else { return Self.error(400, "ExpiredToken", "Token has been revoked") }
            state.withLock { $0.refreshes += 1 }
            return .json(200, issue())
        case (.GET, "/xrpc/com.atproto.server.getSession"):
            if let refused = authorize(request) { return refused }
            state.withLock { $0.getSessions += 1 }
            return .json(200, ["handle": handle, "did": did, "active": true])
        case (.GET, "/xrpc/com.atproto.repo.getRecord"):
            guard request.query["repo"] == did || request.query["repo"] == handle,
                  request.query["collection"] == "app.bsky.feed.post", let rkey = request.query["rkey"] else {
                return violation("getRecord with repo \(request.query["repo"] ?? "-") collection \(request.query["collection"] ?? "-")")
            }
            guard let record = state.withLock({ $0.records[rkey] }) else {
                return Self.error(400, "RecordNotFound", "Could not locate record: at://\(did)/app.bsky.feed.post/\(rkey)")
            }
            return .json(200, ["uri": "at://\(did)/app.bsky.feed.post/\(rkey)", "cid": "bafy-\(rkey)", "value": ["text": record.text]])
        case (.POST, "/xrpc/com.atproto.repo.createRecord"):
            if let refused = authorize(request) { return refused }
            return create(request)
        default:
            return violation("unexpected \(request.method) \(request.path)")
        }
    }

    private func create(_ request: StandInServer.Request) -> StandInServer.Reply {
        guard request.headers.first(name: "Content-Type")?.hasPrefix("application/json") == true else {
            return violation("createRecord without a JSON content type")
        }
        guard let json = request.json else { return violation("createRecord body is not JSON") }
        guard json["repo"] as? String == did else { return violation("createRecord for repo \(json["repo"] ?? "-")") }
        guard json["collection"] as? String == "app.bsky.feed.post" else { return violation("collection \(json["collection"] ?? "-")") }
        guard let rkey = json["rkey"] as? String, rkey.wholeMatch(of: Self.tidPattern) != nil else {
            return violation("Invalid record key for app.bsky.feed.post: \(json["rkey"] ?? "-") is not a TID")
        }
        guard let record = json["record"] as? [String: Any], record["$type"] as? String == "app.bsky.feed.post" else {
            return violation("record without $type app.bsky.feed.post")
        }
        guard let text = record["text"] as? String else { return violation("record.text missing") }
        guard text.count <= 300, text.utf8.count <= 3000 else { return violation("text over 300 graphemes or 3000 bytes") }
        guard let createdAt = record["createdAt"] as? String, (try? Date(createdAt, strategy: .iso8601)) != nil
                || RFC3339.parse(createdAt) != nil else {
            return violation("createdAt is not an RFC 3339 datetime: \(record["createdAt"] ?? "-")")
        }
        let langs = record["langs"] as? [String] ?? []
        guard langs.count <= 3 else { return violation("more than 3 langs") }
        var facets: [[String: String]] = []
        let bytes = Array(text.utf8)
        for case let facet as [String: Any] in record["facets"] as? [Any] ?? [] {
            guard let index = facet["index"] as? [String: Any], let start = index["byteStart"] as? Int, let end = index["byteEnd"] as? Int,
                  0 <= start, start < end, end <= bytes.count else {
                return violation("facet index out of the text's \(bytes.count) bytes: \(facet)")
            }
            // The slice must be whole characters: an offset counted in characters or UTF-16
            // units lands inside a Hangul syllable and fails here.
            guard let slice = String(validating: bytes[start..<end], as: UTF8.self) else {
                return violation("facet \(start)..<\(end) cuts a character in two")
            }
            guard let features = facet["features"] as? [[String: Any]], let feature = features.first, features.count == 1 else {
                return violation("facet without exactly one feature")
            }
            switch feature["$type"] as? String {
            case "app.bsky.richtext.facet#link":
                guard let uri = feature["uri"] as? String, uri == slice else { return violation("link facet \(slice) has uri \(feature["uri"] ?? "-")") }
                facets.append(["link": uri, "at": "\(start)..<\(end)"])
            case "app.bsky.richtext.facet#tag":
                guard let tag = feature["tag"] as? String, "#" + tag == slice || "＃" + tag == slice, !tag.hasPrefix("#") else {
                    return violation("tag facet \(slice) has tag \(feature["tag"] ?? "-")")
                }
                facets.append(["tag": tag, "at": "\(start)..<\(end)"])
            default:
                return violation("unknown facet feature \(feature["$type"] ?? "-")")
            }
        }
        let (fault, exists) = state.withLock { s -> (Fault, Bool) in
            let previous = s.creates[rkey] ?? 0
            s.creates[rkey] = previous + 1
            return (faults(text, previous), s.records[rkey] != nil)
        }
        if case .status(let code, let body, let headers) = fault { return .init(status: code, headers: headers, body: body) }
        if exists {
            // What the PDS's repository tree does with a second value at one key.
            state.withLock { $0.duplicateCreates += 1 }
            return Self.error(500, "InternalServerError", "Internal Server Error")
        }
        state.withLock { s in
            s.records[rkey] = Record(rkey: rkey, text: text, langs: langs, facets: facets, createdAt: createdAt)
            if let n = expireEvery, s.records.count % n == 0 { for key in s.access.keys { s.access[key] = .distantPast } }
        }
        if case .dropAfterCreate = fault { return .init(status: 200, drop: true) }
        return .json(200, ["uri": "at://\(did)/app.bsky.feed.post/\(rkey)", "cid": "bafy-\(rkey)",
                           "commit": ["cid": "bafy-commit", "rev": "3l"], "validationStatus": "valid"])
    }
}

enum RFC3339 {
    static func parse(_ s: String) -> Date? {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.date(from: s) ?? ISO8601DateFormatter().date(from: s)
    }
}
