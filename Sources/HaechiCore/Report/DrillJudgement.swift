import Foundation

/// How a drill answered its scenario: the one function that scores every expectation of every
/// inject (steps, a message, no message, a correction or cancel, a level, a duty stage). The
/// report (every format), its JSON and the TUI's report screen are views of it; the rules are in
/// docs/steps.md.
///
/// Times are the incident's own (`Incident.offset(of:)`): scenario time in a drill, with the
/// trainer's speed and pauses replayed from the journal, the same clock `Incident.timing` judges
/// step deadlines by. Each result's `after` is counted from the moment the inject was shown.
public enum DrillJudgement {
    /// Scores `scenario` against the incident's journal and outbox (and the sender's ledger, for
    /// whether a cancelled message still reached anyone). Nil when the journal has no opening.
    public static func score(_ scenario: Scenario, journal: [IncidentEvent], outbox: [OutboxRecord],
                             ledger: [DeliveryRecord] = [], channels: ChannelProfiles? = nil) -> IncidentReport.DrillScore? {
        guard let incident = Incident.replay(journal) else { return nil }
        let mine = IncidentReport.messageIDs(of: incident.id, journaled: Set(incident.messages.map(\.message)), outbox: outbox)
        let records = outbox.filter { mine.contains($0.messageID) }
        let messages = OutboxLedgerJoin.join(outbox: records, ledger: ledger.filter { mine.contains($0.message) }, channels: channels)
        return score(scenario, incident: incident, messages: messages, end: incident.closedAt ?? incident.lastEventAt)
    }

    /// The same, on an incident already replayed and its messages already joined with the ledger
    /// (how the report calls it). `end` is when the record stops: the close, or for an open drill
    /// its last line; a window still running then is `pending`, not missed.
    public static func score(_ scenario: Scenario, incident: Incident, messages: [MessageStatus], end: Date) -> IncidentReport.DrillScore {
        var shownAt: [String: TimeInterval] = [:]
        var shownDate: [String: Date] = [:]
        for shown in incident.injects where shownAt[shown.id] == nil {
            shownAt[shown.id] = incident.offset(of: shown.at)
            shownDate[shown.id] = shown.at
        }
        let now = incident.offset(of: end)
        let closed = incident.closedAt != nil
        var scores: [IncidentReport.InjectScore] = []
        for inject in scenario.injects {
            let shown = shownAt[inject.id]
            let expect = inject.expect
            let expected = expect?.steps ?? []
            var done: [String] = []
            var missing: [String] = []
            var response: TimeInterval?
            var results: [IncidentReport.ExpectationResult] = []
            if let expect, let shown, let date = shownDate[inject.id] {
                let window = Window(shown: shown, within: expect.within, now: now, closed: closed)
                if !expected.isEmpty {
                    var latest: TimeInterval = 0
                    for step in expected {
                        // The first completion counts; a step done before the inject answers it at once.
                        if let at = incident.history[step]?.first(where: { $0.status == .done }).map({ incident.offset(of: $0.at) }),
                           at <= window.end {
                            done.append(step); latest = max(latest, at - shown)
                        } else {
                            missing.append(step)
                        }
                    }
                    if missing.isEmpty { response = latest }
                    results.append(window.positive(.steps(expected), metAt: missing.isEmpty ? shown + latest : nil))
                }
                if let match = expect.message { results.append(message(match, messages, incident, window)) }
                if let match = expect.noMessage { results.append(noMessage(match, messages, incident, window)) }
                if let match = expect.correction { results.append(correction(match, messages, incident, window)) }
                if let level = expect.level { results.append(self.level(level, incident, shownAt: date, window)) }
                if let stage = expect.stage { results.append(self.stage(stage, incident, shownAt: date, window)) }
            } else {
                missing = expected
                if let expect { results = IncidentReport.ExpectationResult.unplayed(expect) }
            }
            let hasExpectation = !(expect?.isEmpty ?? true)
            scores.append(IncidentReport.InjectScore(
                id: inject.id, scheduled: inject.at, shown: shown, text: inject.text, level: inject.level,
                expected: expected, within: expect?.within, done: done, missing: missing, response: response,
                answered: hasExpectation && shown != nil && results.allSatisfy { $0.verdict == .met },
                results: results))
        }
        let withExpectation = scores.filter { !($0.results ?? []).isEmpty }
        let answered = withExpectation.filter(\.answered)
        let responses = answered.compactMap(\.response)
        return IncidentReport.DrillScore(
            injects: scores, answered: answered.count, expected: withExpectation.count,
            meanResponse: responses.isEmpty ? nil : responses.reduce(0, +) / Double(responses.count),
            percent: withExpectation.isEmpty ? 100 : answered.count * 100 / withExpectation.count)
    }

    // MARK: - One window

    /// An inject's response window in incident seconds, and how far the record reaches.
    struct Window {
        var shown: TimeInterval
        var within: TimeInterval
        /// Incident time the record reaches (the close, or the last journal line).
        var now: TimeInterval
        var closed: Bool
        var end: TimeInterval { shown + within }
        func contains(_ t: TimeInterval) -> Bool { t >= shown && t <= end }
        /// The window has run out, or the drill closed: nothing more can be done about it.
        var isOver: Bool { closed || now >= end }

        /// Met at `metAt`, else missed once the window is over, else still pending.
        func positive(_ expected: IncidentReport.ExpectationResult.Expected, metAt: TimeInterval?,
                      message: String? = nil) -> IncidentReport.ExpectationResult {
            var r = IncidentReport.ExpectationResult(expected, verdict: .pending)
            if let metAt {
                r.verdict = .met; r.after = max(0, metAt - shown); r.message = message
            } else if isOver {
                r.verdict = .missed
            }
            return r
        }
    }

    // MARK: - Messages

    /// A message counts once it could reach someone: not cancelled before any post was
    /// delivered (`MessageStatus.countsAsSent`, the repeat check's rule).
    static func queued(_ messages: [MessageStatus], _ incident: Incident, in window: Window) -> [(status: MessageStatus, at: TimeInterval)] {
        messages.compactMap { status in
            let at = incident.offset(of: status.message.created)
            return window.contains(at) && status.countsAsSent ? (status, at) : nil
        }
    }

    /// A cancel notice: a new message whose CAP block cancels earlier ones.
    static func cancelled(by status: MessageStatus) -> [String] {
        guard status.message.cap?.msgType == .cancel else { return [] }
        return status.message.cap?.references?.map(\.identifier) ?? []
    }

    static func message(_ match: MessageMatch, _ messages: [MessageStatus], _ incident: Incident, _ window: Window) -> IncidentReport.ExpectationResult {
        // A correction or a cancel notice answers a `correction`, not a request for a message.
        let hit = queued(messages, incident, in: window).first { m in
            !m.status.isCorrection && cancelled(by: m.status).isEmpty && match.covers(m.status.message)
        }
        return window.positive(.message(match), metAt: hit?.at, message: hit?.status.id)
    }

    static func noMessage(_ match: MessageMatch, _ messages: [MessageStatus], _ incident: Incident, _ window: Window) -> IncidentReport.ExpectationResult {
        var r = IncidentReport.ExpectationResult(.noMessage(match), verdict: .pending)
        if let hit = queued(messages, incident, in: window).first(where: { match.touches($0.status.message) }) {
            r.verdict = .violated; r.after = hit.at - window.shown; r.message = hit.status.id
        } else if window.isOver {
            r.verdict = .met; r.after = min(window.now, window.end) - window.shown
        }
        return r
    }

    /// A correction (`correct` record), a cancel record, or a cancel notice, made in the window,
    /// of a message like `match` queued earlier in the incident.
    static func correction(_ match: MessageMatch, _ messages: [MessageStatus], _ incident: Incident, _ window: Window) -> IncidentReport.ExpectationResult {
        let byID = Dictionary(messages.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        func earlier(_ id: String?, before t: TimeInterval) -> Bool {
            guard let id, let original = byID[id] else { return false }
            return match.covers(original.message) && incident.offset(of: original.message.created) <= t
        }
        var hits: [(at: TimeInterval, id: String)] = []
        for (status, at) in queued(messages, incident, in: window) {
            let originals = status.isCorrection ? [status.message.corrects].compactMap { $0 } : cancelled(by: status)
            if originals.contains(where: { earlier($0, before: at) }) { hits.append((at, status.id)) }
        }
        for status in messages {
            guard let cancel = status.cancel else { continue }
            let at = incident.offset(of: cancel.at)
            if window.contains(at), earlier(status.id, before: at) { hits.append((at, status.id)) }
        }
        let first = hits.min { $0.at < $1.at }
        return window.positive(.correction(match), metAt: first?.at, message: first?.id)
    }

    // MARK: - Level and stage

    /// Set by a trainee (never the drill's own line) to `level` in the window, or already in force
    /// when the inject was shown.
    static func level(_ level: AlertLevel, _ incident: Incident, shownAt date: Date, _ window: Window) -> IncidentReport.ExpectationResult {
        let before = incident.levelChanges.last { $0.at <= date }?.to ?? incident.openingLevel
        var metAt: TimeInterval? = before == level ? window.shown : nil
        if metAt == nil, let change = incident.levelChanges.first(where: {
            $0.to == level && $0.by != DrillSetup.drillOperator && window.contains(incident.offset(of: $0.at))
        }) {
            metAt = incident.offset(of: change.at)
        }
        return window.positive(.level(level), metAt: metAt)
    }

    static func stage(_ stage: DutyStage, _ incident: Incident, shownAt date: Date, _ window: Window) -> IncidentReport.ExpectationResult {
        let before = incident.stageChanges.last { $0.at <= date }?.to
        var metAt: TimeInterval? = before == stage ? window.shown : nil
        if metAt == nil, let change = incident.stageChanges.first(where: {
            $0.to == stage && window.contains(incident.offset(of: $0.at))
        }) {
            metAt = incident.offset(of: change.at)
        }
        return window.positive(.stage(stage), metAt: metAt)
    }
}

extension IncidentReport {
    /// The ids of the outbox's messages that belong to `incident`: those naming it, those its
    /// journal queued, and corrections (possibly from the command line, naming no incident) of
    /// one that belongs. The outbox is in time order, so an original is known before its correction.
    /// The report's message list and the drill score read the same set.
    public static func messageIDs(of incident: String, journaled: Set<String>, outbox: [OutboxRecord]) -> Set<String> {
        var mine: Set<String> = []
        for record in outbox {
            switch record {
            case .message(let m), .correct(let m):
                if m.incident == incident || journaled.contains(m.id) || m.corrects.map({ mine.contains($0) }) == true {
                    mine.insert(m.id)
                }
            case .cancel, .approve:
                continue
            }
        }
        return mine
    }
}
