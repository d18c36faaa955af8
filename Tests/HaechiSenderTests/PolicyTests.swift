import CAPSchemaCheck
import Crypto
import Foundation
import HaechiCore
import Testing
@testable import HaechiSender
#if canImport(FoundationXML)
import FoundationXML
#endif

@Suite struct RetryPolicyTests {
    var settings: RetrySettings {
        var s = RetrySettings()
        s.base = 1; s.cap = 60; s.maxAttempts = 5; s.maxAge = 3600
        return s
    }
    let created = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func backoffCeilingDoublesUpToTheCap() {
        let p = RetryPolicy(settings)
        #expect((1...8).map { p.ceiling(afterAttempt: $0) } == [1, 2, 4, 8, 16, 32, 60, 60])
    }

    @Test func fullJitterSpansZeroToTheCeiling() {
        let p = RetryPolicy(settings)
        let now = created.addingTimeInterval(10)
        #expect(p.decide(afterAttempt: 3, reason: "x", notBefore: nil, created: created, now: now, random: 0) == .retry(at: now))
        #expect(p.decide(afterAttempt: 3, reason: "x", notBefore: nil, created: created, now: now, random: 0.5) == .retry(at: now.addingTimeInterval(2)))
        #expect(p.decide(afterAttempt: 3, reason: "x", notBefore: nil, created: created, now: now, random: 0.999) == .retry(at: now.addingTimeInterval(3.996)))
    }

    @Test func neverBeforeWhatTheServerAskedFor() {
        let p = RetryPolicy(settings)
        let now = created.addingTimeInterval(10)
        let serverTime = now.addingTimeInterval(30)
        #expect(p.decide(afterAttempt: 1, reason: "429", notBefore: serverTime, created: created, now: now, random: 1) == .retry(at: serverTime))
        // A server time earlier than the jittered backoff does not pull the retry forward.
        let early = now.addingTimeInterval(0.1)
        #expect(p.decide(afterAttempt: 3, reason: "x", notBefore: early, created: created, now: now, random: 0.5) == .retry(at: now.addingTimeInterval(2)))
    }

    @Test func deadAfterMaxAttemptsOrMaxAge() {
        let p = RetryPolicy(settings)
        #expect(p.decide(afterAttempt: 5, reason: "HTTP 500", notBefore: nil, created: created, now: created, random: 0)
                == .dead(reason: "gave up after 5 attempts; last: HTTP 500"))
        let late = created.addingTimeInterval(3590)
        guard case .dead(let reason) = p.decide(afterAttempt: 2, reason: "HTTP 503", notBefore: late.addingTimeInterval(60), created: created, now: late, random: 0) else {
            Issue.record("a retry past max age must be dead"); return
        }
        #expect(reason.hasPrefix("too old to send"))
        #expect(p.isExpired(created: created, now: created.addingTimeInterval(3601)))
    }

    @Test func retryAfterInSecondsAndHTTPDates() {
        let now = Date(timeIntervalSince1970: 784_111_777)  // Sun, 06 Nov 1994 08:49:37 GMT
        #expect(RetryAfter.parse("120", now: now) == now.addingTimeInterval(120))
        #expect(RetryAfter.parse("Sun, 06 Nov 1994 08:49:37 GMT", now: .distantPast) == now)
        #expect(RetryAfter.parse("Sunday, 06-Nov-94 08:49:37 GMT", now: .distantPast) == now)
        #expect(RetryAfter.parse("Sun Nov  6 08:49:37 1994", now: .distantPast) == now)
        #expect(RetryAfter.parse("soon", now: now) == nil)
        #expect(RetryAfter.parse("-5", now: now) == nil)
        #expect(RetryAfter.httpDate(now) == "Sun, 06 Nov 1994 08:49:37 GMT")
    }

    @Test func rateLimitResetAsISOTimeEpochOrDelay() {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        #expect(RateLimitReset.parse("2027-01-15T08:00:00.000Z", now: now) == RecordCoding.parseTimestamp("2027-01-15T08:00:00.000Z"))
        #expect(RateLimitReset.parse("1800000300", now: now) == now.addingTimeInterval(300))
        #expect(RateLimitReset.parse("30", now: now) == now.addingTimeInterval(30))
    }
}

@Suite struct SenderStatusTests {
    @Test func aliveStaleAbsentFromTheHeartbeatAge() {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        #expect(SenderStatus.from(heartbeatMTime: nil, now: now) == .absent)
        #expect(SenderStatus.from(heartbeatMTime: now.addingTimeInterval(-1), now: now) == .alive)
        #expect(SenderStatus.from(heartbeatMTime: now.addingTimeInterval(-SenderStatus.staleAfter), now: now) == .alive)
        #expect(SenderStatus.from(heartbeatMTime: now.addingTimeInterval(-SenderStatus.staleAfter - 0.1), now: now) == .stale)
        #expect(SenderStatus.from(heartbeatMTime: now.addingTimeInterval(5), now: now) == .alive)
        #expect(SenderStatus.alive.label[.en] == "sender alive")
    }
}

@Suite struct WebhookSignatureTests {
    /// The example from the Standard Webhooks specification and its reference libraries.
    @Test func matchesTheStandardWebhooksExample() throws {
        let key = try WebhookEndpoint.secretKey("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
        let signature = WebhookEndpoint.signature(key: key, id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_330,
                                                  body: Data(#"{"test": 2432232314}"#.utf8))
        #expect(signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
    }

    @Test func secretsWithoutThePrefixOrBase64AreRefused() {
        #expect(throws: WebhookEndpoint.BadSecret.self) { try WebhookEndpoint.secretKey("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw") }
        #expect(throws: WebhookEndpoint.BadSecret.self) { try WebhookEndpoint.secretKey("whsec_not base64!") }
    }
}

@Suite struct PostTextTests {
    @Test func aPostCarriesItsStoredTextNotOneWorkedOutFromTheMessage() {
        var m = message("d", mode: .drill, channels: ["x"], ko: "대피", en: "Evacuate")
        let stored = OutboxPost(channel: "x", language: .ko, text: "[훈련] 저장된 그대로", length: 11, limit: 280, counting: .xWeighted)
        m.posts = [stored]
        let post = Post(message: m, post: stored)
        #expect(post.text == "[훈련] 저장된 그대로")
        #expect(post.key == "d.x.ko")
    }
}

/// The CAP endpoint: one document per message (an `<info>` per language), valid against the
/// OASIS schema, read back for the feed, and the Atom index rewritten on each change and expiry.
@Suite struct CAPEndpointTests {
    final class Collector: NSObject, XMLParserDelegate {
        var elements: [String: [String]] = [:]
        var text = ""
        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
            text = ""
        }
        func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }
        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            elements[name, default: []].append(text.trimmingCharacters(in: .whitespacesAndNewlines))
            text = ""
        }
    }

    func parse(_ xml: String) throws -> [String: [String]] {
        let problems = try CAPSchema.problems(xml)
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
        let parser = XMLParser(data: Data(xml.utf8))
        let collector = Collector()
        parser.delegate = collector
        #expect(parser.parse(), "not well-formed XML:\n\(xml)")
        return collector.elements
    }

    final class Clock: @unchecked Sendable {
        private let lock = NSLock()
        private var value: Date
        init(_ d: Date) { value = d }
        var now: Date { lock.withLock { value } }
        func set(_ d: Date) { lock.withLock { value = d } }
    }

    @Test func oneDocumentPerMessageACorrectionReferencesTheOriginalAndTheFeedFollows() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cap-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        let clock = Clock(t0)
        let config = EndpointConfig(channel: "cap", mode: .drill,
                                    kind: .cap(directory: dir, sender: "haechi@seoul.go.kr", senderName: Localized(ko: "서울시", en: "Seoul"),
                                               base: "https://alerts.example/cap"),
                                    location: SourceLocation(file: "c", line: 1, column: 1))
        let endpoint = CAPEndpoint(config: config, now: { clock.now })
        var original = message("m-1", mode: .drill, channels: ["cap"], ko: "한강 <수위> & 대피", en: "Han River rising", created: t0)
        original.cap = CAPProfile.resolve(mapping: CAPMapping(category: "Met", event: Localized(ko: "호우", en: "Heavy rain")), kind: .safety,
                                          level: .alert, created: t0, district: "영등포구", headline: nil, instruction: nil)
        for language in [Language.ko, .en] {
            let result = await endpoint.deliver(Post(message: original, channel: "cap", language: language))
            #expect(result == .delivered(remoteID: "m-1.xml"))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).sorted() == ["index.atom", "m-1.xml"])
        let e = try parse(try String(contentsOfFile: dir + "/m-1.xml", encoding: .utf8))
        #expect(e["identifier"] == ["m-1"])
        #expect(e["status"] == ["Exercise"])
        #expect(e["msgType"] == ["Alert"])
        #expect(e["language"] == ["ko-KR", "en-US"])
        #expect(e["senderName"] == ["서울시", "Seoul"])
        #expect(e["description"] == ["[훈련] 한강 <수위> & 대피", "[DRILL] Han River rising"])
        #expect(e["value"]?.first == "1156000000")
        var feed = try String(contentsOfFile: dir + "/index.atom", encoding: .utf8)
        #expect(feed.contains("href=\"https://alerts.example/cap/m-1.xml\""))

        var correction = message("m-2", mode: .drill, channels: ["cap"], ko: "[정정] 한강 수위 정상", created: t0.addingTimeInterval(60))
        correction.corrects = "m-1"
        let u = try parse(await {
            _ = await endpoint.deliver(Post(message: correction, channel: "cap", language: .ko, isCorrection: true, correctsSent: t0))
            return try String(contentsOfFile: dir + "/m-2.xml", encoding: .utf8)
        }())
        #expect(u["msgType"] == ["Update"])
        #expect(u["references"] == ["haechi@seoul.go.kr,m-1,2027-01-15T17:00:00+09:00"])
        feed = try String(contentsOfFile: dir + "/index.atom", encoding: .utf8)
        #expect(feed.contains("m-2.xml") && !feed.contains("m-1.xml"), "the correction supersedes the original:\n\(feed)")

        // A new endpoint on the same folder (a restarted sender) rebuilds the feed from the
        // documents, and an expired alert drops out of it.
        clock.set(t0.addingTimeInterval(30 * 86_400))
        let restarted = CAPEndpoint(config: config, now: { clock.now })
        await restarted.refresh()
        feed = try String(contentsOfFile: dir + "/index.atom", encoding: .utf8)
        #expect(!feed.contains("<entry>"), "everything expired:\n\(feed)")
    }

    @Test func theFeedIsRewrittenWhenTheNextAlertExpires() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cap-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let config = EndpointConfig(channel: "cap", mode: .live, kind: .cap(directory: dir, sender: "s"),
                                    location: SourceLocation(file: "c", line: 1, column: 1))
        let endpoint = CAPEndpoint(config: config)
        var m = message("m-short", channels: ["cap"], ko: "곧 만료", created: Date())
        m.cap = CAPProfile.resolve(mapping: CAPMapping(expires: 60), kind: .info, level: nil, created: Date(), district: nil,
                                   headline: nil, instruction: nil)
        // Far enough ahead that a loaded machine cannot pass it before the first feed is written.
        m.cap?.expires = Date().addingTimeInterval(8)
        _ = await endpoint.deliver(Post(message: m, channel: "cap", language: .ko))
        #expect(try String(contentsOfFile: dir + "/index.atom", encoding: .utf8).contains("m-short.xml"))
        // No event but the clock: the endpoint's own timer rewrites the feed.
        // Generous: the timer runs on the shared pool, which other suites may hold for a minute
        // in a full run on 2 cores; the loop ends as soon as the feed is rewritten.
        let deadline = Date().addingTimeInterval(240)
        var feed = ""
        while Date() < deadline {
            feed = try String(contentsOfFile: dir + "/index.atom", encoding: .utf8)
            if !feed.contains("<entry>") { break }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        #expect(!feed.contains("<entry>"), "the expired alert is still in the feed:\n\(feed)")
    }
}
