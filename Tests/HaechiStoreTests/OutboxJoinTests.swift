import Foundation
import Testing
import HaechiCore
import HaechiStore

/// The per-message state view: outbox records joined with the sender's ledger, and the
/// approve/cancel rules built on it.
@Suite struct OutboxJoinTests {
    static let t0 = Date(timeIntervalSince1970: 1_795_935_900)
    static let profiles = ChannelProfiles([
        ChannelProfile(id: "x", name: .init(ko: "X", en: "X"), counting: .xWeighted, limit: 280, languages: [.ko, .en], approval: [.emergency]),
        ChannelProfile(id: "kakao", name: .init(ko: "카카오", en: "Kakao"), counting: .characters, limit: 200, languages: [.ko], approval: [.emergency]),
    ])

    static func message(_ id: String, needsApproval: Bool = true, operator op: String = "kim") -> OutboxMessage {
        OutboxMessage(id: id, mode: .live, kind: .emergency, channels: ["x", "kakao"], text: .init(ko: "대피", en: "Evacuate"),
                      operator: op, created: t0, needsApproval: needsApproval)
    }

    static func ledger(_ kind: DeliveryRecord.Kind, _ id: String, _ channel: String, _ language: Language, minutes: Double = 1,
                       remoteID: String? = nil, next: Date? = nil, reason: String? = nil) -> DeliveryRecord {
        DeliveryRecord(kind: kind, message: id, channel: channel, language: language, at: t0.addingTimeInterval(minutes * 60),
                       attempt: 1, remoteID: remoteID, next: next, reason: reason)
    }

    func status(_ outbox: [OutboxRecord], _ ledger: [DeliveryRecord] = []) -> MessageStatus {
        OutboxLedgerJoin.join(outbox: outbox, ledger: ledger, channels: Self.profiles)[0]
    }

    let x = DeliveryTarget(channel: "x", language: .ko)
    let xEN = DeliveryTarget(channel: "x", language: .en)
    let kakao = DeliveryTarget(channel: "kakao", language: .ko)

    @Test func targetsFollowTheLanguagesEachChannelPosts() {
        let s = status([.message(Self.message("m-1"))])
        #expect(s.targets == [x, xEN, kakao], "Kakao posts Korean only")
    }

    @Test func approvalStates() {
        var s = status([.message(Self.message("m-1"))])
        #expect(s.states.allSatisfy { $0.state == .awaitingApproval })
        // A self-approval written by hand does not count; another operator's does.
        s = status([.message(Self.message("m-1")), .approve(message: "m-1", operator: "kim", at: Self.t0)])
        #expect(s.state(x) == .awaitingApproval)
        s = status([.message(Self.message("m-1")), .approve(message: "m-1", operator: "kim", at: Self.t0),
                    .approve(message: "m-1", operator: "lee", at: Self.t0)])
        #expect(s.states.allSatisfy { $0.state == .queued } && s.approvedBy == "lee")
        #expect(status([.message(Self.message("m-1", needsApproval: false))]).state(x) == .queued)
    }

    @Test func everyLedgerStateIsShownPerChannelAndLanguage() {
        let next = Self.t0.addingTimeInterval(600)
        let s = status([.message(Self.message("m-1", needsApproval: false))], [
            Self.ledger(.attempt, "m-1", "x", .ko), Self.ledger(.delivered, "m-1", "x", .ko, remoteID: "1789"),
            Self.ledger(.attempt, "m-1", "x", .en), Self.ledger(.retry, "m-1", "x", .en, next: next, reason: "429"),
            Self.ledger(.attempt, "m-1", "kakao", .ko),
        ])
        #expect(s.state(x) == .delivered(remoteID: "1789", at: Self.t0.addingTimeInterval(60)))
        #expect(s.state(xEN) == .retrying(next: next, reason: "429"))
        #expect(s.state(kakao) == .sending(attempt: 1, since: Self.t0.addingTimeInterval(60)))
        #expect(s.state(xEN).description == "retrying at \(RecordCoding.formatTimestamp(next)) (429)")
        let dead = status([.message(Self.message("m-1", needsApproval: false))],
                          [Self.ledger(.dead, "m-1", "x", .ko, reason: "401 Unauthorized"), Self.ledger(.unknown, "m-1", "kakao", .ko, reason: "timeout")])
        #expect(dead.state(x) == .dead(reason: "401 Unauthorized"))
        #expect(dead.state(kakao) == .unknown(reason: "timeout"))
        #expect(dead.state(xEN) == .queued)
    }

    @Test func aDeliveryIsFinalAndLedgerLinesMayComeFirst() {
        // Ledger before outbox (another read order) and a stray attempt after the delivery.
        var join = OutboxLedgerJoin(channels: Self.profiles)
        join.apply(Self.ledger(.delivered, "m-1", "x", .ko, remoteID: "r1"))
        join.apply(Self.ledger(.attempt, "m-1", "x", .ko, minutes: 5))
        join.apply(.message(Self.message("m-1", needsApproval: false)))
        #expect(join["m-1"]?.state(x).isDelivered == true)
    }

    @Test func cancelStopsWhatIsNotDeliveredYet() {
        let s = status([.message(Self.message("m-1", needsApproval: false)), .cancel(message: "m-1", operator: "lee", at: Self.t0, reason: "오발송")],
                       [Self.ledger(.delivered, "m-1", "x", .ko, remoteID: "r1"), Self.ledger(.retry, "m-1", "x", .en, next: Self.t0)])
        #expect(s.state(x).isDelivered)
        #expect(s.state(xEN) == .cancelled)
        #expect(s.state(kakao) == .cancelled)
        #expect(s.cancel?.reason == "오발송")
    }

    @Test func correctionsAreLinkedToTheirOriginal() {
        var fix = Self.message("m-2"); fix.corrects = "m-1"
        let all = OutboxLedgerJoin.join(outbox: [.message(Self.message("m-1")), .correct(fix)], ledger: [], channels: Self.profiles)
        #expect(all.map(\.id) == ["m-1", "m-2"])
        #expect(all[0].correctedBy == ["m-2"] && all[1].isCorrection)
    }

    @Test func nobodyApprovesTheirOwnMessage() {
        let s = status([.message(Self.message("m-1"))])
        #expect(OutboxRules.approve(s, id: "m-1", by: "kim", at: Self.t0) == .failure(.ownMessage(id: "m-1", operator: "kim")))
        #expect(OutboxRules.approve(s, id: "m-1", by: "lee", at: Self.t0) == .success(.approve(message: "m-1", operator: "lee", at: Self.t0)))
        #expect(OutboxRules.approve(nil, id: "m-9", by: "lee", at: Self.t0) == .failure(.noSuchMessage("m-9")))
        #expect(OutboxRules.approve(s, id: "m-1", by: " ", at: Self.t0) == .failure(.noOperator))
        let free = status([.message(Self.message("m-1", needsApproval: false))])
        #expect(OutboxRules.approve(free, id: "m-1", by: "lee", at: Self.t0) == .failure(.approvalNotNeeded("m-1")))
        let approved = status([.message(Self.message("m-1")), .approve(message: "m-1", operator: "lee", at: Self.t0)])
        #expect(OutboxRules.approve(approved, id: "m-1", by: "park", at: Self.t0) == .failure(.alreadyApproved(id: "m-1", by: "lee")))
        let cancelled = status([.message(Self.message("m-1")), .cancel(message: "m-1", operator: "kim", at: Self.t0, reason: "")])
        #expect(OutboxRules.approve(cancelled, id: "m-1", by: "lee", at: Self.t0) == .failure(.alreadyCancelled("m-1")))
        #expect(OutboxRefusal.ownMessage(id: "m-1", operator: "kim").description.contains("another operator must"))
    }

    @Test func cancelIsRefusedOnceDeliveredEverywhere() {
        let m = OutboxRecord.message(Self.message("m-1", needsApproval: false))
        let everywhere = [x, xEN, kakao].map { Self.ledger(.delivered, "m-1", $0.channel, $0.language) }
        #expect(OutboxRules.cancel(status([m], everywhere), id: "m-1", by: "lee", at: Self.t0, reason: "")
                == .failure(.deliveredEverywhere("m-1")))
        #expect(OutboxRules.cancel(status([m], Array(everywhere.prefix(2))), id: "m-1", by: "lee", at: Self.t0, reason: "r")
                == .success(.cancel(message: "m-1", operator: "lee", at: Self.t0, reason: "r")))
        let finished = Array(everywhere.prefix(2)) + [Self.ledger(.dead, "m-1", "kakao", .ko)]
        #expect(OutboxRules.cancel(status([m], finished), id: "m-1", by: "lee", at: Self.t0, reason: "")
                == .failure(.nothingLeftToCancel("m-1")))
        let twice = status([m, .cancel(message: "m-1", operator: "kim", at: Self.t0, reason: "")])
        #expect(OutboxRules.cancel(twice, id: "m-1", by: "lee", at: Self.t0, reason: "") == .failure(.alreadyCancelled("m-1")))
    }
}
