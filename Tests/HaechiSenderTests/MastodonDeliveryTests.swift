import Foundation
import HaechiCore
import HaechiStore
import Testing
@testable import HaechiSender

/// The drain loop against a real Mastodon-like server on loopback that fails on purpose.
@Suite struct MastodonDeliveryTests {
    /// Which fault each message meets, by its number.
    static func fault(for key: String, previous: Int) -> Receiver.Fault {
        guard let n = Int(key.split(separator: ".")[0].dropFirst(2)) else { return .none }
        switch n % 8 {
        // A 429 pauses the whole endpoint (it is a rate limit), so only one message meets it.
        case 1 where previous == 0 && n == 1:
            return .status(429, headers: [("Retry-After", "1")], body: #"{"error":"Too many requests"}"#)
        case 2 where previous < 2:
            return .status(500, body: "oops")
        case 3 where previous == 0:
            return .slow(120)
        case 4 where previous == 0:
            return .dropAfterStore
        case 5:
            return .status(422, body: #"{"error":"Validation failed: Text has been posted already"}"#)
        case 6 where previous == 0 && n == 6:
            return .status(503, headers: [("Retry-After", RetryAfter.httpDate(Date().addingTimeInterval(2)))])
        default:
            return .none
        }
    }

    @Test func everyPostArrivesOnceDespite429And500sTimeoutsDropsAnd422() async throws {
        let fx = try Fixture()
        defer { fx.remove() }
        let receiver = try await Receiver(.mastodon(token: "tok-live", maxCharacters: 500), faults: Self.fault)
        defer { Task { await receiver.close() } }
        let token = try fx.secretFile("mastodon.token", "tok-live\n")
        // The 4 s timeout is for the answers made slow on purpose (120 s); no other answer
        // comes near it even on a loaded machine, so every other retry is for its own fault.
        let config = try fx.config("""
        \(retryPolicy(timeout: "4s"))
        concurrency: 8
        channels:
          mastodon:
            live: { kind: mastodon, url: "\(receiver.url)", token_file: \(token), visibility: unlisted }
        """)
        let count = 40
        try fx.queue((0..<count).map { i in
            message(String(format: "m-%03d", i), channels: ["mastodon"], ko: "한강 수위 상승 \(i)", en: "Han river rising \(i)")
        })
        let summary = try await fx.run(config)

        let posts = receiver.postsPerKey()
        let stored = receiver.snapshot.stored
        let outcomes = try fx.outcomes()
        for i in 0..<count {
            for lang in ["ko", "en"] {
                let key = String(format: "m-%03d", i) + ".mastodon.\(lang)"
                if i % 8 == 5 {
                    #expect(stored[key] == nil)
                    #expect(outcomes[key]?.kind == .dead)
                    #expect(outcomes[key]?.reason?.contains("HTTP 422: Validation failed: Text has been posted already") == true)
                    #expect(posts[key] == 1, "a 422 is not retried")
                } else {
                    #expect(stored[key] != nil, "\(key) never stored")
                    #expect(outcomes[key]?.kind == .delivered, "\(key): \(String(describing: outcomes[key]))")
                    #expect(outcomes[key]?.remoteID == stored[key]?.id, "the remote id is the receiver's id")
                }
            }
        }
        // Stored at most once per key is the receiver's own rule; the sender's part is to reuse
        // the key on every retry, which shows as retried keys that were still stored once.
        #expect(stored.count == 2 * (count - count / 8))
        #expect(summary.delivered == stored.count)
        #expect(summary.dead == 2 * (count / 8))
        #expect(receiver.snapshot.rejectedAuth == 0)
        #expect(receiver.snapshot.instanceLookups == 1, "max_characters is read once")
        // Slow and dropped answers were retried (more than one post of the key) yet stored once.
        #expect((posts["m-003.mastodon.ko"] ?? 0) >= 2)
        #expect((posts["m-004.mastodon.ko"] ?? 0) >= 2)
    }

    @Test func retryAfterIsHonouredInSecondsAndAsAnHTTPDate() async throws {
        let fx = try Fixture()
        defer { fx.remove() }
        let receiver = try await Receiver(.mastodon(token: "t", maxCharacters: 500), faults: Self.fault)
        defer { Task { await receiver.close() } }
        let config = try fx.config("""
        \(patientRetry)
        channels:
          mastodon:
            live: { kind: mastodon, url: "\(receiver.url)", token_env: MASTODON_TOKEN }
        """)
        try fx.queue([message("m-001", channels: ["mastodon"], ko: "첫째"), message("m-006", channels: ["mastodon"], ko: "둘째")])
        _ = try await fx.run(config, environment: ["MASTODON_TOKEN": "t"])
        let times = receiver.snapshot.posts
        let seconds = try #require(times["m-001.mastodon.ko"])
        #expect(seconds.count == 2)
        #expect(seconds[1].timeIntervalSince(seconds[0]) >= 0.95, "Retry-After: 1 waited \(seconds[1].timeIntervalSince(seconds[0]))s")
        let dated = try #require(times["m-006.mastodon.ko"])
        #expect(dated.count == 2)
        // An HTTP date has whole seconds: 2 s ahead means at least 1 s after truncation.
        #expect(dated[1].timeIntervalSince(dated[0]) >= 0.95)
        let retry = try #require(try fx.ledger().first { $0.kind == .retry && $0.message == "m-001" })
        // Retry-After counts from the answer, which came after the receiver saw the request (the
        // ledger's `at` is written later still, so it is no reference on a loaded machine).
        #expect(retry.next! >= seconds[0].addingTimeInterval(0.99))
        #expect(retry.reason?.contains("HTTP 429") == true)
    }

    @Test func postsLongerThanTheInstanceLimitAreDeadWithoutBeingSent() async throws {
        let fx = try Fixture()
        defer { fx.remove() }
        let receiver = try await Receiver(.mastodon(token: "t", maxCharacters: 20))
        defer { Task { await receiver.close() } }
        let config = try fx.config("""
        channels:
          mastodon:
            live: { kind: mastodon, url: "\(receiver.url)", token_env: T }
        """)
        try fx.queue([message("long", channels: ["mastodon"], ko: String(repeating: "가", count: 21)),
                      message("short", channels: ["mastodon"], ko: String(repeating: "가", count: 20))])
        _ = try await fx.run(config, environment: ["T": "t"])
        let outcomes = try fx.outcomes()
        #expect(outcomes["long.mastodon.ko"]?.kind == .dead)
        #expect(outcomes["long.mastodon.ko"]?.reason == "post is 21 characters; the instance allows 20")
        #expect(outcomes["short.mastodon.ko"]?.kind == .delivered)
        #expect(receiver.postsPerKey()["long.mastodon.ko"] == nil)
    }

    @Test func aRefusedTokenIsDeadAtOnce() async throws {
        let fx = try Fixture()
        defer { fx.remove() }
        let receiver = try await Receiver(.mastodon(token: "right", maxCharacters: 500))
        defer { Task { await receiver.close() } }
        let config = try fx.config("""
        channels:
          mastodon:
            live: { kind: mastodon, url: "\(receiver.url)", token_env: T }
        """)
        try fx.queue([message("m", channels: ["mastodon"], ko: "안녕")])
        _ = try await fx.run(config, environment: ["T": "wrong"])
        let outcome = try #require(try fx.outcomes()["m.mastodon.ko"])
        #expect(outcome.kind == .dead)
        #expect(outcome.reason?.contains("HTTP 401") == true)
        #expect(outcome.reason?.contains("wrong") == false, "the token never reaches the ledger")
    }
}

@Suite struct RateLimitAndGiveUpTests {
    @Test func anExhaustedRateLimitPausesTheEndpointUntilItsReset() async throws {
        let fx = try Fixture()
        defer { fx.remove() }
        let reset = Date().addingTimeInterval(1.2)
        let receiver = try await Receiver(.mastodon(token: "t", maxCharacters: 500), faults: { key, _ in
            key.hasPrefix("first") ? .storeWithHeaders([("X-RateLimit-Limit", "300"), ("X-RateLimit-Remaining", "0"),
                                                        ("X-RateLimit-Reset", RecordCoding.formatTimestamp(reset))]) : .none
        })
        defer { Task { await receiver.close() } }
        let config = try fx.config("""
        concurrency: 1
        channels:
          mastodon:
            live: { kind: mastodon, url: "\(receiver.url)", token_env: T }
        """)
        try fx.queue([message("first", channels: ["mastodon"], ko: "하나"), message("second", channels: ["mastodon"], ko: "둘")])
        _ = try await fx.run(config, environment: ["T": "t"])
        let posts = receiver.snapshot.posts
        let second = try #require(posts["second.mastodon.ko"]?.first)
        #expect(second >= reset.addingTimeInterval(-0.01), "posted \(reset.timeIntervalSince(second))s before the reset")
        #expect(try fx.outcomes().values.allSatisfy { $0.kind == .delivered })
    }

    @Test func deadAfterTheMaximumNumberOfAttemptsWithTheLastReason() async throws {
        let fx = try Fixture()
        defer { fx.remove() }
        let secret = makeWebhookSecret()
        let receiver = try await Receiver(.webhook(secret: secret), faults: { _, _ in .status(500, body: "database down") })
        defer { Task { await receiver.close() } }
        let config = try fx.config("""
        retry: { base: 10ms, cap: 50ms, max_attempts: 3 }
        channels:
          hook:
            live: { kind: webhook, url: "\(receiver.url)", secret_env: S }
        """)
        try fx.queue([message("m", channels: ["hook"], ko: "실패")])
        let summary = try await fx.run(config, environment: ["S": secret])
        #expect(summary.dead == 1 && summary.retries == 2)
        let records = try fx.ledger()
        #expect(records.map(\.kind) == [.attempt, .retry, .attempt, .retry, .attempt, .dead])
        #expect(records.last?.reason == "gave up after 3 attempts; last: HTTP 500: database down")
        #expect(Set(records.map(\.key)) == ["m.hook.ko"], "one key on every attempt")
        #expect(receiver.postsPerKey() == ["m.hook.ko": 3])
    }
}
