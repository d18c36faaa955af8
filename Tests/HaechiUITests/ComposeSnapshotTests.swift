import Foundation
import HaechiCore
import Testing
@testable import HaechiUI

/// Text snapshots (with styles) of compose and the outbox at 80×24 and 120×40, DRILL and LIVE,
/// in Korean. Same mechanism and files as `SnapshotTests` (HAECHI_RECORD_SNAPSHOTS=1 re-records).
@Suite struct ComposeSnapshotTests {
    /// Compose from the template step, a phrase added in Hangul, the cursor in the Korean text.
    static func composing(width: Int, height: Int, mode: Mode) -> Harness {
        var h = Harness.onTemplateStep(width: width, height: height, mode: mode)
        h.clock.advance(minutes: 2)
        h.key(.char("m"))
        h.key(.ctrl("w")); h.type("주의하고 여진에 대비하세요.")
        h.state.flash = nil
        return h
    }

    @Test func composeDrillAndLive() throws {
        for (w, ht) in SnapshotTests.sizes {
            try SnapshotTests.check("compose-drill", Self.composing(width: w, height: ht, mode: .drill).state)
            try SnapshotTests.check("compose-live", Self.composing(width: w, height: ht, mode: .live).state)
        }
    }

    /// LIVE with the CBS channel added and the text too long for its 90 characters: the red
    /// meter, the refusals, and the approval notice.
    @Test func composeRefusedOverTheLimit() throws {
        for (w, ht) in SnapshotTests.sizes {
            var h = Self.composing(width: w, height: ht, mode: .live)
            h.key(.tab); h.key(.tab)
            for _ in 0..<3 { h.key(.right) }
            h.key(.char(" "))
            h.key(.backTab)                        // English text: emptied, so x and mastodon lack it
            h.key(.ctrl("u"))
            h.key(.backTab)
            h.type(" 대피소는 {shelter}입니다. 건물 밖 넓은 곳으로 이동하고 엘리베이터를 타지 마십시오. 가스 밸브를 잠그십시오.")
            h.state.flash = nil
            try SnapshotTests.check("compose-refused-live", h.state)
        }
    }

    @Test func composeNotQueuedAndTheLiveConfirmation() throws {
        var h = Self.composing(width: 80, height: 24, mode: .drill)
        h.failOutbox = "open outbox.jsonl: Is a directory"
        h.key(.ctrl("o"))
        try SnapshotTests.check("compose-not-queued-drill", h.state)
        var l = Self.composing(width: 80, height: 24, mode: .live)
        l.key(.ctrl("o")); l.type("마포")
        try SnapshotTests.check("compose-confirm-live", l.state)
    }

    /// An outbox with a message in every state: delivered with its remote id, retrying at a
    /// time, dead with a reason, outcome unknown, cancelled, a correction, one awaiting approval.
    static func busyOutbox(width: Int, height: Int, mode: Mode, language: Language = .ko) -> Harness {
        var h = Harness.onTemplateStep(width: width, height: height, mode: mode, language: language)
        func queue(_ extra: String) {
            h.key(.char("m")); h.key(.ctrl("w")); h.type(extra)
            h.key(.ctrl("o"))
            if h.state.prompt?.purpose == .confirmRepeat { h.type("y"); h.key(.enter) }
            if mode == .live { h.type("마포구"); h.key(.enter) }
            h.clock.advance(minutes: 1)
        }
        queue("여진 주의.")
        queue("계단으로 대피.")
        queue("가스 차단.")
        let ids = h.messages.map(\.id)
        if mode == .live {
            h.state.operatorName = "lee"
            h.key(.char("o"))
            h.key(.down); h.key(.down)               // the oldest: approve it
            h.key(.char("a")); h.type("마포구"); h.key(.enter)
            h.key(.char("q"))
            h.state.operatorName = "kim"
        }
        h.sender(.attempt, ids[0], "x", .ko)
        h.sender(.delivered, ids[0], "x", .ko, remoteID: "1861234567890123456")
        h.sender(.delivered, ids[0], "x", .en, remoteID: "1861234567890123457")
        h.sender(.retry, ids[0], "mastodon", .ko, next: h.clock.now.addingTimeInterval(95), reason: "HTTP 503")
        h.sender(.unknown, ids[0], "mastodon", .en, reason: "timeout after send")
        h.sender(.dead, ids[1], "x", .ko, reason: "HTTP 403 duplicate")
        h.key(.char("o"))
        if mode == .drill {
            h.key(.char("x")); h.type("문안 오류"); h.key(.enter)   // the newest: cancelled
            h.key(.down); h.key(.down)
        } else {
            h.key(.down); h.key(.down)
        }
        h.state.flash = nil
        return h
    }

    @Test func outboxDrillAndLive() throws {
        for (w, ht) in SnapshotTests.sizes {
            try SnapshotTests.check("outbox-drill", Self.busyOutbox(width: w, height: ht, mode: .drill).state)
            try SnapshotTests.check("outbox-live", Self.busyOutbox(width: w, height: ht, mode: .live).state)
        }
        try SnapshotTests.check("outbox-live-en", Self.busyOutbox(width: 120, height: 40, mode: .live, language: .en).state)
    }

    @Test func outboxCorrectionCompose() throws {
        for (w, ht) in SnapshotTests.sizes {
            var h = Self.busyOutbox(width: w, height: ht, mode: .drill)
            h.key(.char("c"))
            h.state.flash = nil
            try SnapshotTests.check("compose-correction-drill", h.state)
        }
    }
}
