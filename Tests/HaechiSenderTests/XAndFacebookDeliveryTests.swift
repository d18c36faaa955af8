import Foundation
import HaechiCore
import HaechiStore
import Testing
@testable import HaechiSender

/// X and a Facebook Page: neither takes an idempotency key, so a request cut off after it left
/// is `unknown` and never sent again; clear answers (429, 5xx, throttling codes) are retried.
@Suite struct XDeliveryTests {
    /// The x-rate-limit-reset the 429 carries (epoch seconds): set when the test starts.
    static func fault(reset: Int) -> @Sendable (String, Int) -> PlatformFault {
        { text, previous in fault(text, previous, reset: reset) }
    }

    static func fault(_ text: String, _ previous: Int, reset: Int) -> PlatformFault {
        if text.hasSuffix("429") && previous == 0 {
            // X often sends no Retry-After: the reset header alone says when.
            let reset = String(reset)
            return .status(429, jsonText(["title": "Too Many Requests", "detail": "Too Many Requests", "type": "about:blank", "status": 429]),
                           headers: [("x-rate-limit-limit", "100"), ("x-rate-limit-remaining", "0"), ("x-rate-limit-reset", reset)])
        }
        if text.hasSuffix("503") && previous < 2 {
            return .status(503, jsonText(["title": "Service Unavailable", "detail": "Service Unavailable", "type": "about:blank", "status": 503]))
        }
        if text.hasSuffix("drop") { return .dropAfterStore }
        return .none
    }

    @Test func postsAreDeliveredOnceWithResetsHonouredDuplicatesDeadAndDropsUnknown() async throws {
        let fx = try Fixture()
        defer { fx.remove() }
        let reset = Int(Date().timeIntervalSince1970) + 3
        let x = try await XStandIn(alreadyPosted: ["한강 수위 경보 (이미 게시됨)"], faults: Self.fault(reset: reset))
        defer { Task { await x.close() } }
        let token = try fx.secretFile("x.token", x.token + "\n")
        let config = try fx.config("""
        \(patientRetry)
        channels:
          x:
            live: { kind: x, url: "\(x.url)", token_file: \(token) }
        """)
        try fx.queue([
            message("x-ok", channels: ["x"], ko: "잠수교 통제 https://seoul.go.kr", en: "Jamsu Bridge closed"),
            message("x-limit", channels: ["x"], ko: "강풍 주의 429"),
            message("x-5xx", channels: ["x"], ko: "정전 안내 503"),
            message("x-dup", channels: ["x"], ko: "한강 수위 경보 (이미 게시됨)"),
            message("x-drop", channels: ["x"], ko: "대피소 안내 drop"),
            message("x-long", channels: ["x"], ko: String(repeating: "한", count: 141)),
        ])
        let summary = try await fx.run(config)
        let state = x.snapshot
        #expect(state.violations.isEmpty, "\(state.violations)")
        #expect(state.rejectedAuth == 0)
        let outcomes = try fx.outcomes()
        for key in ["x-ok.x.ko", "x-ok.x.en", "x-limit.x.ko", "x-5xx.x.ko"] {
            let outcome = try #require(outcomes[key])
            #expect(outcome.kind == .delivered, "\(key): \(outcome)")
            #expect(state.posts[outcome.remoteID ?? ""] != nil, "the remote id is X's data.id")
        }
        #expect(state.posts.values.filter { $0 == "잠수교 통제 https://seoul.go.kr" }.count == 1)
        // 429 with x-rate-limit-remaining 0: nothing before x-rate-limit-reset.
        let limited = try #require(state.times["강풍 주의 429"])
        #expect(limited.count == 2)
        let retry = try #require(try fx.ledger().first { $0.kind == .retry && $0.message == "x-limit" })
        #expect(retry.reason == "HTTP 429: Too Many Requests")
        let resetAt = Date(timeIntervalSince1970: TimeInterval(reset))
        #expect(try #require(retry.next) >= resetAt, "the retry is scheduled no earlier than x-rate-limit-reset")
        #expect(limited[1] >= resetAt.addingTimeInterval(-0.01), "posted again \(resetAt.timeIntervalSince(limited[1]))s before the reset")
        #expect(state.times["정전 안내 503"]?.count == 3)
        // Duplicate content is recognised and dead, with X's own words.
        #expect(outcomes["x-dup.x.ko"]?.kind == .dead)
        #expect(outcomes["x-dup.x.ko"]?.reason == "X refused it as duplicate content (the account already posted this text): HTTP 403: You are not allowed to create a Tweet with duplicate content.")
        // The connection dropped after X stored it: unknown, and never posted a second time.
        #expect(outcomes["x-drop.x.ko"]?.kind == .unknown)
        #expect(outcomes["x-drop.x.ko"]?.reason?.contains("not re-posted blind") == true)
        #expect(state.attempts["대피소 안내 drop"] == 1)
        #expect(state.posts.values.filter { $0 == "대피소 안내 drop" }.count == 1)
        // Over 280 weighted characters (141 Hangul weigh 282): dead, no request.
        #expect(outcomes["x-long.x.ko"]?.reason == "post is 282 weighted characters; X allows 280 (not cut: shorten it and queue it again)")
        #expect(state.attempts[String(repeating: "한", count: 141)] == nil)
        #expect(summary.delivered == 4 && summary.dead == 2 && summary.unknown == 1)
    }

    @Test func aRefusedTokenIsDeadAndNeverWritten() async throws {
        let fx = try Fixture()
        defer { fx.remove() }
        let x = try await XStandIn(token: "the-right-token")
        defer { Task { await x.close() } }
        let config = try fx.config("""
        channels:
          x:
            live: { kind: x, url: "\(x.url)", token_env: X_TOKEN }
        """)
        try fx.queue([message("t", channels: ["x"], ko: "안녕")])
        _ = try await fx.run(config, environment: ["X_TOKEN": "an-expired-token"])
        let outcome = try #require(try fx.outcomes()["t.x.ko"])
        #expect(outcome.kind == .dead)
        #expect(outcome.reason?.hasPrefix("HTTP 401: X refused the token") == true)
        #expect(try !String(contentsOfFile: fx.state.deliveryPath, encoding: .utf8).contains("an-expired-token"))
    }
}

extension XDeliveryTests {
    /// X's user tokens last two hours; a refresher outside the sender rewrites the token file.
    @Test func aTokenRewrittenInItsFileIsPickedUpAfterA401() async throws {
        let fx = try Fixture()
        defer { fx.remove() }
        let x = try await XStandIn(token: "token-of-the-next-two-hours")
        defer { Task { await x.close() } }
        let path = try fx.secretFile("x.token", "token-that-expired")
        let setup = try SenderSetup.make(config: fx.config("""
        channels:
          x:
            live: { kind: x, url: "\(x.url)", token_file: \(path) }
        """))
        defer { Task { await setup.shutdown() } }
        let endpoint = try #require(setup.endpoints["x"]?[.live])
        let post = koreanPost(message("r", channels: ["x"], ko: "토큰 갱신"), "x")
        // Same file, same token: nothing newer to try, dead.
        #expect(await endpoint.deliver(post) == .permanent(reason: "HTTP 401: X refused the token (expired or revoked? OAuth 2.0 user tokens last 2 hours unless refreshed): Unauthorized"))
        try "token-of-the-next-two-hours\n".write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o600)
        #expect(await endpoint.deliver(post) == .transient(reason: "HTTP 401: X refused the token; a newer one was read from the token file, trying again", notBefore: nil))
        let delivered = await endpoint.deliver(post)
        #expect(delivered == .delivered(remoteID: try #require(x.snapshot.posts.first { $0.value == "토큰 갱신" }?.key)))
        #expect(x.snapshot.rejectedAuth == 2)
    }
}

@Suite struct FacebookDeliveryTests {
    static func fault(_ text: String, _ previous: Int) -> PlatformFault {
        switch text.split(separator: " ").last ?? "" {
        case "transient" where previous == 0:
            return .status(500, jsonText(["error": ["message": "An unexpected error has occurred. Please retry your request later.",
                                                    "type": "OAuthException", "is_transient": true, "code": 2, "fbtrace_id": "A1"]]))
        case "throttled" where previous == 0:
            let usage = jsonText(["104958162837": [["type": "pages", "call_count": 100, "total_cputime": 12, "total_time": 20,
                                                    "estimated_time_to_regain_access": 1]]])
            return .status(400, jsonText(["error": ["message": "(#32) Page request limit reached", "type": "OAuthException", "code": 32, "fbtrace_id": "A2"]]),
                           headers: [("X-Business-Use-Case-Usage", usage)])
        case "duplicate":
            return .status(400, jsonText(["error": ["message": "(#506) Duplicate status message", "type": "OAuthException", "code": 506, "fbtrace_id": "A3"]]))
        case "drop":
            return .dropAfterStore
        default:
            return .none
        }
    }

    @Test func pagePostsWithGraphErrorsMappedToRetryOrDead() async throws {
        let fx = try Fixture()
        defer { fx.remove() }
        let page = try await FacebookStandIn(faults: Self.fault)
        defer { Task { await page.close() } }
        let token = try fx.secretFile("fb.token", page.token)
        let config = try fx.config("""
        \(patientRetry)
        channels:
          facebook:
            live: { kind: facebook, url: "\(page.url)", page_id: "\(page.pageID)", token_file: \(token) }
        """)
        try fx.queue([
            message("f-ok", channels: ["facebook"], ko: "서울시 호우 안내", en: "Seoul heavy rain notice"),
            message("f-transient", channels: ["facebook"], ko: "재시도 transient"),
            message("f-dup", channels: ["facebook"], ko: "중복 duplicate"),
            message("f-drop", channels: ["facebook"], ko: "끊김 drop"),
        ])
        let summary = try await fx.run(config)
        let state = page.snapshot
        #expect(state.violations.isEmpty, "\(state.violations)")
        let outcomes = try fx.outcomes()
        #expect(outcomes["f-ok.facebook.ko"]?.kind == .delivered)
        #expect(outcomes["f-ok.facebook.ko"]?.remoteID?.hasPrefix("104958162837_") == true)
        #expect(state.posts[outcomes["f-ok.facebook.en"]?.remoteID ?? ""] == "Seoul heavy rain notice")
        #expect(outcomes["f-transient.facebook.ko"]?.kind == .delivered)
        #expect(state.attempts["재시도 transient"] == 2)
        #expect(outcomes["f-dup.facebook.ko"]?.kind == .dead)
        #expect(outcomes["f-dup.facebook.ko"]?.reason == "Facebook refused it as a duplicate of the Page's last post: HTTP 400: (#506) Duplicate status message")
        #expect(outcomes["f-drop.facebook.ko"]?.kind == .unknown)
        #expect(state.attempts["끊김 drop"] == 1, "not re-posted blind")
        #expect(summary.delivered == 3 && summary.dead == 1 && summary.unknown == 1)
    }

    @Test func pageThrottlingWaitsForTheEstimatedTimeToRegainAccess() async throws {
        let fx = try Fixture()
        defer { fx.remove() }
        let page = try await FacebookStandIn(faults: Self.fault)
        defer { Task { await page.close() } }
        let setup = try SenderSetup.make(config: fx.config("""
        channels:
          facebook:
            live: { kind: facebook, url: "\(page.url)", page_id: "\(page.pageID)", token_env: FB }
        """), environment: ["FB": page.token])
        defer { Task { await setup.shutdown() } }
        let endpoint = try #require(setup.endpoints["facebook"]?[.live])
        let before = Date()
        let result = await endpoint.deliver(koreanPost(message("f", channels: ["facebook"], ko: "한도 throttled"), "facebook"))
        let (reason, notBefore) = try #require(transientParts(result), "\(result)")
        #expect(reason == "Graph API throttled the Page: HTTP 400: (#32) Page request limit reached")
        let after = Date()
        // estimated_time_to_regain_access is in minutes: one minute from when the answer came.
        let until = try #require(notBefore)
        #expect(until >= before.addingTimeInterval(59.9) && until <= after.addingTimeInterval(60.1), "\(until.timeIntervalSince(before))s")
        #expect(endpoint.readyAt(now: Date()) != nil, "the whole Page waits, not only this post")
    }

    @Test func anExpiredPageTokenIsDeadWithGraphsMessage() async throws {
        let fx = try Fixture()
        defer { fx.remove() }
        let page = try await FacebookStandIn()
        defer { Task { await page.close() } }
        let config = try fx.config("""
        channels:
          facebook:
            live: { kind: facebook, url: "\(page.url)", page_id: "\(page.pageID)", token_env: FB }
        """)
        try fx.queue([message("e", channels: ["facebook"], ko: "만료")])
        _ = try await fx.run(config, environment: ["FB": "EAAB-old-token"])
        let outcome = try #require(try fx.outcomes()["e.facebook.ko"])
        #expect(outcome.kind == .dead)
        #expect(outcome.reason == "the Page access token was refused (expired or revoked): HTTP 400: (#190) Error validating access token: Session has expired on Tuesday, 01-Dec-26 05:00:00 PST.")
    }
}

@Suite struct PlatformConfigTests {
    @Test func theThreePlatformKindsParseWithTheirDefaults() throws {
        let (config, diagnostics) = SenderConfig.load(data: Data("""
        channels:
          x:        { live: { kind: x, token_file: /etc/haechi/x.token } }
          bluesky:  { live: { kind: bluesky, handle: seoul.bsky.social, password_file: /etc/haechi/bsky.app-password } }
          facebook: { live: { kind: facebook, page_id: "1234567890", token_file: /etc/haechi/fb-page.token } }
          fb2:
            drill: { kind: facebook, url: "https://graph.example", version: v25.0, page_id: 987, token_env: FB }
        """.utf8), file: "s.yaml")
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        let c = try #require(config)
        #expect(c.endpoint(channel: "x", mode: .live)?.kind == .x(url: "https://api.x.com", token: .file("/etc/haechi/x.token")))
        #expect(c.endpoint(channel: "bluesky", mode: .live)?.kind == .bluesky(url: "https://bsky.social", handle: "seoul.bsky.social", password: .file("/etc/haechi/bsky.app-password")))
        #expect(c.endpoint(channel: "facebook", mode: .live)?.kind == .facebook(url: "https://graph.facebook.com", version: EndpointConfig.defaultGraphVersion, pageID: "1234567890", token: .file("/etc/haechi/fb-page.token")))
        #expect(c.endpoint(channel: "fb2", mode: .drill)?.kind == .facebook(url: "https://graph.example", version: "v25.0", pageID: "987", token: .environment("FB")))
        #expect(c.endpoint(channel: "bluesky", mode: .live)?.summary == "bluesky live https://bsky.social @seoul.bsky.social")
        #expect(c.endpoint(channel: "facebook", mode: .live)?.summary == "facebook live https://graph.facebook.com Page 1234567890")
    }

    @Test func platformMistakesAreReportedWhereTheyAre() {
        func errors(_ yaml: String) -> [String] { SenderConfig.load(data: Data(yaml.utf8), file: "s.yaml").1.map(\.description) }
        #expect(errors("""
        channels:
          b: { live: { kind: bluesky, handle: "seoul city", password_env: P } }
        """) == ["s.yaml:2:39: error: b.live.handle must be a Bluesky handle like seoul.bsky.social, found 'seoul city'"])
        #expect(errors("""
        channels:
          f: { live: { kind: facebook, page_id: seoul, token_env: T } }
        """) == ["s.yaml:2:41: error: f.live.page_id must be the Page's numeric id, found 'seoul'"])
        #expect(errors("""
        channels:
          x: { live: { kind: x, token_env: T, handle: seoul.bsky.social } }
        """) == ["s.yaml:2:47: error: 'handle' does not apply to an x endpoint (x.live)"])
        #expect(errors("""
        channels:
          b: { live: { kind: bluesky, handle: a.bsky.social } }
        """) == ["s.yaml:2:14: error: b.live: a bluesky endpoint needs password_file (mode 0600) or password_env"])
        #expect(errors("""
        channels:
          x: { live: { kind: x, url: "http://api.x.com", token_env: T } }
        """) == ["s.yaml:2:30: error: x.live.url must use https (plain http is allowed only to localhost), found 'http://api.x.com'"])
    }

    @Test func theBundledChannelProfilesNeverAllowMoreThanThePlatforms() throws {
        var dir = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { dir.deleteLastPathComponent() }
        let (profiles, diagnostics) = ChannelProfileLoader.load(path: dir.appendingPathComponent("manuals/channels.yaml").path)
        #expect(diagnostics.filter { $0.severity == .error }.isEmpty, "\(diagnostics)")
        for (id, platform) in [("x", PlatformLimit.x), ("bluesky", PlatformLimit.bluesky), ("facebook", PlatformLimit.facebook)] {
            let profile = try #require(profiles[id])
            #expect(profile.counting == platform.rule, "\(id) counts like the platform")
            #expect(profile.limit <= platform.limit, "\(id): the profile may be stricter, never looser")
            #expect(profile.classLimits.values.allSatisfy { $0 <= platform.limit })
        }
    }
}

/// The reason and time of a transient result, nil for any other.
func transientParts(_ result: DeliveryResult) -> (String, Date?)? {
    if case .transient(let reason, let notBefore) = result { return (reason, notBefore) }
    return nil
}
