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

@Suite struct CAPDocumentTests {
    final class Collector: NSObject, XMLParserDelegate {
        var elements: [String: String] = [:]
        var current = ""
        var text = ""
        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
            current = name; text = ""
        }
        func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }
        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            if elements[name] == nil { elements[name] = text }
            text = ""
        }
    }

    func parse(_ xml: String) -> [String: String]? {
        let parser = XMLParser(data: Data(xml.utf8))
        let collector = Collector()
        parser.delegate = collector
        return parser.parse() ? collector.elements : nil
    }

    @Test func aDrillIsAnExerciseAndACorrectionReferencesTheOriginal() throws {
        var m = message("m-2", mode: .drill, channels: ["cap"], ko: "한강 <수위> & 대피", created: Date(timeIntervalSince1970: 1_800_000_000))
        m.corrects = "m-1"
        m.cap = CAPInfo(category: "Met", event: Localized(ko: "호우", en: "Heavy rain"), urgency: "Immediate", severity: "Severe", certainty: "Observed")
        let xml = CAPDocument.render(Post(message: m, channel: "cap", language: .ko, isCorrection: true,
                                          correctsSent: Date(timeIntervalSince1970: 1_799_999_000)), sender: "haechi@seoul.go.kr")
        let e = try #require(parse(xml), "not well-formed XML:\n\(xml)")
        #expect(e["identifier"] == "haechi-m-2-ko")
        #expect(e["status"] == "Exercise")
        #expect(e["msgType"] == "Update")
        #expect(e["references"] == "haechi@seoul.go.kr,haechi-m-1-ko,2027-01-15T16:43:20+09:00")
        #expect(e["sent"] == "2027-01-15T17:00:00+09:00")
        #expect(e["language"] == "ko-KR")
        #expect(e["event"] == "호우")
        #expect(e["description"] == "[훈련] [정정] 한강 <수위> & 대피")
        #expect(e["note"]?.contains("inc-1") == true)
        for required in ["sender", "scope", "category", "urgency", "severity", "certainty", "areaDesc"] {
            #expect(e[required] != nil, "missing \(required)")
        }
        let live = CAPDocument.render(Post(message: message("l", channels: ["cap"], en: "Go"), channel: "cap", language: .en), sender: "s")
        #expect(parse(live)?["status"] == "Actual")
        #expect(parse(live)?["msgType"] == "Alert")
    }
}
