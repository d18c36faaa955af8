import Foundation
import Synchronization
import Testing
import HaechiCore
import HaechiStore
import HaechiUI
@testable import HaechiApp
@testable import HaechiSender
import HaechiTestSupport

/// One reading of history: over generated histories (mixed channels and languages, approvals by
/// the author and by others, cancels before and after delivery, retries, dead, unknown,
/// corrections, stray ledger lines after a delivery, records with and without their post list),
/// the outbox screen's model, `outbox list --json`, the report's JSON and the sender agree on
/// every post's state, and each agrees with the rules table (docs/messages.md) written out again
/// here as an oracle.
@Suite(.ownThread) struct MessageAgreementTests {
    static let histories = 1_000
    /// The real sender runs on every fourth history (each run fsyncs its ledger lines).
    static let senderEvery = 4
    static let incident = "inc-agree"
    static let channelIDs = ["x", "mastodon", "kakao", "cbs", "webhook", "bluesky"]
    static let operators = ["kim", "lee", "park"]

    typealias Seeded = SeededRandom

    /// What the ledger says about one post, as a script of records in order.
    enum Script: CaseIterable {
        case none, interrupted, delivered, retrying, retriedThenDelivered, dead, unknown, cancelledBySender
        case strayAttemptAfterDelivery, strayRetryAfterDelivery, retryThenInterrupted

        var kinds: [DeliveryRecord.Kind] {
            switch self {
            case .none: []
            case .interrupted: [.attempt]
            case .delivered: [.attempt, .delivered]
            case .retrying: [.attempt, .retry]
            case .retriedThenDelivered: [.attempt, .retry, .attempt, .delivered]
            case .dead: [.attempt, .dead]
            case .unknown: [.attempt, .unknown]
            case .cancelledBySender: [.cancelled]
            case .strayAttemptAfterDelivery: [.attempt, .delivered, .attempt]
            case .strayRetryAfterDelivery: [.attempt, .delivered, .retry]
            case .retryThenInterrupted: [.attempt, .retry, .attempt]
            }
        }
    }

    struct Generated {
        var outbox: [OutboxRecord] = []
        var ledger: [DeliveryRecord] = []
        /// The oracle: each post's expected state name, from the rules table.
        var expected: [String: String] = [:]
        var posts: [String: OutboxPost] = [:]
    }

    static func key(_ id: String, _ channel: String, _ language: Language) -> String { "\(id).\(channel).\(language.rawValue)" }

    static func generate(_ seed: Int, profiles: ChannelProfiles, t0: Date) throws -> Generated {
        var rng = Seeded(state: UInt64(seed) &* 7919 &+ 17)
        var g = Generated()
        var messages: [OutboxMessage] = []
        var events: [[OutboxRecord]] = []          // approvals and cancels, placed later
        var scripts: [[DeliveryRecord]] = []
        var clock = t0
        func tick() -> Date { clock = clock.addingTimeInterval(Double(Int.random(in: 1...20, using: &rng))); return clock }

        for i in 0..<Int.random(in: 1...4, using: &rng) {
            var mode: Mode = Bool.random(using: &rng) ? .live : .drill
            let kind = MessageClass.allCases.randomElement(using: &rng)!
            let chosen = Array(channelIDs.shuffled(using: &rng).prefix(Int.random(in: 1...3, using: &rng)))
            let carriesEnglish = chosen.contains { profiles[$0]?.languages.contains(.en) == true }
            var source = ComposeDraft.Source.freeForm
            if i > 0, Int.random(in: 0..<4, using: &rng) == 0 {
                let original = messages.randomElement(using: &rng)!
                source = .correction(of: original.id)
                mode = original.mode
            }
            var draft = ComposeDraft(source: source, mode: mode, kind: kind, channels: chosen,
                                     text: Localized(ko: "메시지 \(seed)-\(i) {district} 대피", en: carriesEnglish ? "Message \(seed)-\(i): evacuate" : ""),
                                     incident: incident, manual: "typhoon", variables: ["district": "마포구"])
            // Generated at wall-clock time: CBS quiet hours are not what this test is about.
            draft.quietHoursOverride = "agreement test"
            let created = tick()
            let check = Compose.check(draft, channels: profiles, now: created)
            #expect(check.canQueue, "seed \(seed): \(check.refusals)")
            let id = "m-\(seed)-\(i)"
            let author = operators.randomElement(using: &rng)!
            guard var record = Compose.record(draft, check: check, id: id, operator: author, created: created) else { continue }
            // Some records as written before records carried their posts: read through `Posts.of`.
            if Int.random(in: 0..<6, using: &rng) == 0 {
                switch record {
                case .message(var m): m.posts = nil; record = .message(m)
                case .correct(var m): m.posts = nil; record = .correct(m)
                default: break
                }
            }
            let m: OutboxMessage
            switch record {
            case .message(let x), .correct(let x): m = x
            default: continue
            }
            messages.append(m)
            g.outbox.append(record)
            do {
                var mine: [OutboxRecord] = []
                var approvedByOther = false
                if m.needsApproval || Int.random(in: 0..<5, using: &rng) == 0 {
                    for _ in 0..<Int.random(in: 0...2, using: &rng) {
                        let by = operators.randomElement(using: &rng)!
                        if by != m.operator { approvedByOther = true }
                        mine.append(.approve(message: m.id, operator: by, at: tick()))
                    }
                }
                let cancelled = Int.random(in: 0..<4, using: &rng) == 0
                if cancelled {
                    for _ in 0..<Int.random(in: 1...2, using: &rng) {
                        mine.append(.cancel(message: m.id, operator: operators.randomElement(using: &rng)!, at: tick(), reason: "r"))
                    }
                }
                events.append(mine)
                for post in check.posts {
                    var script = Script.allCases.randomElement(using: &rng)!
                    if script == .cancelledBySender && !cancelled { script = .none }
                    var attempt = 0
                    let records = script.kinds.map { kind -> DeliveryRecord in
                        if kind == .attempt { attempt += 1 }
                        // Retry times in the past, so a sender run finds them due.
                        return DeliveryRecord(kind: kind, message: m.id, channel: post.channel, language: post.language, at: tick(),
                                              attempt: attempt, remoteID: kind == .delivered ? "r-\(m.id)" : nil,
                                              next: kind == .retry ? t0 : nil, reason: kind == .dead || kind == .unknown || kind == .retry ? "why" : nil)
                    }
                    scripts.append(records)
                    let k = Self.key(m.id, post.channel, post.language)
                    g.posts[k] = post
                    g.expected[k] = switch script {
                    case .delivered, .retriedThenDelivered, .strayAttemptAfterDelivery, .strayRetryAfterDelivery: "delivered"
                    case .dead: "dead"
                    case .unknown: "unknown"
                    case .cancelledBySender: "cancelled"
                    case .interrupted, .retryThenInterrupted: "sending"
                    case .retrying: cancelled ? "cancelled" : "retrying"
                    case .none: cancelled ? "cancelled" : (m.needsApproval && !approvedByOther ? "awaiting-approval" : "queued")
                    }
                }
            }
        }
        // Approvals and cancels after their message, anywhere later in the file.
        for batch in events {
            for record in batch {
                let after = g.outbox.firstIndex { $0.messageID == record.messageID }! + 1
                g.outbox.insert(record, at: Int.random(in: after...g.outbox.count, using: &rng))
            }
        }
        // Ledger lines of different posts interleave; each post's keep their order.
        var queues = scripts.filter { !$0.isEmpty }
        while !queues.isEmpty {
            let q = Int.random(in: 0..<queues.count, using: &rng)
            g.ledger.append(queues[q].removeFirst())
            if queues[q].isEmpty { queues.remove(at: q) }
        }
        return g
    }

    /// `state` objects of `outbox list --json` lines, flattened to keys.
    static func listStates(_ bytes: [UInt8]) throws -> [String: String] {
        var out: [String: String] = [:]
        for line in bytes.split(separator: UInt8(ascii: "\n")) {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any])
            let id = try #require(object["id"] as? String)
            let state = try #require(object["state"] as? [String: [String: String]])
            for (channel, languages) in state { for (language, name) in languages { out["\(id).\(channel).\(language)"] = name } }
        }
        return out
    }

    @Test func everyViewAndTheSenderAgreeOnEveryPostsState() async throws {
        let (profiles, problems) = ChannelProfileLoader.load(path: Binaries.bundledManuals + "/channels.yaml")
        try #require(problems.filter { $0.severity == .error }.isEmpty)
        let root = Binaries.temporaryDirectory("agreement")
        defer { try? FileManager.default.removeItem(atPath: root) }
        // Whole seconds: times go through the files at millisecond precision.
        let t0 = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 - 3600).rounded(.down))
        var posts = 0, senderRuns = 0
        var seen: [String: Int] = [:]
        for seed in 0..<Self.histories {
            let g = try Self.generate(seed, profiles: profiles, t0: t0)
            let dir = StateDirectory(path: root + "/h\(seed)")
            try dir.prepare()
            try dir.outbox.append(g.outbox)
            if !g.ledger.isEmpty { try dir.delivery.append(g.ledger) }

            // The outbox screen's model, as the TUI shell feeds it.
            let feed = try #require(TUIOutbox(state: dir, channels: profiles).poll(now: Date()))
            var app = AppState(manuals: [], operatorName: "viewer", now: Date())
            app.outbox = feed
            var screen: [String: String] = [:]
            for s in OutboxScreen(incident: nil, returnTo: .home(HomeScreen())).visible(app) {
                for (target, state) in s.states { screen[Self.key(s.id, target.channel, target.language)] = state.name }
            }

            // `outbox list --json`, both code paths of the command (all, and one incident).
            let buffer = Shared<[UInt8]>([])
            _ = try OutboxListing.parallel(state: dir, channels: profiles, filter: { _ in true },
                                           line: { OutboxListing.jsonLine($0, into: &$1) }, write: { bytes in buffer.update { $0 += bytes } })
            let list = try Self.listStates(buffer.value)
            var incidentBytes: [UInt8] = []
            _ = try OutboxListing.stream(state: dir, channels: profiles, incident: Self.incident, filter: { $0.incident == Self.incident }) {
                OutboxListing.jsonLine($0, into: &incidentBytes); incidentBytes.append(UInt8(ascii: "\n"))
            }
            let listIncident = try Self.listStates(incidentBytes)

            // The report's JSON.
            let opened = IncidentEvent.opened(.init(incident: Self.incident, at: t0, operator: "kim"),
                                              .init(manual: "typhoon", mode: .live, level: .interest))
            let (outboxBack, _) = try dir.outbox.readAll()
            let (ledgerBack, _) = try dir.delivery.readAll()
            let report = try IncidentReport.build(ReportInput(journal: [opened], outbox: outboxBack, ledger: ledgerBack, channels: profiles))
            let json = try #require(try JSONSerialization.jsonObject(with: Data(try ReportJSON.render(report).utf8)) as? [String: Any])
            var reported: [String: String] = [:]
            for message in try #require(json["messages"] as? [[String: Any]]) {
                let id = try #require(message["id"] as? String)
                for d in try #require(message["deliveries"] as? [[String: Any]]) {
                    let name = try #require(d["state"] as? String)
                    let k = Self.key(id, try #require(d["channel"] as? String), Language(rawValue: try #require(d["language"] as? String))!)
                    reported[k] = ["waiting": "queued", "attempting": "sending"][name] ?? name
                }
            }

            // The sender's plan, from the projection it keeps.
            var index = OutboxEventIndex()
            var bodies: [(OutboxMessage, Bool)] = []
            for r in outboxBack {
                index.apply(r)
                if case .message(let m) = r { bodies.append((m, false)) }
                if case .correct(let m) = r { bodies.append((m, true)) }
            }
            for d in ledgerBack { index.apply(d) }
            var plan: [String: SenderStep] = [:]
            for (m, isCorrection) in bodies {
                let status = index.status(of: m, isCorrection: isCorrection, channels: profiles)
                for p in status.posts { plan[Self.key(m.id, p.channel, p.language)] = status.senderStep(p.target) }
            }

            let context = "history \(seed)"
            #expect(Set(screen.keys) == Set(g.expected.keys), "\(context): screen posts")
            #expect(screen == g.expected, "\(context): screen vs rules")
            #expect(list == g.expected, "\(context): list --json vs rules")
            #expect(listIncident == g.expected, "\(context): list --incident --json vs rules")
            #expect(reported == g.expected, "\(context): report vs rules")
            #expect(Set(plan.keys) == Set(g.expected.keys), "\(context): sender plan posts")
            for (k, step) in plan {
                let want: String? = switch g.expected[k] {
                case "delivered", "dead", "unknown": "settled"
                case "awaiting-approval": "awaitApproval"
                case "queued": "send"
                case "sending": "recoverInterrupted"
                case "retrying": "retry"
                case "cancelled": ledgerBack.last { $0.key == k }?.kind == .cancelled ? "settled" : "recordCancel"
                default: nil
                }
                #expect(Self.name(step) == want, "\(context): \(k) plan \(step), state \(g.expected[k] ?? "?")")
            }
            // Home's counts add up to the messages the screen lists (cancelled ones aside).
            let c = feed.counts
            #expect(c.queued + c.awaitingApproval + c.failed + c.delivered == feed.messages.filter { !$0.isCancelled }.count)

            if seed % Self.senderEvery == 0 {
                try await Self.runSender(dir, profiles: profiles, plan: plan, posts: g.posts, context: context)
                senderRuns += 1
            }
            posts += g.expected.count
            for v in g.expected.values { seen[v, default: 0] += 1 }
        }
        // The generator reached every state, so agreement was tested on each.
        #expect(Set(seen.keys) == ["awaiting-approval", "queued", "sending", "delivered", "retrying", "dead", "cancelled", "unknown"], "\(seen)")
        print("agreement: \(Self.histories) histories, \(posts) posts, states \(seen.sorted { $0.key < $1.key }), \(senderRuns) sender runs")
    }

    static func name(_ step: SenderStep) -> String {
        switch step {
        case .settled: "settled"
        case .awaitApproval: "awaitApproval"
        case .send: "send"
        case .retry: "retry"
        case .recordCancel: "recordCancel"
        case .recoverInterrupted: "recoverInterrupted"
        }
    }

    /// A value shared with closures that run on other threads.
    final class Shared<T: Sendable>: Sendable {
        private let m: Mutex<T>
        init(_ value: T) { m = Mutex(value) }
        func update(_ body: (inout T) -> Void) { m.withLock { body(&$0) } }
        var value: T { m.withLock { $0 } }
    }

    /// Records every post it is asked to make; delivers it.
    actor Recording: Endpoint {
        nonisolated let config: EndpointConfig
        nonisolated let idempotent: Bool
        let calls: Shared<[String: [String]]>
        init(channel: String, mode: Mode, idempotent: Bool, calls: Shared<[String: [String]]>) {
            config = EndpointConfig(channel: channel, mode: mode, kind: .file(path: "/recording/\(channel)"),
                                    location: SourceLocation(file: "test", line: 1, column: 1))
            self.idempotent = idempotent
            self.calls = calls
        }
        nonisolated func readyAt(now: Date) -> Date? { nil }
        func deliver(_ post: Post) async -> DeliveryResult {
            calls.update { $0[post.key, default: []].append(post.text) }
            return .delivered(remoteID: "sent-\(post.key)")
        }
    }

    /// Runs the real sender once over the history and checks it did what its plan says, posting
    /// exactly the stored posts with their stored text and nothing else.
    static func runSender(_ dir: StateDirectory, profiles: ChannelProfiles, plan: [String: SenderStep], posts: [String: OutboxPost],
                          context: String) async throws {
        let before = try dir.delivery.readAll().records.count
        let calls = Shared<[String: [String]]>([:])
        var cancelledIDs: Set<String> = []
        for case .cancel(let id, _, _, _) in try dir.outbox.readAll().records { cancelledIDs.insert(id) }
        var endpoints: [String: [Mode: any Endpoint]] = [:]
        for id in channelIDs {
            for mode in Mode.allCases {
                endpoints[id, default: [:]][mode] = Recording(channel: id, mode: mode, idempotent: profiles[id]?.idempotent ?? false, calls: calls)
            }
        }
        var retry = RetrySettings()
        retry.maxAge = 24 * 3600
        var options = Sender.Options(once: true)
        options.heartbeat = false
        let sender = Sender(state: dir, endpoints: endpoints, retry: retry, concurrency: 4, options: options, channels: profiles)
        _ = try await sender.run()
        let added = try dir.delivery.readAll().records.dropFirst(before)
        var written: [String: [DeliveryRecord.Kind]] = [:]
        for r in added { written[r.key, default: []].append(r.kind) }
        let made = calls.value
        #expect(Set(made.keys).isSubset(of: Set(plan.keys)), "\(context): posted something that is not a post: \(Set(made.keys).subtracting(plan.keys))")
        for (k, step) in plan {
            let cancelled = cancelledIDs.contains(String(k.prefix { $0 != "." }))
            let idempotent = profiles[posts[k]!.channel]?.idempotent ?? false
            switch step {
            case .settled, .awaitApproval:
                #expect(made[k] == nil && written[k] == nil, "\(context): \(k) \(step) but the sender did \(written[k] ?? [])")
            case .send, .retry:
                #expect(made[k] == [posts[k]!.text], "\(context): \(k) \(step): posted \(made[k] ?? [])")
                #expect(written[k] == [.attempt, .delivered], "\(context): \(k) \(step): \(written[k] ?? [])")
            case .recordCancel:
                #expect(made[k] == nil && written[k] == [.cancelled], "\(context): \(k) \(step): \(written[k] ?? [])")
            case .recoverInterrupted:
                if cancelled || !idempotent {
                    #expect(made[k] == nil && written[k] == [.unknown], "\(context): \(k) \(step): \(written[k] ?? [])")
                } else {
                    #expect(made[k] == [posts[k]!.text] && written[k] == [.attempt, .delivered], "\(context): \(k) \(step): \(written[k] ?? [])")
                }
            }
        }
    }
}
