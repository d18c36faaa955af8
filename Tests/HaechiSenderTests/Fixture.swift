import Foundation
import HaechiCore
import HaechiStore
@testable import HaechiSender

/// A private state directory plus helpers to queue messages, write credentials and run a sender.
struct Fixture {
    let dir: String
    let state: StateDirectory
    static let start = Date()

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("haechi-sender-\(UUID().uuidString)").path
        state = StateDirectory(path: dir)
        try state.prepare()
    }

    func remove() { try? FileManager.default.removeItem(atPath: dir) }

    func queue(_ records: [OutboxRecord]) throws { try state.outbox.append(records) }
    func queue(_ messages: [OutboxMessage]) throws { try queue(messages.map { .message($0) }) }

    /// A credential file with mode 0600, owned by us, as the sender requires.
    func secretFile(_ name: String, _ content: String, mode: mode_t = 0o600) throws -> String {
        let path = dir + "/" + name
        _ = FileManager.default.createFile(atPath: path, contents: Data(content.utf8))
        chmod(path, mode)
        return path
    }

    func config(_ yaml: String) throws -> SenderConfig {
        let (config, diagnostics) = SenderConfig.load(data: Data(yaml.utf8), file: "sender.yaml")
        guard let config else { throw FixtureError(description: diagnostics.map(\.description).joined(separator: "\n")) }
        return config
    }

    func run(_ config: SenderConfig, environment: [String: String] = [:], once: Bool = true,
             onEvent: @escaping @Sendable (SenderEvent) -> Void = { _ in }) async throws -> SenderSummary {
        let setup = try SenderSetup.make(config: config, environment: environment)
        var options = Sender.Options(once: once)
        options.heartbeat = false
        let sender = Sender(state: state, endpoints: setup.endpoints, retry: config.retry, concurrency: config.concurrency,
                            options: options, onEvent: onEvent)
        do {
            let summary = try await sender.run()
            await setup.shutdown()
            return summary
        } catch {
            await setup.shutdown()
            throw error
        }
    }

    func ledger() throws -> [DeliveryRecord] {
        let (records, bad) = try state.delivery.readAll()
        guard bad.isEmpty else { throw FixtureError(description: "bad ledger lines: \(bad)") }
        return records
    }

    /// The last record of each key.
    func outcomes() throws -> [String: DeliveryRecord] {
        var last: [String: DeliveryRecord] = [:]
        for r in try ledger() { last[r.key] = r }
        return last
    }
}

struct FixtureError: Error, CustomStringConvertible { let description: String }

/// A message that states its posts as compose would for channels carrying both languages:
/// each channel in each language it has text in. (The sender's tests are about delivery; which
/// posts a message makes is HaechiCore's `Posts`, tested there.)
func message(_ id: String, mode: Mode = .live, channels: [String], ko: String = "", en: String = "",
             kind: MessageClass = .safety, operator: String = "kim", needsApproval: Bool = false,
             created: Date = Date()) -> OutboxMessage {
    var m = OutboxMessage(id: id, incident: "inc-1", step: "s1", mode: mode, kind: kind, channels: channels,
                          text: Localized(ko: ko, en: en), operator: `operator`, created: created, needsApproval: needsApproval)
    m.posts = bothLanguagePosts(m)
    return m
}

func bothLanguagePosts(_ m: OutboxMessage) -> [OutboxPost] {
    let both = ChannelProfiles(Array(Set(m.channels)).map {
        ChannelProfile(id: $0, name: Localized(ko: $0, en: $0), counting: .characters, limit: 5000, languages: [.ko, .en])
    })
    return Posts.resolve(channels: m.channels, text: m.text, mode: m.mode, kind: m.kind, isCorrection: m.corrects != nil, profiles: both,
                         at: m.created, timeZone: CityTime.default)
}

extension Post {
    /// The post of `message` on a channel in a language, its text resolved by `Posts` now.
    init(message: OutboxMessage, channel: String, language: Language, isCorrection: Bool = false, correctsSent: Date? = nil) {
        let text = Posts.postedText(message.text[language], language: language, mode: message.mode, isCorrection: isCorrection)
        self.init(message: message, post: OutboxPost(channel: channel, language: language, text: text, length: text.count,
                                                     limit: 5000, counting: .characters),
                  isCorrection: isCorrection, correctsSent: correctsSent)
    }
}

/// A random Standard Webhooks secret.
func makeWebhookSecret() -> String {
    "whsec_" + Data((0..<24).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
}

/// Fast retries for tests: the policy is the same, only the numbers are small. The 1.5 s
/// timeout is for tests that make a stand-in answer late on purpose.
let fastRetry = retryPolicy(timeout: "1500ms")

/// Fast retries with a timeout no loaded 2-core machine reaches by accident: for tests that
/// check which fault a retry was for (a timeout would be recorded instead of the fault, as
/// happened once in CI: a dropped connection's retry read "timed out"), and for X and Facebook,
/// where a timed-out request is `unknown` by design.
let patientRetry = retryPolicy(timeout: "20s")

/// The sender config's `retry:` line for a test; only the numbers differ between tests.
func retryPolicy(base: String = "50ms", cap: String = "400ms", maxAttempts: Int = 8, timeout: String) -> String {
    "retry: { base: \(base), cap: \(cap), max_attempts: \(maxAttempts), max_age: 1h, timeout: \(timeout) }"
}
