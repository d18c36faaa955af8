import CAPSchemaCheck
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import HaechiCore
import HaechiStore
import Testing
@testable import HaechiSender

@Suite struct WebhookDeliveryTests {
    @Test func signedPostsCancelAndApprovalAreHonoured() async throws {
        let fx = try Fixture()
        defer { fx.remove() }
        let secret = makeWebhookSecret()
        let receiver = try await Receiver(.webhook(secret: secret), faults: { key, previous in
            key.hasPrefix("flaky") && previous < 2 ? .status(502) : .none
        })
        defer { Task { await receiver.close() } }
        let secretPath = try fx.secretFile("hook.secret", secret)
        let config = try fx.config("""
        \(fastRetry)
        channels:
          kakao:
            live: { kind: webhook, url: "\(receiver.url)/hook", secret_file: \(secretPath) }
        """)
        let now = Date()
        try fx.queue([
            .message(message("plain", channels: ["kakao"], ko: "대피하세요", en: "Evacuate")),
            .message(message("flaky", channels: ["kakao"], ko: "재시도")),
            .message(message("cancelled", channels: ["kakao"], ko: "취소될 메시지")),
            .cancel(message: "cancelled", operator: "lee", at: now, reason: "wrong district"),
            .message(message("unapproved", channels: ["kakao"], ko: "승인 대기", operator: "kim", needsApproval: true)),
            .message(message("self-approved", channels: ["kakao"], ko: "자기 승인", operator: "kim", needsApproval: true)),
            .approve(message: "self-approved", operator: "kim", at: now),
            .message(message("approved", channels: ["kakao"], ko: "승인됨", operator: "kim", needsApproval: true)),
            .approve(message: "approved", operator: "park", at: now),
        ])
        let summary = try await fx.run(config)
        let stored = receiver.snapshot.stored
        #expect(receiver.snapshot.rejectedAuth == 0, "every signature verified")
        #expect(Set(stored.keys) == ["plain.kakao.ko", "plain.kakao.en", "flaky.kakao.ko", "approved.kakao.ko"])
        #expect(stored["plain.kakao.ko"]?.text == "대피하세요")
        #expect(receiver.postsPerKey()["flaky.kakao.ko"] == 3)
        let outcomes = try fx.outcomes()
        #expect(outcomes["cancelled.kakao.ko"]?.kind == .cancelled)
        #expect(outcomes["cancelled.kakao.ko"]?.reason == "cancelled by lee: wrong district")
        #expect(outcomes["unapproved.kakao.ko"] == nil, "waits, nothing recorded")
        #expect(outcomes["self-approved.kakao.ko"] == nil, "an author cannot approve their own message")
        #expect(summary.awaitingApproval == 2)

        // The second operator approves later: the next run sends it, and only it.
        try fx.queue([.approve(message: "unapproved", operator: "park", at: Date())])
        _ = try await fx.run(config)
        #expect(receiver.snapshot.stored["unapproved.kakao.ko"] != nil)
        #expect(receiver.postsPerKey().values.allSatisfy { $0 == 1 } == false) // flaky had 3 posts
        #expect(receiver.postsPerKey()["plain.kakao.ko"] == 1, "a settled delivery is not sent again by a later run")
    }

    @Test func gone410IsDeadAndDisablesTheEndpoint() async throws {
        let fx = try Fixture()
        defer { fx.remove() }
        let secret = makeWebhookSecret()
        let receiver = try await Receiver(.webhook(secret: secret), faults: { _, _ in .status(410, body: #"{"message":"unsubscribed"}"#) })
        defer { Task { await receiver.close() } }
        let config = try fx.config("""
        concurrency: 1
        channels:
          kakao:
            live: { kind: webhook, url: "\(receiver.url)", secret_env: HOOK }
        """)
        try fx.queue([message("a", channels: ["kakao"], ko: "하나"), message("b", channels: ["kakao"], ko: "둘")])
        _ = try await fx.run(config, environment: ["HOOK": secret])
        let outcomes = try fx.outcomes()
        #expect(outcomes["a.kakao.ko"]?.kind == .dead)
        #expect(outcomes["a.kakao.ko"]?.reason?.contains("410") == true)
        #expect(outcomes["b.kakao.ko"]?.kind == .dead)
        #expect(receiver.postsPerKey().values.reduce(0, +) == 1, "after a 410 nothing more is posted there")
    }

    @Test func aDrillNeverReachesALiveEndpoint() async throws {
        let fx = try Fixture()
        defer { fx.remove() }
        let drillSecret = makeWebhookSecret(), liveSecret = makeWebhookSecret()
        let drillHook = try await Receiver(.webhook(secret: drillSecret))
        let liveHook = try await Receiver(.webhook(secret: liveSecret))
        let liveMastodon = try await Receiver(.mastodon(token: "live", maxCharacters: 500))
        defer { Task { await drillHook.close(); await liveHook.close(); await liveMastodon.close() } }
        let capDir = fx.dir + "/cap-drill"
        let config = try fx.config("""
        channels:
          kakao:
            drill: { kind: webhook, url: "\(drillHook.url)", secret_env: DRILL }
            live: { kind: webhook, url: "\(liveHook.url)", secret_env: LIVE }
          mastodon:
            live: { kind: mastodon, url: "\(liveMastodon.url)", token_env: TOKEN }
          cap:
            drill: { kind: cap, dir: \(capDir), sender: test@seoul.go.kr }
        """)
        try fx.queue([
            message("d1", mode: .drill, channels: ["kakao", "mastodon", "cap"], ko: "훈련 상황입니다"),
            message("l1", mode: .live, channels: ["kakao", "mastodon", "cap"], ko: "실제 상황입니다"),
        ])
        _ = try await fx.run(config, environment: ["DRILL": drillSecret, "LIVE": liveSecret, "TOKEN": "live"])
        #expect(Set(drillHook.snapshot.stored.keys) == ["d1.kakao.ko"])
        #expect(drillHook.snapshot.stored["d1.kakao.ko"]?.text == "[훈련] 훈련 상황입니다", "drills carry the visible prefix")
        #expect(Set(liveHook.snapshot.stored.keys) == ["l1.kakao.ko"])
        #expect(Set(liveMastodon.snapshot.stored.keys) == ["l1.mastodon.ko"])
        let outcomes = try fx.outcomes()
        #expect(outcomes["d1.mastodon.ko"]?.kind == .dead)
        #expect(outcomes["d1.mastodon.ko"]?.reason == "no drill endpoint is configured for channel 'mastodon'; not sent anywhere else")
        #expect(outcomes["l1.cap.ko"]?.kind == .dead)
        #expect(outcomes["l1.cap.ko"]?.reason == "no live endpoint is configured for channel 'cap'; not sent anywhere else")
        let capFiles = try FileManager.default.contentsOfDirectory(atPath: capDir)
        #expect(capFiles.sorted() == ["d1.xml", "index.atom"])
        let xml = try String(contentsOfFile: capDir + "/d1.xml", encoding: .utf8)
        #expect(xml.contains("<status>Exercise</status>"))
        #expect(try CAPSchema.problems(xml) == [])
    }

    @Test func anInterruptedAttemptIsRetriedOnlyWhereTheEndpointIsIdempotent() async throws {
        let fx = try Fixture()
        defer { fx.remove() }
        let secret = makeWebhookSecret()
        let safe = try await Receiver(.webhook(secret: secret))
        let blind = try await Receiver(.webhook(secret: secret))
        defer { Task { await safe.close(); await blind.close() } }
        let config = try fx.config("""
        channels:
          safe:
            live: { kind: webhook, url: "\(safe.url)", secret_env: S }
          blind:
            live: { kind: webhook, url: "\(blind.url)", secret_env: S, idempotent: false }
        """)
        try fx.queue([message("m", channels: ["safe", "blind"], ko: "중단된 시도"),
                      message("c", channels: ["safe"], ko: "시도 중 취소"),
                      .init(id: "x", mode: .live, kind: .info, channels: ["safe"], text: Localized(ko: "x", en: ""), operator: "kim", created: Date())])
        // A previous sender wrote these attempts and died before any outcome.
        let at = Date()
        try fx.state.delivery.append([
            DeliveryRecord(kind: .attempt, message: "m", channel: "safe", language: .ko, at: at, attempt: 1),
            DeliveryRecord(kind: .attempt, message: "m", channel: "blind", language: .ko, at: at, attempt: 1),
            DeliveryRecord(kind: .attempt, message: "c", channel: "safe", language: .ko, at: at, attempt: 1),
            DeliveryRecord(kind: .attempt, message: "x", channel: "safe", language: .ko, at: at, attempt: 1),
            DeliveryRecord(kind: .delivered, message: "x", channel: "safe", language: .ko, at: at, attempt: 1, remoteID: "7"),
        ])
        try fx.queue([.cancel(message: "c", operator: "lee", at: Date(), reason: "")])
        _ = try await fx.run(config, environment: ["S": secret])
        let outcomes = try fx.outcomes()
        #expect(outcomes["m.safe.ko"]?.kind == .delivered)
        #expect(outcomes["m.safe.ko"]?.attempt == 2, "the attempt count goes on from the ledger")
        #expect(outcomes["m.blind.ko"]?.kind == .unknown)
        #expect(outcomes["m.blind.ko"]?.reason?.contains("not re-posted blind") == true)
        #expect(blind.postsPerKey().isEmpty)
        #expect(outcomes["c.safe.ko"]?.kind == .unknown, "cancelled after its attempt: it may have gone out")
        #expect(safe.postsPerKey() == ["m.safe.ko": 1], "x was delivered before and is not sent again")
    }
}

/// Cancel and approval arriving while the sender runs (follow mode, in process).
@Suite struct LiveFollowTests {
    @Test func aCancelStopsFurtherRetriesAndALateApprovalReleasesTheMessage() async throws {
        let fx = try Fixture()
        defer { fx.remove() }
        let secret = makeWebhookSecret()
        let receiver = try await Receiver(.webhook(secret: secret), faults: { key, _ in key.hasPrefix("failing") ? .status(503) : .none })
        defer { Task { await receiver.close() } }
        let config = try fx.config("""
        retry: { base: 150ms, cap: 150ms, max_attempts: 100 }
        channels:
          hook:
            live: { kind: webhook, url: "\(receiver.url)", secret_env: S }
        """)
        let setup = try SenderSetup.make(config: config, environment: ["S": secret])
        var options = Sender.Options(once: false)
        options.heartbeat = false
        let sender = Sender(state: fx.state, endpoints: setup.endpoints, retry: config.retry, concurrency: 4, options: options)
        let running = Task { try await sender.run() }

        try fx.queue([message("failing", channels: ["hook"], ko: "계속 실패"),
                      message("needs-ok", channels: ["hook"], ko: "승인 필요", operator: "kim", needsApproval: true)])
        func waitFor(_ condition: () throws -> Bool) async throws {
            // Far above any scheduling delay: in a full run on 2 cores the sender's timers wait
            // behind other suites (the condition is a positive signal, so passing costs nothing).
            let deadline = Date().addingTimeInterval(180)
            while try !condition() && Date() < deadline { try await Task.sleep(nanoseconds: 10_000_000) }
            #expect(try condition())
        }
        try await waitFor { try fx.ledger().filter { $0.kind == .retry }.count >= 2 }
        try fx.queue([.cancel(message: "failing", operator: "lee", at: Date(), reason: "superseded")])
        try await waitFor { try fx.outcomes()["failing.hook.ko"]?.kind == .cancelled }
        let postsAtCancel = receiver.postsPerKey()["failing.hook.ko"] ?? 0
        #expect(receiver.snapshot.stored["needs-ok.hook.ko"] == nil)

        try fx.queue([.approve(message: "needs-ok", operator: "park", at: Date())])
        try await waitFor { receiver.snapshot.stored["needs-ok.hook.ko"] != nil }
        try await Task.sleep(nanoseconds: 400_000_000)
        #expect(receiver.postsPerKey()["failing.hook.ko"] == postsAtCancel, "no attempt after the cancel")
        await sender.stop()
        _ = try await running.value
        await setup.shutdown()
    }
}

@Suite struct NonIdempotentTests {
    /// Without idempotency a timeout or a cut connection leaves the post's fate unknown: the
    /// sender says so instead of posting again, while a clear "try later" (503) is still retried.
    @Test func aCutConnectionIsUnknownButA503IsRetried() async throws {
        let fx = try Fixture()
        defer { fx.remove() }
        let secret = makeWebhookSecret()
        let receiver = try await Receiver(.webhook(secret: secret), faults: { key, previous in
            if key.hasPrefix("cut") { return .dropAfterStore }
            // Far beyond the 600 ms timeout: on a loaded 2-core machine the timeout's task can
            // wait seconds for a thread (5 s was once not enough in CI), so the answer comes only
            // after any plausible delay; nothing waits for it, the sender has moved on.
            if key.hasPrefix("slow") { return .slow(120) }
            if key.hasPrefix("busy") && previous == 0 { return .status(503) }
            return .none
        })
        defer { Task { await receiver.close() } }
        let config = try fx.config("""
        \(fastRetry)
        channels:
          chat:
            live: { kind: webhook, url: "\(receiver.url)", secret_env: S, idempotent: false }
        """)
        try fx.queue([message("cut", channels: ["chat"], ko: "끊김"), message("slow", channels: ["chat"], ko: "느림"),
                      message("busy", channels: ["chat"], ko: "바쁨")])
        _ = try await fx.run(config, environment: ["S": secret])
        let outcomes = try fx.outcomes()
        #expect(outcomes["cut.chat.ko"]?.kind == .unknown)
        #expect(outcomes["cut.chat.ko"]?.reason?.contains("not re-posted blind") == true)
        #expect(outcomes["slow.chat.ko"]?.kind == .unknown)
        #expect(outcomes["busy.chat.ko"]?.kind == .delivered)
        #expect(receiver.postsPerKey() == ["cut.chat.ko": 1, "slow.chat.ko": 1, "busy.chat.ko": 2])
    }

    @Test func aRefusedConnectionIsRetriedEvenWithoutIdempotency() async throws {
        let fx = try Fixture()
        defer { fx.remove() }
        // A port that is bound but never listens: connecting is refused (never reset), and as
        // the socket stays open for the whole test, no other test can take the port meanwhile.
        // The request never left, so trying again cannot post twice.
        let (socketFD, port) = try boundButNotListening()
        defer { close(socketFD) }
        let config = try fx.config("""
        retry: { base: 10ms, cap: 20ms, max_attempts: 3, timeout: 3s }
        channels:
          chat:
            live: { kind: webhook, url: "http://127.0.0.1:\(port)", secret_env: S, idempotent: false }
        """)
        try fx.queue([message("m", channels: ["chat"], ko: "연결 거부")])
        _ = try await fx.run(config, environment: ["S": makeWebhookSecret()])
        let records = try fx.ledger()
        #expect(records.map(\.kind) == [.attempt, .retry, .attempt, .retry, .attempt, .dead], "\(records.map { "\($0.kind) \($0.reason ?? "")" })")
    }
}

/// A loopback TCP socket bound to a free port without `listen`, and that port.
func boundButNotListening() throws -> (Int32, Int) {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw POSIXError(.EMFILE) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
    guard bound == 0 else { close(fd); throw POSIXError(.EADDRINUSE) }
    _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
    return (fd, Int(UInt16(bigEndian: address.sin_port)))
}
