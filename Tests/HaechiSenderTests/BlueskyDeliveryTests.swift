import Foundation
import HaechiCore
import HaechiStore
import Testing
@testable import HaechiSender

/// The drain loop against a Bluesky PDS stand-in on loopback.
@Suite struct BlueskyDeliveryTests {
    static func config(_ fx: Fixture, _ pds: BlueskyStandIn, mode: String = "live", extra: String = "") throws -> SenderConfig {
        let password = try fx.secretFile("bsky-\(mode).app-password", pds.password + "\n")
        return try fx.config("""
        \(patientRetry)
        concurrency: 4
        channels:
          bluesky:
            \(mode): { kind: bluesky, url: "\(pds.url)", handle: "@\(pds.handle)", password_file: \(password) }
        \(extra)
        """)
    }

    @Test func koreanTextWithALinkAndAHashtagGetsFacetsAtUTF8ByteOffsets() async throws {
        let fx = try Fixture()
        defer { fx.remove() }
        let pds = try await BlueskyStandIn()
        defer { Task { await pds.close() } }
        // 서울시 (9 bytes) + space + 안내 (6) + space = 17 bytes before the link.
        let ko = "서울시 안내 https://safekorea.go.kr/idsiSFK/a?x=1 #호우 대비 #한강_통제. 끝"
        try fx.queue([message("m-facets", channels: ["bluesky"], ko: ko, en: "Seoul: see https://seoul.go.kr. #HeavyRain")])
        let summary = try await fx.run(Self.config(fx, pds))
        #expect(summary.delivered == 2)
        let state = pds.snapshot
        #expect(state.violations.isEmpty, "\(state.violations)")
        let korean = try #require(state.records.values.first { $0.langs == ["ko"] })
        #expect(korean.text == ko)
        let link = "https://safekorea.go.kr/idsiSFK/a?x=1"
        let linkStart = 17, linkEnd = 17 + link.utf8.count
        let tagStart = linkEnd + 1, tagEnd = tagStart + 1 + 6            // '#' + 호우
        let tag2Start = tagEnd + 1 + 6 + 1, tag2End = tag2Start + 1 + 13 // ' 대비 ' then '#' + 한강_통제; the '.' is not part of it
        #expect(korean.facets == [
            ["link": link, "at": "\(linkStart)..<\(linkEnd)"],
            ["tag": "호우", "at": "\(tagStart)..<\(tagEnd)"],
            ["tag": "한강_통제", "at": "\(tag2Start)..<\(tag2End)"],
        ])
        let english = try #require(state.records.values.first { $0.langs == ["en"] })
        #expect(english.facets == [["link": "https://seoul.go.kr", "at": "11..<30"], ["tag": "HeavyRain", "at": "32..<42"]])
        // The remote id is the record's at-uri, with the key derived from the idempotency key.
        let outcome = try #require(try fx.outcomes()["m-facets.bluesky.ko"])
        #expect(outcome.remoteID == "at://\(pds.did)/app.bsky.feed.post/\(korean.rkey)")
        #expect(korean.rkey == BlueskyEndpoint.recordKey(key: "m-facets.bluesky.ko", created: try #require(try fx.queuedCreated("m-facets"))))
        #expect(state.sessionsCreated == 1, "one session for both posts")
    }

    @Test func facetsOfTheRichTextRules() {
        #expect(BlueskyRichText.facets("#123 #태풍2호 a#b ＃폭염, (#x) #️⃣").map(\.feature) == [.tag("태풍2호"), .tag("폭염")])
        #expect(BlueskyRichText.facets("#태풍2호").first.map { ($0.byteStart, $0.byteEnd) }! == (0, 1 + 9 + 1))
        // Full-width ＃ is three bytes.
        #expect(BlueskyRichText.facets("가 ＃폭염").first.map { ($0.byteStart, $0.byteEnd) }! == (4, 4 + 3 + 6))
        #expect(BlueskyRichText.facets("https://a.kr/#frag").map(\.feature) == [.link("https://a.kr/#frag")])
    }

    @Test func recordKeysAreTIDsStableForAKeyAndDistinctAcrossKeys() {
        let created = Date(timeIntervalSince1970: 1_796_100_000)
        let a = BlueskyEndpoint.recordKey(key: "m-1.bluesky.ko", created: created)
        #expect(a == BlueskyEndpoint.recordKey(key: "m-1.bluesky.ko", created: created))
        #expect(a != BlueskyEndpoint.recordKey(key: "m-1.bluesky.en", created: created))
        #expect(a.wholeMatch(of: BlueskyStandIn.tidPattern) != nil)
        // The TID's time is the message's second: decode the first 11 characters.
        let micros = a.prefix(11).reduce(UInt64(0)) { $0 << 5 | UInt64(BlueskyEndpoint.base32Sortable.firstIndex(of: $1)!) }
        #expect(micros / 1_000_000 == 1_796_100_000)
        #expect(BlueskyEndpoint.tid(0) == "2222222222222")
    }

    @Test func anExpiredSessionIsRefreshedAndARevokedRefreshOpensANewSession() async throws {
        let fx = try Fixture()
        defer { fx.remove() }
        let pds = try await BlueskyStandIn(accessLifetime: 3600)
        defer { Task { await pds.close() } }
        let setup = try SenderSetup.make(config: Self.config(fx, pds))
        defer { Task { await setup.shutdown() } }
        let endpoint = try #require(setup.endpoints["bluesky"]?[.live])
        func post(_ id: String) -> Post { koreanPost(message(id, channels: ["bluesky"], ko: "안내 \(id)"), "bluesky") }
        func uri(_ p: Post) -> String { "at://\(pds.did)/app.bsky.feed.post/\(BlueskyEndpoint.recordKey(for: p))" }

        let s1 = post("s1")
        #expect(await endpoint.deliver(s1) == .delivered(remoteID: uri(s1)))
        #expect(pds.snapshot.sessionsCreated == 1 && pds.snapshot.refreshes == 0)

        // The access token expires: the PDS says ExpiredToken, the endpoint refreshes and posts.
        pds.expireAllAccessTokens()
        let s2 = post("s2")
        #expect(await endpoint.deliver(s2) == .delivered(remoteID: uri(s2)))
        var s = pds.snapshot
        #expect(s.expiredAnswers == 1 && s.refreshes == 1 && s.sessionsCreated == 1)

        // Access expired and the refresh token revoked too: a new session from the app password.
        pds.expireAllAccessTokens()
        pds.state.withLock { $0.refresh.removeAll() }
        let s3 = post("s3")
        #expect(await endpoint.deliver(s3) == .delivered(remoteID: uri(s3)))
        s = pds.snapshot
        #expect(s.sessionsCreated == 2 && s.refreshes == 1)
        #expect(s.records.count == 3 && s.violations.isEmpty)
    }

    @Test func concurrentPostsThatSeeTheSessionExpireRefreshItOnce() async throws {
        let fx = try Fixture()
        defer { fx.remove() }
        let pds = try await BlueskyStandIn()
        defer { Task { await pds.close() } }
        try fx.queue([message("warm", channels: ["bluesky"], ko: "준비")])
        let config = try Self.config(fx, pds)
        let setup = try SenderSetup.make(config: config)
        defer { Task { await setup.shutdown() } }
        let endpoint = try #require(setup.endpoints["bluesky"]?[.live])
        let warm = koreanPost(message("warm", channels: ["bluesky"], ko: "준비"), "bluesky")
        #expect(await endpoint.deliver(warm) == .delivered(remoteID: "at://\(pds.did)/app.bsky.feed.post/\(BlueskyEndpoint.recordKey(for: warm))"))
        pds.expireAllAccessTokens()
        let results = await withTaskGroup(of: DeliveryResult.self) { group in
            for i in 0..<8 {
                group.addTask { await endpoint.deliver(koreanPost(message("c\(i)", channels: ["bluesky"], ko: "동시 \(i)"), "bluesky")) }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.allSatisfy { if case .delivered = $0 { true } else { false } }, "\(results)")
        #expect(pds.snapshot.refreshes == 1, "one refresh shared by all eight")
        #expect(pds.snapshot.records.count == 9)
    }

    /// Which fault each message meets, by the number in its text.
    static func fault(_ text: String, _ previous: Int) -> BlueskyStandIn.Fault {
        guard let n = text.split(separator: " ").last.flatMap({ Int($0) }) else { return .none }
        switch n % 6 {
        case 1 where previous == 0:
            return .dropAfterCreate
        case 2 where previous < 2:
            return .status(502, jsonText(["error": "UpstreamFailure", "message": "upstream failed"]))
        case 3 where previous == 0 && n == 3:
            let reset = String(Int(Date().timeIntervalSince1970) + 2)
            return .status(429, jsonText(["error": "RateLimitExceeded", "message": "Rate Limit Exceeded"]),
                           headers: [("RateLimit-Limit", "5000"), ("RateLimit-Remaining", "0"), ("RateLimit-Reset", reset), ("RateLimit-Policy", "5000;w=3600")])
        case 4:
            return .status(400, jsonText(["error": "InvalidRequest", "message": "Invalid app.bsky.feed.post record: Record/text must not be longer than 300 graphemes"]))
        default:
            return .none
        }
    }

    @Test func everyPostIsCreatedOnceDespiteDropsAfterCreate5xx429AndRefusals() async throws {
        let fx = try Fixture()
        defer { fx.remove() }
        // Access tokens expire after every fifth record: the drain runs through several refreshes.
        let pds = try await BlueskyStandIn(expireEvery: 5, faults: Self.fault)
        defer { Task { await pds.close() } }
        let count = 24
        try fx.queue((0..<count).map { i in message("b\(i)", channels: ["bluesky"], ko: "대피 안내 \(i)", en: "Evacuation notice \(i)") })
        let summary = try await fx.run(Self.config(fx, pds))
        let state = pds.snapshot
        #expect(state.violations.isEmpty, "\(state.violations)")
        #expect(state.duplicateCreates == 0, "no create ever hit an existing record")
        let outcomes = try fx.outcomes()
        for i in 0..<count {
            for lang in ["ko", "en"] {
                let key = "b\(i).bluesky.\(lang)"
                let outcome = try #require(outcomes[key])
                if i % 6 == 4 {
                    #expect(outcome.kind == .dead)
                    #expect(outcome.reason == "HTTP 400: InvalidRequest: Invalid app.bsky.feed.post record: Record/text must not be longer than 300 graphemes")
                } else {
                    #expect(outcome.kind == .delivered, "\(key): \(outcome)")
                }
            }
        }
        let delivered = outcomes.values.filter { $0.kind == .delivered }
        #expect(state.records.count == delivered.count, "one record per delivered post")
        #expect(Set(delivered.compactMap(\.remoteID)).count == delivered.count)
        // A dropped connection after the create: the retry found the record instead of creating again.
        #expect(state.creates.values.allSatisfy { $0 <= 3 })
        let dropped = try #require(try fx.ledger().first { $0.kind == .retry && $0.message == "b1" })
        #expect(dropped.reason?.contains("connection") == true, "\(dropped)")
        #expect(summary.unknown == 0)
        #expect(state.expiredAnswers >= 3 && state.refreshes >= 3, "expired \(state.expiredAnswers), refreshed \(state.refreshes)")
        #expect(state.sessionsCreated == 1, "refreshed, never logged in again")
        // The 429's reset was honoured before the same post went again.
        let records = try fx.ledger().filter { $0.message == "b3" }
        let retry = try #require(records.first { $0.kind == .retry })
        #expect(retry.reason?.contains("HTTP 429: RateLimitExceeded") == true)
        let again = try #require(records.last { $0.kind == .attempt })
        #expect(again.at >= retry.next!.addingTimeInterval(-0.01))
    }

    @Test func aWrongAppPasswordIsDeadWithThePlatformsMessageAndNeverLogged() async throws {
        let fx = try Fixture()
        defer { fx.remove() }
        let pds = try await BlueskyStandIn(password: "right-pass-word-here")
        defer { Task { await pds.close() } }
        let password = try fx.secretFile("wrong.app-password", "wrong-pass-word-1234")
        let config = try fx.config("""
        channels:
          bluesky:
            live: { kind: bluesky, url: "\(pds.url)", handle: \(pds.handle), password_file: \(password) }
        """)
        try fx.queue([message("w", channels: ["bluesky"], ko: "안녕", en: "Hello"), message("w2", channels: ["bluesky"], ko: "둘")])
        _ = try await fx.run(config)
        #expect(pds.snapshot.badPassword == 1, "one refused login, not one per post")
        #expect(try fx.outcomes().values.allSatisfy { $0.kind == .dead })
        let outcome = try #require(try fx.outcomes()["w.bluesky.ko"])
        #expect(outcome.kind == .dead)
        #expect(outcome.reason == "com.atproto.server.createSession for @seoul.bsky.social refused: HTTP 401: AuthenticationRequired: Invalid identifier or password")
        let ledger = try String(contentsOfFile: fx.state.deliveryPath, encoding: .utf8)
        #expect(!ledger.contains("wrong-pass-word-1234"))
        #expect(pds.snapshot.records.isEmpty)
    }

    @Test func aPostOverTheLimitIsDeadWithoutARequest() async throws {
        let fx = try Fixture()
        defer { fx.remove() }
        let pds = try await BlueskyStandIn()
        defer { Task { await pds.close() } }
        try fx.queue([message("long", channels: ["bluesky"], ko: String(repeating: "가", count: 301)),
                      message("fits", channels: ["bluesky"], ko: String(repeating: "가", count: 300))])
        _ = try await fx.run(Self.config(fx, pds))
        let outcomes = try fx.outcomes()
        #expect(outcomes["long.bluesky.ko"]?.reason == "post is 301 graphemes; Bluesky allows 300 (not cut: shorten it and queue it again)")
        #expect(outcomes["fits.bluesky.ko"]?.kind == .delivered)
        #expect(pds.snapshot.records.count == 1)
    }

    @Test func aDrillPostCannotReachTheLiveAccount() async throws {
        let fx = try Fixture()
        defer { fx.remove() }
        let live = try await BlueskyStandIn(handle: "seoul.bsky.social", did: "did:plc:live0000000000000000000001")
        let drill = try await BlueskyStandIn(handle: "seoul-drill.bsky.social", did: "did:plc:drill000000000000000000001")
        defer { Task { await live.close(); await drill.close() } }
        let livePassword = try fx.secretFile("live.pw", live.password)
        let drillPassword = try fx.secretFile("drill.pw", drill.password)
        let config = try fx.config("""
        channels:
          bluesky:
            live:  { kind: bluesky, url: "\(live.url)", handle: \(live.handle), password_file: \(livePassword) }
            drill: { kind: bluesky, url: "\(drill.url)", handle: \(drill.handle), password_file: \(drillPassword) }
          x:
            drill: { kind: bluesky, url: "\(drill.url)", handle: \(drill.handle), password_file: \(drillPassword) }
        """)
        try fx.queue([message("d1", mode: .drill, channels: ["bluesky", "x"], ko: "훈련 상황입니다"),
                      message("l1", mode: .live, channels: ["x"], ko: "실제 상황")])
        let summary = try await fx.run(config)
        #expect(live.snapshot.requests == 0, "the live account was never even asked")
        #expect(drill.snapshot.records.values.map(\.text).sorted() == ["[훈련] 훈련 상황입니다", "[훈련] 훈련 상황입니다"])
        let outcomes = try fx.outcomes()
        #expect(outcomes["l1.x.ko"]?.kind == .dead)
        #expect(outcomes["l1.x.ko"]?.reason == "no live endpoint is configured for channel 'x'; not sent anywhere else")
        #expect(outcomes["d1.bluesky.ko"]?.endpoint == "bluesky drill \(drill.url) @seoul-drill.bsky.social")
        #expect(summary.delivered == 2)

        // One account cannot be both: the config is refused before anything runs.
        let (refused, diagnostics) = SenderConfig.load(data: Data("""
        channels:
          bluesky:
            live:  { kind: bluesky, handle: seoul.bsky.social, password_file: /etc/haechi/a }
            drill: { kind: bluesky, handle: Seoul.bsky.social, password_file: /etc/haechi/b }
        """.utf8), file: "s.yaml")
        #expect(refused == nil)
        #expect(diagnostics.map(\.description) == ["s.yaml:4:12: error: drill endpoint bluesky.drill uses https://bsky.social account seoul.bsky.social, which is also the live endpoint bluesky.live (s.yaml:3:12); drill and live must never share an endpoint"])
    }
}

extension Fixture {
    /// The creation time of a queued message, as stored (the record key is derived from it).
    func queuedCreated(_ id: String) throws -> Date? {
        let (records, _) = try state.outbox.readAll()
        for case .message(let m) in records where m.id == id { return m.created }
        return nil
    }
}
