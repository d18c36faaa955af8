import Foundation
import Testing
@testable import HaechiSender

/// Which posts each of several senders on one database takes first (`SenderShare`).
@Suite struct PostgresShareTests {
    let keys = (0..<3000).map { "m\($0).\($0 % 3 == 0 ? "mastodon" : "kakao").\($0 % 2 == 0 ? "ko" : "en")" }

    @Test func everyPostHasExactlyOneHomeAndTheSendersShareThemEvenly() {
        let peers = ["db1:100:7", "db1:200:9", "db2:300:4"]
        var counts: [String: Int] = [:]
        for key in keys {
            let homes = peers.filter { SenderShare(me: $0, peers: peers).isHome(key) }
            #expect(homes.count == 1, "\(key): \(homes)")
            if let home = homes.first { counts[home, default: 0] += 1 }
        }
        // 1000 each if perfectly even; a hash gives about that.
        for peer in peers { #expect((800...1200).contains(counts[peer] ?? 0), "\(counts)") }
    }

    @Test func whenASenderLeavesOnlyItsPostsMove() {
        let before = ["a", "b", "c"], after = ["a", "c"]
        for key in keys {
            let home = before.first { SenderShare(me: $0, peers: before).isHome(key) }
            let next = after.first { SenderShare(me: $0, peers: after).isHome(key) }
            if home != "b" { #expect(next == home, "\(key) moved from \(home ?? "-") to \(next ?? "-")") }
        }
    }

    @Test func theSameInEveryProcessAndEverythingIsHomeAlone() {
        // A fixed value: not Swift's per-process seeded hash, or two processes would disagree.
        #expect(SenderShare.weight("a", "m1.kakao.ko") == SenderShare.weight("a", "m1.kakao.ko"))
        #expect(SenderShare.weight("a", "m1.kakao.ko") != SenderShare.weight("b", "m1.kakao.ko"))
        #expect(SenderShare.weight("ab", "c") != SenderShare.weight("a", "bc"))
        // FNV-1a then SplitMix64's finaliser, worked out independently (python3).
        #expect(SenderShare.weight("sender-a", "p1.kakao.ko") == 0xa931_cb79_21b1_e68e)
        // Alone, before the first heartbeat, or not among the live ones: every post is its own.
        #expect(SenderShare(me: "a").isHome("m1.kakao.ko"))
        #expect(SenderShare(me: "a", peers: ["a"]).isHome("m1.kakao.ko"))
        #expect(SenderShare(me: "a", peers: ["b", "c"]).isHome("m1.kakao.ko"))
    }
}
