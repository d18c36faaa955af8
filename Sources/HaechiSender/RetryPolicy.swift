import Foundation
import HaechiCore

/// Time, sleep and randomness come in from outside so the retry policy and the drain loop can be
/// driven by tests with a fake clock (house style: platform behind one door).
public struct SenderEnvironment: Sendable {
    public var now: @Sendable () -> Date
    public var sleep: @Sendable (TimeInterval) async throws -> Void
    /// A uniform random number in 0..<1.
    public var random: @Sendable () -> Double

    public init(now: @escaping @Sendable () -> Date, sleep: @escaping @Sendable (TimeInterval) async throws -> Void,
                random: @escaping @Sendable () -> Double) {
        self.now = now; self.sleep = sleep; self.random = random
    }

    public static let live = SenderEnvironment(
        now: { Date() },
        sleep: { seconds in try await Task.sleep(nanoseconds: UInt64(max(0, seconds) * 1_000_000_000)) },
        random: { Double.random(in: 0..<1) }
    )
}

/// What an endpoint said about one request.
public enum DeliveryResult: Sendable, Hashable {
    case delivered(remoteID: String)
    /// Worth trying again (408, 429, 5xx, timeout, connection error). `notBefore` is the server's
    /// Retry-After or rate-limit reset, if it gave one.
    case transient(reason: String, notBefore: Date?)
    /// Will never succeed (4xx other than 408/429, text too long, endpoint gone).
    case permanent(reason: String)
    /// The request left and no answer came back (timeout, connection cut after sending): the post
    /// may exist. Retried with the same key where the endpoint is idempotent; elsewhere `unknown`.
    case ambiguous(reason: String)
}

/// Exponential backoff with full jitter (AWS architecture blog, "Exponential Backoff And Jitter"):
/// the wait after attempt n is uniform in 0…min(cap, base·2^(n-1)), which spreads a burst of
/// failures instead of having them all come back at the same moment; never earlier than what the
/// server asked for.
public struct RetryPolicy: Sendable, Hashable {
    public var settings: RetrySettings
    public init(_ settings: RetrySettings) { self.settings = settings }

    public enum Decision: Sendable, Hashable {
        case retry(at: Date)
        case dead(reason: String)
    }

    /// The backoff ceiling after `attempt` failed attempts (1-based).
    public func ceiling(afterAttempt attempt: Int) -> TimeInterval {
        // 2^min(n-1, 40) keeps the power finite; the cap takes over long before.
        min(settings.cap, settings.base * pow(2, Double(min(max(attempt - 1, 0), 40))))
    }

    /// What to do after attempt number `attempt` (1-based) failed transiently at `now`.
    public func decide(afterAttempt attempt: Int, reason: String, notBefore: Date?, created: Date, now: Date,
                       random: Double) -> Decision {
        if attempt >= settings.maxAttempts {
            return .dead(reason: "gave up after \(attempt) attempts; last: \(reason)")
        }
        var at = now.addingTimeInterval(ceiling(afterAttempt: attempt) * min(max(random, 0), 1))
        if let notBefore, notBefore > at { at = notBefore }
        let deadline = created.addingTimeInterval(settings.maxAge)
        if at > deadline {
            return .dead(reason: "too old to send (queued \(Int(now.timeIntervalSince(created)))s ago, next try would pass the \(Int(settings.maxAge))s limit); last: \(reason)")
        }
        return .retry(at: at)
    }

    /// True when a message is already past its maximum age.
    public func isExpired(created: Date, now: Date) -> Bool {
        now.timeIntervalSince(created) > settings.maxAge
    }
}

/// `Retry-After` is either delay-seconds or an HTTP-date (RFC 9110 §10.2.3).
public enum RetryAfter {
    public static func parse(_ value: String, now: Date) -> Date? {
        let v = value.trimmingCharacters(in: .whitespaces)
        if let seconds = Int(v), seconds >= 0 { return now.addingTimeInterval(TimeInterval(seconds)) }
        if let seconds = Double(v), seconds >= 0, seconds.isFinite { return now.addingTimeInterval(seconds) }
        return parseHTTPDate(v)
    }

    /// IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), plus the obsolete RFC 850 and asctime forms
    /// that RFC 9110 says recipients must accept.
    public static func parseHTTPDate(_ value: String) -> Date? {
        let formats = ["EEE, dd MMM yyyy HH:mm:ss zzz", "EEEE, dd-MMM-yy HH:mm:ss zzz", "EEE MMM d HH:mm:ss yyyy"]
        for format in formats {
            let f = DateFormatter()
            f.locale = Locale(identifier: "en_US_POSIX")
            f.timeZone = TimeZone(identifier: "GMT")
            f.dateFormat = format
            if let d = f.date(from: value) { return d }
        }
        return nil
    }

    /// Formats an IMF-fixdate, for tests and receivers.
    public static func httpDate(_ date: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "GMT")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return f.string(from: date)
    }
}

/// Mastodon's `X-RateLimit-Reset` is an ISO 8601 time; other servers send epoch seconds or
/// seconds-from-now. Accept all three.
public enum RateLimitReset {
    public static func parse(_ value: String, now: Date) -> Date? {
        let v = value.trimmingCharacters(in: .whitespaces)
        if let n = Double(v), n.isFinite, n >= 0 {
            // Anything that looks like an epoch time (after 2001) is one; smaller is a delay.
            return n > 1_000_000_000 ? Date(timeIntervalSince1970: n) : now.addingTimeInterval(n)
        }
        if let d = RecordCoding.parseTimestamp(v) { return d }
        return try? Date(v, strategy: .iso8601)
    }
}
