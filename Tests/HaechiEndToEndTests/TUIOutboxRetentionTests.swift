import Foundation
import HaechiTestSupport
import Testing
import HaechiCore
import HaechiStore
import HaechiUI
@testable import HaechiApp

/// The TUI holds only what its screens need (the current incident's messages, the last 25
/// hours, anything not settled) and retires the rest to the home counts. These tests compare
/// what it holds and counts with the full join of the same files: the same counts, the same
/// states for every message held, and every message the rule keeps is there, also after late
/// records that name a retired message.
@Suite(.ownThread) struct TUIOutboxRetentionTests {
    static let now = Date(timeIntervalSince1970: ((Date().timeIntervalSince1970) / 60).rounded(.down) * 60)
    static let profiles: ChannelProfiles = {
        let (p, _) = ChannelProfileLoader.load(path: Binaries.bundledManuals + "/channels.yaml")
        return p
    }()

    struct History {
        var outbox: [OutboxRecord] = []
        var ledger: [DeliveryRecord] = []
    }

    /// 240 messages over the last ten days, one every hour; incidents inc-0 … inc-7 in turn.
    /// The sender delivered every post of most; every 9th is dead on one post, every 13th has
    /// no ledger at all (never sent: not settled), every 17th was cancelled before it was sent.
    static func history() -> History {
        var h = History()
        let channels = ["x", "mastodon", "kakao", "webhook"]
        for i in 0..<240 {
            let created = now.addingTimeInterval(Double(i - 240) * 3600)
            let text = Localized(ko: "[서울시] 안내 \(i)", en: "[Seoul] Notice \(i)")
            let mode: Mode = i % 2 == 0 ? .drill : .live
            let posts = Posts.resolve(channels: channels, text: text, mode: mode, kind: .safety, isCorrection: false, profiles: profiles,
                                      at: created, timeZone: CityTime.default)
            let m = OutboxMessage(id: String(format: "m-test-%04d", i), incident: "inc-\(i % 8)", manual: "typhoon", district: "중구",
                                  mode: mode, kind: .safety, channels: channels, text: text, operator: "kim", created: created,
                                  posts: posts)
            h.outbox.append(.message(m))
            if i % 17 == 5 {
                h.outbox.append(.cancel(message: m.id, operator: "lee", at: created.addingTimeInterval(5), reason: "superseded"))
                for p in posts {
                    h.ledger.append(DeliveryRecord(kind: .cancelled, message: m.id, channel: p.channel, language: p.language,
                                                   at: created.addingTimeInterval(6)))
                }
                continue
            }
            if i % 13 == 7 { continue }
            for (k, p) in posts.enumerated() {
                let at = created.addingTimeInterval(10 + Double(k))
                h.ledger.append(DeliveryRecord(kind: .attempt, message: m.id, channel: p.channel, language: p.language, at: at, attempt: 1))
                let dead = i % 9 == 4 && k == 0
                h.ledger.append(DeliveryRecord(kind: dead ? .dead : .delivered, message: m.id, channel: p.channel, language: p.language,
                                               at: at.addingTimeInterval(1), attempt: 1, remoteID: dead ? nil : "r-\(i)-\(k)",
                                               reason: dead ? "HTTP 400" : nil))
            }
        }
        return h
    }

    func write(_ h: History, to dir: StateDirectory) throws {
        try dir.prepare()
        try dir.outbox.append(h.outbox)
        try dir.delivery.append(h.ledger)
    }

    /// The rule the TUI keeps by, written out again: the incident's, the last 25 hours, not settled.
    func kept(_ s: MessageStatus, incident: String?) -> Bool {
        s.message.incident == incident || Self.now.timeIntervalSince(s.message.created) < 25 * 3600 || !s.isSettled
    }

    func expectAgrees(_ feed: OutboxFeed, with h: History, incident: String?) throws {
        let all = OutboxLedgerJoin.join(outbox: h.outbox, ledger: h.ledger, channels: Self.profiles)
        #expect(feed.counts == OutboxCounts(all))
        let byID = Dictionary(uniqueKeysWithValues: feed.messages.map { ($0.id, $0) })
        for s in all where kept(s, incident: incident) {
            let held = try #require(byID[s.id], "\(s.id) must be held")
            #expect(held.states.map(\.state) == s.states.map(\.state), "\(s.id)")
        }
        #expect(feed.messages.map(\.id) == all.map(\.id).filter { byID[$0] != nil }, "held in outbox order")
    }

    @Test func holdsWhatTheScreensNeedAndCountsTheRest() throws {
        let dir = StateDirectory(path: Binaries.temporaryDirectory("retention"))
        defer { try? FileManager.default.removeItem(atPath: dir.path) }
        let h = Self.history()
        try write(h, to: dir)
        let tui = TUIOutbox(state: dir, channels: Self.profiles)
        let feed = try #require(tui.poll(now: Self.now, incident: "inc-3"))
        try expectAgrees(feed, with: h, incident: "inc-3")
        // Most of ten days of settled messages are not held.
        #expect(feed.messages.count < 120)
        #expect(tui.retired > 120)
        #expect(tui.held == feed.messages.count)
    }

    @Test func aLateCancelOfARetiredMessageIsReadAgainNotGuessed() throws {
        let dir = StateDirectory(path: Binaries.temporaryDirectory("retention-late"))
        defer { try? FileManager.default.removeItem(atPath: dir.path) }
        var h = Self.history()
        try write(h, to: dir)
        let tui = TUIOutbox(state: dir, channels: Self.profiles)
        let first = try #require(tui.poll(now: Self.now, incident: nil))
        // Message 10 (five days old, delivered everywhere) is retired; a cancel now names it,
        // and a stray attempt after its delivery arrives on the ledger.
        let old = "m-test-0010"
        #expect(!first.messages.contains { $0.id == old })
        let late = OutboxRecord.cancel(message: old, operator: "lee", at: Self.now, reason: "late")
        let stray = DeliveryRecord(kind: .attempt, message: "m-test-0021", channel: "x", language: .ko, at: Self.now, attempt: 2)
        try dir.outbox.append(late)
        try dir.delivery.append(stray)
        h.outbox.append(late)
        h.ledger.append(stray)
        let next = try #require(tui.poll(now: Self.now, incident: nil))
        try expectAgrees(next, with: h, incident: nil)
        #expect(next.counts.delivered == first.counts.delivered - 1)
        // Those two are held from now on, the others stay retired.
        #expect(next.messages.contains { $0.id == old })
        #expect(next.messages.count < 120)
    }

    @Test func openingAnIncidentWithRetiredMessagesHoldsThemAll() throws {
        let dir = StateDirectory(path: Binaries.temporaryDirectory("retention-incident"))
        defer { try? FileManager.default.removeItem(atPath: dir.path) }
        let h = Self.history()
        try write(h, to: dir)
        let tui = TUIOutbox(state: dir, channels: Self.profiles)
        let first = try #require(tui.poll(now: Self.now, incident: nil))
        #expect(first.messages.filter { $0.message.incident == "inc-5" }.count < 30)
        let opened = try #require(tui.poll(now: Self.now, incident: "inc-5"))
        try expectAgrees(opened, with: h, incident: "inc-5")
        #expect(opened.messages.filter { $0.message.incident == "inc-5" }.count == 30)
    }

    /// Read in slices much smaller than the files, the result is the same.
    @Test func smallSlicesGiveTheSameFeed() throws {
        let dir = StateDirectory(path: Binaries.temporaryDirectory("retention-slices"))
        defer { try? FileManager.default.removeItem(atPath: dir.path) }
        let h = Self.history()
        try write(h, to: dir)
        let tui = TUIOutbox(state: dir, channels: Self.profiles, slices: (outbox: 4096, ledger: 1024))
        let feed = try #require(tui.poll(now: Self.now, incident: "inc-1"))
        try expectAgrees(feed, with: h, incident: "inc-1")
        #expect(tui.retired > 120)
    }
}

/// `outbox list`'s text line written straight into bytes is the same text as the String form,
/// flags (correction, cancel, approval, corrected by) and every post state included.
@Suite struct OutboxListTextLineTests {
    @Test func bytesAndStringFormsAgree() throws {
        var h = TUIOutboxRetentionTests.history()
        let now = TUIOutboxRetentionTests.now
        h.outbox.append(.approve(message: "m-test-0003", operator: "lee", at: now))
        let original = try #require(h.outbox.compactMap { if case .message(let m) = $0, m.id == "m-test-0004" { m } else { nil } }.first)
        var fix = original
        fix.id = "m-test-fix"
        fix.corrects = original.id
        h.outbox.append(.correct(fix))
        h.ledger.append(DeliveryRecord(kind: .retry, message: "m-test-0007", channel: "x", language: .ko, at: now,
                                       next: now.addingTimeInterval(60), reason: "HTTP 503"))
        let all = OutboxLedgerJoin.join(outbox: h.outbox, ledger: h.ledger, channels: TUIOutboxRetentionTests.profiles)
        #expect(all.contains { $0.isCorrection } && all.contains { $0.isCancelled } && all.contains { $0.approval != nil })
        for s in all {
            var bytes: [UInt8] = []
            OutboxListing.textLine(s, into: &bytes)
            #expect(String(decoding: bytes, as: UTF8.self) == OutboxListing.textLine(s), "\(s.id)")
        }
    }
}
