#if canImport(Glibc)
import Glibc
#endif
import Foundation
import HaechiCore
import HaechiStore

/// One delivery: one of a message's stored posts (a channel, a language, the exact text). Its
/// key, message + channel + language, is the same on every attempt, so an idempotent receiver
/// stores it once however often it arrives.
public struct Post: Sendable, Hashable {
    public let message: OutboxMessage
    /// The post as resolved when the message was queued (`Posts.of`): what goes out.
    public let post: OutboxPost
    /// True for a `correct` record.
    public let isCorrection: Bool
    /// When the corrected message was created, for CAP `<references>`.
    public let correctsSent: Date?

    public init(message: OutboxMessage, post: OutboxPost, isCorrection: Bool = false, correctsSent: Date? = nil) {
        self.message = message; self.post = post
        self.isCorrection = isCorrection; self.correctsSent = correctsSent
    }

    public var channel: String { post.channel }
    public var language: Language { post.language }
    public var key: String { DeliveryRecord.idempotencyKey(message: message.id, channel: channel, language: language) }

    /// Exactly what is posted: the stored text, never recomputed here.
    public var text: String { post.text }
}

/// A place posts go to. Implementations report what happened as a value; they never throw, so
/// the drain loop always has an outcome to write to the ledger.
public protocol Endpoint: Sendable {
    var config: EndpointConfig { get }
    /// True when sending the same key twice cannot post twice, so an attempt cut off by a crash
    /// may be repeated. False means such an attempt is marked `unknown` for a human to check.
    var idempotent: Bool { get }
    /// Earliest time the endpoint takes requests again (rate limit exhausted, endpoint gone), or nil.
    func readyAt(now: Date) -> Date?
    func deliver(_ post: Post) async -> DeliveryResult
}

/// Credentials are read once at start. A file must belong to the sender's own user and be
/// readable by nobody else, like ssh insists for private keys: a token that other users can read
/// may already have leaked.
public enum Credentials {
    public struct Refused: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    public static func read(_ source: SecretSource, environment: [String: String], uid: uid_t = getuid()) throws -> String {
        switch source {
        case .environment(let name):
            guard let value = environment[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else {
                throw Refused(description: "environment variable \(name) is not set or empty")
            }
            return value
        case .file(let path):
            do {
                return try SecretFile.read(path, uid: uid)
            } catch let refused as SecretFile.Refused {
                throw Refused(description: refused.description)
            }
        }
    }
}

