import Foundation
import Testing
@testable import HaechiCore
import HaechiStore
@testable import HaechiApp
import HaechiTestSupport

/// `outbox list`'s lines (text and `--json`) are written straight into bytes for speed. This
/// holds them byte-equal to the writer they replaced, kept here as the reference
/// (`ReferenceListingLines`: the String-building code of before, `DeliveryState.description`'s
/// wording included), over seeded generated statuses: the realistic histories of
/// `MessageAgreementTests`, and statuses built field by field with strings that need every
/// escape (quotes, backslashes, control characters, DEL, bidirectional overrides, emoji,
/// Hangul), every ledger outcome with and without its remote id, reason and retry time, posts
/// not grouped by channel, and odd times (before 1970, past 9999, fractions).
/// On threads of their own: a few seconds of CPU each would otherwise hold the shared pool's
/// threads (one per core) from the tests that wait on processes and timers.
@Suite(.ownThread) struct ListingLineAgreementTests {
    static let histories = 400
    static let builtStatuses = 2_000

    /// Every line of `status`, new writer against reference, alone and after other bytes.
    static func compare(_ status: MessageStatus, _ context: String) {
        var json: [UInt8] = [], reference: [UInt8] = []
        OutboxListing.jsonLine(status, into: &json)
        ReferenceListingLines.jsonLine(status, into: &reference)
        #expect(json == reference, "\(context): json\n new \(String(decoding: json, as: UTF8.self))\n old \(String(decoding: reference, as: UTF8.self))")
        #expect(OutboxListing.jsonLine(status) == String(decoding: reference, as: UTF8.self), "\(context): json String form")

        var text: [UInt8] = [], textReference: [UInt8] = []
        OutboxListing.textLine(status, into: &text)
        ReferenceListingLines.textLine(status, into: &textReference)
        #expect(text == textReference, "\(context): text\n new \(String(decoding: text, as: UTF8.self))\n old \(String(decoding: textReference, as: UTF8.self))")

        // Appended after what a buffer already holds (a listing writes many lines into one).
        var after: [UInt8] = Array("x ".utf8)
        OutboxListing.jsonLine(status, into: &after)
        OutboxListing.textLine(status, into: &after)
        #expect(after == Array("x ".utf8) + reference + textReference, "\(context): appended")

        // As a listing's block, which starts with less room than a long line takes.
        var block = ListingBlock(capacity: 0)
        OutboxListing.jsonLine(status, into: &block)
        block.newline()
        OutboxListing.textLine(status, into: &block)
        #expect(block.take() == reference + [UInt8(ascii: "\n")] + textReference, "\(context): block")

        for post in status.posts {
            let state = status.state(post.target)
            #expect(state.description == ReferenceListingLines.description(state), "\(context): description of \(state)")
        }
    }

    @Test func linesEqualTheReferenceOverGeneratedHistories() throws {
        let (profiles, problems) = ChannelProfileLoader.load(path: Binaries.bundledManuals + "/channels.yaml")
        try #require(problems.filter { $0.severity == .error }.isEmpty)
        let t0 = Date(timeIntervalSince1970: 1_795_935_900.25)
        var lines = 0
        var names = Set<String>()
        for seed in 0..<Self.histories {
            let g = try MessageAgreementTests.generate(seed, profiles: profiles, t0: t0)
            // With today's profiles, and with none (old records then make no posts).
            for channels in [profiles, nil] as [ChannelProfiles?] {
                for status in OutboxLedgerJoin.join(outbox: g.outbox, ledger: g.ledger, channels: channels) {
                    Self.compare(status, "history \(seed)")
                    for post in status.posts { names.insert(status.state(post.target).name) }
                    lines += 1
                }
            }
        }
        #expect(names == ["awaiting-approval", "queued", "sending", "delivered", "retrying", "dead", "cancelled", "unknown"], "\(names)")
        #expect(lines >= 1_000, "\(lines) statuses")
        print("listing lines: \(lines) statuses from \(Self.histories) histories equal the reference")
    }

    /// Strings a listing must escape or pass through unchanged.
    static let awkward = ["", "plain", "say \"now\"", "back\\slash", "new\nline", "cr\rtab\t", "bell\u{7}nul\u{0}", "del\u{7F}",
                          "\u{1B}[31m빨강", "\u{202E}역방향", "😀 \u{10FFFF}", "서울 마포구", "a/b", "\u{1F}\u{2028}", "}],\"x\":{"]

    static func builtStatus(_ seed: Int) -> MessageStatus {
        var rng = SeededRandom(seed: UInt64(seed) &* 0x9E37 &+ 3)
        func pick<T>(_ xs: [T]) -> T { xs.randomElement(using: &rng)! }
        func text() -> String { Int.random(in: 0..<3, using: &rng) == 0 ? pick(awkward) : pick(["kim", "r-123", "officer7", "timeout"]) }
        func time() -> Date {
            switch Int.random(in: 0..<6, using: &rng) {
            case 0: Date(timeIntervalSince1970: -Double(Int.random(in: 1...5_000_000_000, using: &rng)) - 0.5)
            case 1: Date(timeIntervalSinceReferenceDate: 300_000_000_000 + Double.random(in: 0..<1, using: &rng))
            default: Date(timeIntervalSince1970: 1_795_935_900 + Double.random(in: -1e6...1e6, using: &rng))
            }
        }
        let channels = ["x", "mastodon", "kakao", "webhook", "cbs", "bluesky", "x\"y", "채널"]
        var posts: [OutboxPost] = []
        for _ in 0..<Int.random(in: 0...7, using: &rng) {
            posts.append(OutboxPost(channel: Int.random(in: 0..<8, using: &rng) == 0 ? text() : pick(channels),
                                    language: pick(Language.allCases), text: "t", length: 1, limit: 10, counting: .characters))
        }
        if Bool.random(using: &rng) { posts.sort { $0.target < $1.target } }
        let author = pick(["kim", "lee", "park", text()])
        let message = OutboxMessage(id: Bool.random(using: &rng) ? "m-\(seed)" : text() + "\(seed)",
                                    incident: Bool.random(using: &rng) ? nil : text(), mode: pick(Mode.allCases), kind: pick(MessageClass.allCases),
                                    channels: (0..<Int.random(in: 0...4, using: &rng)).map { _ in Bool.random(using: &rng) ? pick(channels) : text() },
                                    text: Localized(ko: "가", en: ""), operator: author, created: time(),
                                    needsApproval: Bool.random(using: &rng), corrects: Bool.random(using: &rng) ? nil : text(), posts: posts)
        var events = MessageEvents()
        for _ in 0..<Int.random(in: 0...2, using: &rng) {
            events.approvals.append(.init(by: Bool.random(using: &rng) ? author : text(), at: time()))
        }
        if Int.random(in: 0..<3, using: &rng) == 0 { events.cancel = .init(by: text(), at: time(), reason: text()) }
        for _ in 0..<Int.random(in: 0...2, using: &rng) { events.correctedBy.append(text()) }
        for post in posts where Bool.random(using: &rng) {
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                let kind = pick([DeliveryRecord.Kind.attempt, .delivered, .retry, .dead, .cancelled, .unknown])
                events.ledger.apply(DeliveryRecord(kind: kind, message: message.id, channel: post.channel, language: post.language, at: time(),
                                                   attempt: Bool.random(using: &rng) ? nil : Int.random(in: 0...12, using: &rng),
                                                   remoteID: Bool.random(using: &rng) ? nil : text(),
                                                   next: Bool.random(using: &rng) ? nil : time(),
                                                   reason: Bool.random(using: &rng) ? nil : text()))
            }
        }
        return MessageStatus(message: message, isCorrection: Bool.random(using: &rng), posts: posts, events: events)
    }

    @Test func linesEqualTheReferenceOverBuiltStatuses() {
        var kinds = Set<String>()
        for seed in 0..<Self.builtStatuses {
            let status = Self.builtStatus(seed)
            Self.compare(status, "built \(seed)")
            for post in status.posts { kinds.insert(ReferenceListingLines.description(status.state(post.target)).split(separator: " ")[0].description) }
        }
        #expect(kinds == ["awaiting", "queued", "sending", "delivered", "retrying", "dead", "cancelled", "outcome"], "\(kinds)")
    }

    /// A line longer than any scratch space a writer keeps for one line is written whole.
    @Test func aVeryLongLineIsWrittenWhole() {
        var status = Self.builtStatus(1)
        let long = String(repeating: "\"긴\u{1}", count: 2_000)
        status.message.operator = long
        status.posts = (0..<20).map { OutboxPost(channel: "c\($0 % 7)", language: $0 % 2 == 0 ? .ko : .en, text: "t", length: 1, limit: 1, counting: .characters) }
        for post in status.posts {
            status.events.ledger.apply(DeliveryRecord(kind: .dead, message: status.id, channel: post.channel, language: post.language,
                                                      at: Date(timeIntervalSince1970: 0), reason: long))
        }
        Self.compare(status, "long")
        var json: [UInt8] = []
        OutboxListing.jsonLine(status, into: &json)
        #expect(json.count > 20 * long.utf8.count, "\(json.count) bytes")
    }
}

/// The listing lines as written before they were written straight into bytes: the reference
/// the new writer must equal. Do not "optimise" this copy.
enum ReferenceListingLines {
    static func description(_ state: DeliveryState) -> String {
        switch state {
        case .awaitingApproval: "awaiting approval"
        case .queued: "queued"
        case .sending(let n, _): n.map { "sending (attempt \($0))" } ?? "sending"
        case .delivered(let id, _): id.map { "delivered (\($0))" } ?? "delivered"
        case .retrying(let next, let reason):
            "retrying" + (next.map { " at \(RecordCoding.formatTimestamp($0))" } ?? "") + (reason.map { " (\($0))" } ?? "")
        case .dead(let reason): "dead" + (reason.map { " (\($0))" } ?? "")
        case .cancelled: "cancelled"
        case .unknown(let reason): "outcome unknown" + (reason.map { " (\($0))" } ?? "")
        }
    }

    static func textLine(_ s: MessageStatus, into out: inout [UInt8]) {
        let m = s.message
        func put(_ text: String) { out += Array(text.utf8) }
        put(m.id)
        put(m.mode == .drill ? "  DRILL  " : "  LIVE   ")
        put(m.kind.rawValue)
        put("  ")
        put(RecordCoding.formatTimestamp(m.created))
        put("  ")
        put(m.operator)
        var flags = false
        func flag(_ head: String, _ value: String) {
            put(flags ? "; " : "  [")
            flags = true
            put(head)
            put(value)
        }
        if s.isCorrection, let c = m.corrects { flag("corrects ", c) }
        if let c = s.cancel { flag("cancelled by ", c.by) }
        if let a = s.approval { flag("approved by ", a.by) }
        if !s.correctedBy.isEmpty { flag("corrected by ", s.correctedBy.joined(separator: ",")) }
        if flags { put("]") }
        put("\n   ")
        for post in s.posts {
            put(" ")
            put(post.channel)
            put("/")
            put(post.language.rawValue)
            put("=")
            put(description(s.state(post.target)))
            put(" ")
        }
        while out.last == UInt8(ascii: " ") { out.removeLast() }
    }

    static func jsonLine(_ s: MessageStatus, into out: inout [UInt8]) {
        let m = s.message
        var first = true
        func key(_ k: String) {
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            out += Array("\"\(k)\":".utf8)
        }
        func quote(_ v: String) { JSONString.append(v, to: &out, otherControls: true) }
        out.append(UInt8(ascii: "{"))
        key("id"); quote(m.id)
        key("mode"); quote(m.mode.rawValue)
        key("kind"); quote(m.kind.rawValue)
        key("channels")
        out.append(UInt8(ascii: "["))
        for (n, c) in m.channels.enumerated() {
            if n > 0 { out.append(UInt8(ascii: ",")) }
            quote(c)
        }
        out.append(UInt8(ascii: "]"))
        key("created"); quote(RecordCoding.formatTimestamp(m.created))
        key("operator"); quote(m.operator)
        if let i = m.incident { key("incident"); quote(i) }
        if let c = m.corrects { key("corrects"); quote(c) }
        key("needs_approval")
        out += Array((m.needsApproval ? "true" : "false").utf8)
        if let a = s.approval { key("approved_by"); quote(a.by) }
        if let c = s.cancel { key("cancelled_by"); quote(c.by) }
        let states = s.posts.map { ($0.target, s.state($0.target)) }
        func nested(names: Bool) {
            out.append(UInt8(ascii: "{"))
            var channel: String?
            for (target, state) in states {
                if target.channel != channel {
                    if channel != nil { out += Array("},".utf8) }
                    quote(target.channel)
                    out += Array(":{".utf8)
                    channel = target.channel
                } else {
                    out.append(UInt8(ascii: ","))
                }
                quote(target.language.rawValue)
                out.append(UInt8(ascii: ":"))
                quote(names ? state.name : description(state))
            }
            if channel != nil { out.append(UInt8(ascii: "}")) }
            out.append(UInt8(ascii: "}"))
        }
        key("state")
        nested(names: true)
        key("detail")
        nested(names: false)
        out.append(UInt8(ascii: "}"))
    }
}
