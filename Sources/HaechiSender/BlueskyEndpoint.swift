import AsyncHTTPClient
import Crypto
import Foundation
import HaechiCore
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// Bluesky over the AT Protocol (lexicons in bluesky-social/atproto):
/// `com.atproto.server.createSession` with the handle and an app password, tokens kept in memory
/// and renewed with `refreshSession` when the PDS answers `ExpiredToken`; each post is a
/// `com.atproto.repo.createRecord` of an `app.bsky.feed.post` with `text`, `createdAt`, `langs`
/// and facets for links and hashtags.
///
/// Idempotent by construction: the record key is derived from the post's idempotency key, and
/// before creating, `com.atproto.repo.getRecord` asks whether that record is already there. A
/// retry after a crash or a cut connection therefore finds the post instead of making a second
/// one. (The PDS cannot be asked to create "only if absent": a second create of the same key
/// fails inside its repository tree, so the look comes first.)
public actor BlueskyEndpoint: Endpoint {
    public nonisolated let config: EndpointConfig
    public nonisolated var idempotent: Bool { true }
    private let client: HTTPClient
    private let url: String
    private let handle: String
    private let password: String
    private let timeout: TimeInterval
    private let now: @Sendable () -> Date
    private let pause = EndpointPause()

    struct Session: Sendable {
        let access: String
        let refresh: String
        let did: String
        /// Which session this is, so concurrent posts that all saw it expire renew it once.
        let generation: Int
    }

    struct SessionError: Error, Sendable {
        let result: DeliveryResult
    }

    private var session: Session?
    /// The PDS refused the handle and app password: every later post would be refused the same
    /// way, and repeated failed logins count against the account, so none is tried again in this run.
    private var loginRefused: DeliveryResult?
    private var renewal: Task<Result<Session, SessionError>, Never>?
    private var generation = 0

    static let collection = "app.bsky.feed.post"

    public init(config: EndpointConfig, password: String, client: HTTPClient, timeout: TimeInterval, now: @escaping @Sendable () -> Date) {
        guard case .bluesky(let url, let handle, _) = config.kind else { preconditionFailure("not a bluesky endpoint") }
        self.config = config; self.client = client; self.url = url; self.handle = handle; self.password = password
        self.timeout = timeout; self.now = now
    }

    public nonisolated func readyAt(now: Date) -> Date? { pause.readyAt(now: now) }

    // MARK: Session

    /// The current session, creating one on first use. Concurrent callers share one request.
    private func currentSession() async -> Result<Session, SessionError> {
        if let session { return .success(session) }
        return await renew(after: nil)
    }

    /// A new session after `stale` was refused as expired: `refreshSession` with its refresh
    /// token, or a fresh `createSession` when there is none or it was refused too. If another
    /// post already renewed it, that session is used.
    private func renew(after stale: Session?) async -> Result<Session, SessionError> {
        if let session, session.generation != stale?.generation { return .success(session) }
        let task: Task<Result<Session, SessionError>, Never>
        if let running = renewal {
            task = running
        } else {
            let refreshToken = stale?.refresh
            task = Task { await self.openSession(refreshing: refreshToken) }
            renewal = task
        }
        let result = await task.value
        renewal = nil
        return result
    }

    private func openSession(refreshing refreshToken: String?) async -> Result<Session, SessionError> {
        if let refreshToken {
            switch await sessionRequest("com.atproto.server.refreshSession", body: nil, bearer: refreshToken) {
            case .success(let s): return .success(s)
            case .failure(let e):
                // An expired or revoked refresh token is no reason to stop: the app password
                // opens a new session. Anything else (rate limit, server down) is reported.
                guard case .permanent = e.result else { return .failure(e) }
            }
        }
        if let loginRefused { return .failure(SessionError(result: loginRefused)) }
        let created = await sessionRequest("com.atproto.server.createSession", body: ["identifier": handle, "password": password], bearer: nil)
        if case .failure(let e) = created, case .permanent = e.result { loginRefused = e.result }
        return created
    }

    private func sessionRequest(_ nsid: String, body: [String: Any]?, bearer: String?) async -> Result<Session, SessionError> {
        let reply: HTTPReply
        do {
            reply = try await xrpc(nsid, post: true, body: body, bearer: bearer)
        } catch {
            // Opening a session posts nothing: any transport failure is safe to try again.
            return .failure(SessionError(result: .transient(reason: "\(nsid): \(describeTransport(error))", notBefore: nil)))
        }
        pause.note(reply.headers, now: now())
        guard reply.status == 200 else {
            var result = failure(of: reply, pause: pause, now: now())
            if case .permanent(let reason) = result { result = .permanent(reason: "\(nsid) for @\(handle) refused: \(reason)") }
            return .failure(SessionError(result: result))
        }
        guard let json = reply.json, let access = json["accessJwt"] as? String, let refresh = json["refreshJwt"] as? String,
              let did = json["did"] as? String else {
            return .failure(SessionError(result: .transient(reason: "\(nsid) answered without accessJwt, refreshJwt and did", notBefore: nil)))
        }
        generation += 1
        let s = Session(access: access, refresh: refresh, did: did, generation: generation)
        session = s
        return .success(s)
    }

    /// `ExpiredToken` is how a PDS says the access token's time is up (HTTP 400, or 401 through
    /// the entryway); `InvalidToken` after a server restart with new keys. Both mean: renew.
    static func sessionExpired(_ reply: HTTPReply) -> Bool {
        guard reply.status == 400 || reply.status == 401, let error = reply.json?["error"] as? String else { return false }
        return error == "ExpiredToken" || error == "InvalidToken"
    }

    // MARK: Posting

    public func deliver(_ post: Post) async -> DeliveryResult {
        let text = post.text
        if let refusal = PlatformLimit.bluesky.refusal(text) { return .permanent(reason: refusal) }
        var current: Session
        switch await currentSession() {
        case .success(let s): current = s
        case .failure(let e): return e.result
        }
        let rkey = Self.recordKey(for: post)

        // Already there (an earlier attempt's answer was lost): delivered, not posted again.
        let lookup: HTTPReply
        do {
            lookup = try await xrpc("com.atproto.repo.getRecord", query: ["repo": current.did, "collection": Self.collection, "rkey": rkey])
        } catch {
            return .transient(reason: "getRecord: \(describeTransport(error))", notBefore: nil)
        }
        pause.note(lookup.headers, now: now())
        if lookup.status == 200 {
            return .delivered(remoteID: (lookup.json?["uri"] as? String) ?? Self.uri(did: current.did, rkey: rkey))
        }
        guard lookup.status == 400, (lookup.json?["error"] as? String) == "RecordNotFound" else {
            return failure(of: lookup, pause: pause, now: now())
        }

        let record = Self.record(text: text, language: post.language, createdAt: now())
        let body: [String: Any] = ["repo": current.did, "collection": Self.collection, "rkey": rkey, "record": record]
        for renewed in [false, true] {
            let reply: HTTPReply
            do {
                reply = try await xrpc("com.atproto.repo.createRecord", post: true, body: body.merging(["repo": current.did]) { $1 }, bearer: current.access)
            } catch {
                // May have been created: the next attempt's getRecord will tell.
                return transportFailure(error)
            }
            let at = now()
            pause.note(reply.headers, now: at)
            if reply.status == 200 {
                return .delivered(remoteID: (reply.json?["uri"] as? String) ?? Self.uri(did: current.did, rkey: rkey))
            }
            if Self.sessionExpired(reply) {
                // Nothing was created: a session problem is never a reason to give a post up.
                if renewed { return .transient(reason: "the session expired again right after it was renewed (\(reply.serverMessage))", notBefore: nil) }
                switch await renew(after: current) {
                case .success(let s): current = s; continue
                case .failure(let e): return e.result
                }
            }
            return failure(of: reply, pause: pause, now: at)
        }
        return .transient(reason: "the session could not be renewed", notBefore: nil)
    }

    /// `createSession` then `com.atproto.server.getSession`: proves the app password works and
    /// names the account (DID), posting nothing.
    public func check() async -> EndpointCheck {
        let current: Session
        switch await currentSession() {
        case .success(let s): current = s
        case .failure(let e): return .failed(Self.describe(e.result))
        }
        do {
            let reply = try await xrpc("com.atproto.server.getSession", bearer: current.access)
            guard reply.status == 200, let did = reply.json?["did"] as? String else {
                return .failed("getSession answered HTTP \(reply.status): \(reply.serverMessage)")
            }
            let shownHandle = (reply.json?["handle"] as? String) ?? handle
            return .ok(account: "bluesky:\(did)", description: "app password works for @\(shownHandle) (\(did))")
        } catch {
            return .failed("getSession: \(describeTransport(error))")
        }
    }

    static func describe(_ result: DeliveryResult) -> String {
        switch result {
        case .delivered(let id): id
        case .transient(let reason, _), .permanent(let reason), .ambiguous(let reason): reason
        }
    }

    // MARK: Wire

    private func xrpc(_ nsid: String, post: Bool = false, query: [String: String] = [:], body: [String: Any]? = nil,
                      bearer: String? = nil) async throws -> HTTPReply {
        var components = URLComponents(string: url + "/xrpc/" + nsid)!
        if !query.isEmpty { components.queryItems = query.sorted { $0.key < $1.key }.map { URLQueryItem(name: $0.key, value: $0.value) } }
        return try await perform(client, components.string!, method: post ? .POST : .GET, bearer: bearer,
                                 json: body.map(jsonBody), timeout: timeout)
    }

    static func uri(did: String, rkey: String) -> String { "at://\(did)/\(collection)/\(rkey)" }

    /// The `app.bsky.feed.post` record. `langs` carries the post's language (BCP 47).
    static func record(text: String, language: Language, createdAt: Date) -> [String: Any] {
        var record: [String: Any] = [
            "$type": collection,
            "text": text,
            "createdAt": RecordCoding.formatTimestamp(createdAt),
            "langs": [language.rawValue],
        ]
        let facets = BlueskyRichText.facets(text)
        if !facets.isEmpty { record["facets"] = facets.map(\.json) }
        return record
    }

    // MARK: Record key

    /// The post lexicon declares `"key": "tid"` and the PDS validates it, so the key derived
    /// from the idempotency key must be a valid TID: 13 characters of base32-sortable, the
    /// 64-bit value `microseconds << 10 | clock id` with the top bit zero. The microseconds are
    /// the message's creation second plus a sub-second part from SHA-256 of the key, and the
    /// clock id comes from the same hash: the same key always gives the same record key, keys of
    /// one message (channels × languages) give different ones, and the time stays the real one
    /// to the second, so the post sorts where it belongs.
    static func recordKey(for post: Post) -> String {
        recordKey(key: post.key, created: post.message.created)
    }

    static func recordKey(key: String, created: Date) -> String {
        let hash = Array(SHA256.hash(data: Data(key.utf8)))
        let subSecond = (UInt64(hash[0]) << 16 | UInt64(hash[1]) << 8 | UInt64(hash[2])) % 1_000_000
        let seconds = UInt64(max(0, created.timeIntervalSince1970.rounded(.down)))
        let micros = (seconds * 1_000_000 + subSecond) & ((1 << 53) - 1)
        let clock = (UInt64(hash[3]) << 8 | UInt64(hash[4])) & 0x3FF
        return tid(micros << 10 | clock)
    }

    static let base32Sortable = Array("234567abcdefghijklmnopqrstuvwxyz")

    static func tid(_ value: UInt64) -> String {
        var chars: [Character] = []
        var v = value
        for _ in 0..<13 {
            chars.append(base32Sortable[Int(v & 31)])
            v >>= 5
        }
        return String(chars.reversed())
    }
}

/// Facets of `app.bsky.richtext.facet`: which byte ranges of the text are links and hashtags.
/// Offsets count UTF-8 bytes of the text exactly as posted (a Hangul syllable is 3 bytes, so
/// character or UTF-16 offsets would point into the middle of the wrong words).
public enum BlueskyRichText {
    public struct Facet: Sendable, Hashable {
        public enum Feature: Sendable, Hashable {
            case link(String)
            case tag(String)
        }
        public var byteStart: Int
        public var byteEnd: Int
        public var feature: Feature

        var json: [String: Any] {
            let feature: [String: Any] = switch self.feature {
            case .link(let uri): ["$type": "app.bsky.richtext.facet#link", "uri": uri]
            case .tag(let tag): ["$type": "app.bsky.richtext.facet#tag", "tag": tag]
            }
            return ["index": ["byteStart": byteStart, "byteEnd": byteEnd], "features": [feature]]
        }
    }

    /// Links by the core's URL rule (the same one the length meters count), hashtags by
    /// Bluesky's own rule, in text order.
    public static func facets(_ text: String) -> [Facet] {
        let bytes = Array(text.utf8)
        var facets = TextLength.urlByteRanges(text).map { range in
            Facet(byteStart: range.lowerBound, byteEnd: range.upperBound, feature: .link(String(decoding: bytes[range], as: UTF8.self)))
        }
        for tag in hashtags(text) where !facets.contains(where: { $0.byteStart < tag.byteEnd && tag.byteStart < $0.byteEnd }) {
            facets.append(tag)
        }
        return facets.sorted { $0.byteStart < $1.byteStart }
    }

    /// Characters that end a hashtag besides whitespace (soft hyphen, word joiner, zero-width
    /// spaces and joiners, combining enclosing keycap), as in Bluesky's detection.
    static let tagBreakers: Set<UInt32> = [0x00AD, 0x2060, 0x200A, 0x200B, 0x200C, 0x200D, 0x20E2]

    static func isSpace(_ s: Unicode.Scalar) -> Bool { s.properties.isWhitespace || s.value == 0xFEFF }

    static func isPunctuation(_ s: Unicode.Scalar) -> Bool {
        switch s.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation: true
        default: false
        }
    }

    /// Bluesky's hashtag rule: `#` or `＃` at the start or after whitespace, then a run up to
    /// whitespace or a breaker that holds at least one character that is neither an ASCII digit
    /// nor punctuation; trailing punctuation is not part of it; at most 64 graphemes. The tag
    /// value has no `#`.
    static func hashtags(_ text: String) -> [Facet] {
        var scalars: [(Unicode.Scalar, Int)] = []
        var offset = 0
        for s in text.unicodeScalars {
            scalars.append((s, offset))
            offset += String(s).utf8.count
        }
        var facets: [Facet] = []
        var i = 0
        while i < scalars.count {
            let (s, start) = scalars[i]
            guard s == "#" || s == "＃", i == 0 || isSpace(scalars[i - 1].0) else { i += 1; continue }
            var j = i + 1
            while j < scalars.count, !isSpace(scalars[j].0), !tagBreakers.contains(scalars[j].0.value) { j += 1 }
            var end = j
            while end > i + 1, isPunctuation(scalars[end - 1].0) { end -= 1 }
            let body = scalars[(i + 1)..<end].map(\.0)
            let hasWordCharacter = body.contains { !("0"..."9").contains($0) && !isPunctuation($0) }
            if let first = body.first, first.value != 0xFE0F, hasWordCharacter {
                var tag = String.UnicodeScalarView()
                tag.append(contentsOf: body)
                let value = String(tag)
                if value.count <= 64 {
                    let byteEnd = end < scalars.count ? scalars[end].1 : offset
                    facets.append(Facet(byteStart: start, byteEnd: byteEnd, feature: .tag(value)))
                }
            }
            i = max(j, i + 1)
        }
        return facets
    }
}
