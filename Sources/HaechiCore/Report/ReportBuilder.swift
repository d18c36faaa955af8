import Foundation

/// What a report is made from. Only the journal is required: a manual may have been renamed, the
/// outbox rotated or the ledger lost, and the report should still say what it can.
public struct ReportInput: Sendable {
    public var journal: [IncidentEvent]
    public var outbox: [OutboxRecord]
    public var ledger: [DeliveryRecord]
    /// Channel profiles, for outbox records written before records carried their posts.
    public var channels: ChannelProfiles?
    public var manual: Manual?
    public var scenario: Scenario?
    /// Replaces the drill clock the journal records (its `clock` lines, read by `Incident.replay`);
    /// nil, the usual, means the journal's own clock, exactly as the checklist runs it.
    public var clock: DrillClock?

    public init(journal: [IncidentEvent], outbox: [OutboxRecord] = [], ledger: [DeliveryRecord] = [],
                manual: Manual? = nil, scenario: Scenario? = nil, clock: DrillClock? = nil, channels: ChannelProfiles? = nil) {
        self.journal = journal; self.outbox = outbox; self.ledger = ledger; self.manual = manual
        self.scenario = scenario; self.clock = clock; self.channels = channels
    }
}

/// What did not add up, in both report languages.
struct Problems {
    var en: [String] = []
    var ko: [String] = []
    mutating func add(_ english: String, ko korean: String) { en.append(english); ko.append(korean) }
}

public enum ReportError: Error, Sendable, Hashable, CustomStringConvertible {
    case emptyJournal
    public var description: String {
        switch self { case .emptyJournal: "the journal has no events" }
    }
}

extension IncidentReport {
    /// Builds the report. Linear in the size of the inputs (one pass over each plus sorts), so a
    /// 10,000-event journal stays well inside the 1-second budget.
    public static func build(_ input: ReportInput) throws -> IncidentReport {
        guard let first = input.journal.first else { throw ReportError.emptyJournal }
        var problems = Problems()
        // The incident as the checklist sees it: the same replay, so the same level history, the
        // same clock and the same step deadlines (`Incident.timing`).
        var model: Incident
        let hasOpening: Bool
        if let replayed = Incident.replay(input.journal) {
            model = replayed
            hasOpening = true
        } else {
            problems.add("the journal has no 'opened' line; times count from its first line",
                         ko: "기록에 'opened' 줄이 없어 첫 줄부터 시간을 셉니다")
            model = Incident(IncidentEvent.Stamp(incident: first.incident, at: first.at, operator: ""),
                             IncidentEvent.Opening(manual: input.manual?.id ?? "?", mode: .live, level: .interest))
            model.eventCount = 0
            for event in input.journal { model.apply(event) }
            hasOpening = false
        }
        if let clock = input.clock { model.clock = clock }
        let incident = model.id
        let start = model.openedAt
        let offset = model.offset(of:)

        let journal = input.journal.filter { $0.incident == incident }
        if journal.count != input.journal.count {
            let n = input.journal.count - journal.count
            problems.add("\(n) journal lines belong to another incident and were left out", ko: "다른 사건의 기록 \(n)줄을 제외했습니다")
        }
        let manualID = hasOpening ? model.manualID : (input.manual?.id ?? "?")
        if let manual = input.manual, manual.id != manualID {
            problems.add("the journal names manual '\(manualID)' but manual '\(manual.id)' was given; targets may not match",
                         ko: "기록의 매뉴얼은 '\(manualID)'인데 '\(manual.id)'가 주어졌습니다. 목표 시간이 맞지 않을 수 있습니다")
        }
        let manual = input.manual
        let mode = model.mode
        let scenarioID = model.scenarioID ?? input.scenario?.id

        var operators: [String] = []
        var seenOperators: Set<String> = []
        func saw(_ op: String) {
            if op != DrillSetup.drillOperator, !op.isEmpty, seenOperators.insert(op).inserted { operators.append(op) }
        }

        // MARK: Journal pass: levels, notes, timeline.
        var levels: [LevelChange] = []
        var notes: [Note] = []
        var timeline: [TimelineEntry] = []
        if hasOpening {
            levels.append(LevelChange(at: start, offset: 0, level: model.openingLevel, operator: model.openedBy))
        }
        // Pins name journal lines (the incident model folds them); the entries those lines
        // became are marked after the pass.
        var entryOfLine: [Int: Int] = [:]
        for (lineNumber, event) in journal.enumerated() {
            saw(event.operator)
            let off = offset(event.at)
            var entry = TimelineEntry(at: event.at, offset: off, kind: .note, operator: event.operator, step: event.step,
                                      message: nil, channel: nil, text: "")
            switch event {
            case .opened(_, let o):
                entry.kind = .opened
                entry.say(en: "opened (\(o.mode.rawValue), level \(o.level.korean) \(o.level.english))",
                          ko: "시작 (\(o.mode == .drill ? "훈련" : "실제"), 경보 단계 \(o.level.korean))")
            case .step(_, let change):
                entry.kind = .step
                let reason = change.reason.map { ": \($0)" } ?? ""
                entry.say(en: "step \(change.step) → \(change.status.rawValue)" + reason,
                          ko: "단계 \(change.step) → \(ReportText.status(change.status, .ko))" + reason)
            case .note(_, let note):
                entry.kind = .note
                entry.say(en: note.text, ko: note.text)
                notes.append(Note(at: event.at, offset: off, operator: event.operator, step: note.step, text: note.text))
            case .level(_, let set):
                entry.kind = .level
                let reason = set.reason.map { " (\($0))" } ?? ""
                entry.say(en: "level → \(set.level.korean) \(set.level.english)" + reason, ko: "경보 단계 → \(set.level.korean)" + reason)
                levels.append(LevelChange(at: event.at, offset: off, level: set.level, operator: event.operator))
            case .stage(_, let set):
                // The city's own duty stage, beside the national level.
                entry.kind = .level
                entry.text = "city duty stage → \(set.stage.korean) \(set.stage.english)" + (set.reason.map { " (\($0))" } ?? "")
            case .message(_, let m):
                entry.kind = .message
                entry.message = m.message
                entry.say(en: "message \(m.message)" + (m.text.map { ": \($0)" } ?? " queued"),
                          ko: "메시지 \(m.message)" + (m.text.map { ": \($0)" } ?? " 등록"))
            case .inject(_, let shown):
                entry.kind = .inject
                let text = shown.text.map { ": \($0)" } ?? ""
                entry.say(en: "inject \(shown.inject)" + text, ko: "상황 부여 \(shown.inject)" + text)
            case .closed(_, let summary):
                entry.kind = .closed
                let text = summary.map { ": \($0)" } ?? ""
                entry.say(en: "closed" + text, ko: "종료" + text)
            case .clock(_, let set):
                // The trainer's speed and pause keys: kept in the timeline so a reviewer sees why
                // scenario time and wall time part (offsets are already in scenario time).
                entry.kind = .note
                entry.say(en: "drill clock \(set.speed.rawValue)×" + (set.paused ? ", paused" : ""),
                          ko: "훈련 시계 \(set.speed.rawValue)×" + (set.paused ? ", 일시정지" : ""))
            case .unknown(_, let u):
                // Shown, never dropped: a newer version's line or a damaged one.
                entry.kind = .note
                entry.say(en: "unreadable '\(u.kind)' line: \(u.problem)", ko: "읽을 수 없는 '\(u.kind)' 줄: \(u.problem)")
                let at = RecordCoding.formatTimestamp(event.at)
                problems.add("a '\(u.kind)' line at \(at) could not be read: \(u.problem)", ko: "\(at)의 '\(u.kind)' 줄을 읽을 수 없습니다: \(u.problem)")
            case .role(_, let r):
                entry.kind = .note
                entry.say(en: "role \(r.role) → \(r.assignee)", ko: "역할 \(r.role) → \(r.assignee)")
            case .stepAdded(_, let a):
                entry.kind = .step
                entry.say(en: "step added \(a.step): \(a.title)", ko: "단계 추가 \(a.step): \(a.title)")
            case .pin:
                // Not an entry of its own: it marks the entry it names (below).
                continue
            }
            entryOfLine[lineNumber] = timeline.count
            timeline.append(entry)
        }
        for line in model.pinned { if let i = entryOfLine[line] { timeline[i].pinned = true } }

        // Where "not done" ends: the close, or for an incident still open, its last line.
        let end = model.closedAt ?? model.lastEventAt
        let steps = stepOutcomes(manual: manual, incident: model, at: end, problems: &problems)
        let journaledMessages = Set(model.messages.map(\.message))

        // MARK: Outbox and ledger.
        let (messages, messageEntries, messageStatuses) = messageOutcomes(incident: incident, journaled: journaledMessages,
                                                         outbox: input.outbox, ledger: input.ledger, channels: input.channels,
                                                         offset: offset, saw: saw, problems: &problems)
        timeline += messageEntries
        // Stable: a journal line and a ledger line at the same millisecond keep journal-first order.
        timeline = timeline.enumerated().sorted { a, b in
            a.element.at != b.element.at ? a.element.at < b.element.at : a.offset < b.offset
        }.map(\.element)

        var posts: [Delivery.State: Int] = [:]
        var firstDelivered: TimeInterval?
        for message in messages {
            for delivery in message.deliveries {
                posts[delivery.state, default: 0] += 1
                if delivery.state == .delivered, let off = delivery.offset {
                    firstDelivered = min(firstDelivered ?? off, off)
                }
            }
        }
        let applicable = steps.filter { $0.outcome != .notApplicable && $0.outcome != .notDue }
        let summary = Summary(
            stepsApplicable: applicable.count,
            stepsOnTime: steps.filter { $0.outcome == .onTime }.count,
            stepsLate: steps.filter { $0.outcome == .late }.count,
            stepsSkipped: steps.filter { $0.outcome == .skipped }.count,
            stepsNotDone: steps.filter { $0.outcome == .notDone }.count,
            stepsNotDue: steps.filter { $0.outcome == .notDue }.count,
            firstDelivered: firstDelivered, messages: messages.count, posts: posts)

        var drill: DrillScore?
        if let scenario = input.scenario {
            if let scenarioID, scenario.id != scenarioID {
                problems.add("the journal names scenario '\(scenarioID)' but '\(scenario.id)' was given",
                             ko: "기록의 시나리오는 '\(scenarioID)'인데 '\(scenario.id)'가 주어졌습니다")
            }
            drill = DrillJudgement.score(scenario, incident: model, messages: messageStatuses, end: end)
        }

        // The public-update cadence on the report's own clock (offsets), like the checklist's line.
        var publicUpdates: PublicUpdateScore?
        if let cadence = manual?.publicUpdates, let first = levels.first {
            let zero = Date(timeIntervalSince1970: 0)
            var events: [PublicUpdates.Event] = levels.dropFirst().map { .level($0.level, at: zero.addingTimeInterval($0.offset)) }
            events += messages.filter { m in
                PublicUpdates.isPublic(cancelled: m.cancelledBy != nil, delivered: m.deliveries.contains { $0.state == .delivered || $0.state == .unknown })
            }.map { .message(at: zero.addingTimeInterval($0.offset)) }
            let walk = PublicUpdates.walk(cadence: cadence, opened: zero, level: first.level, events: events, end: zero.addingTimeInterval(offset(end)))
            let intervals = walk.scored.map {
                PublicUpdateScore.Interval(due: $0.due.timeIntervalSince(zero), heard: $0.heardAt?.timeIntervalSince(zero), level: $0.level,
                                           minutes: $0.minutes, onTime: $0.isOnTime)
            }
            publicUpdates = PublicUpdateScore(intervals: intervals, onTime: walk.onTime, longestLate: walk.longestLateness,
                                              percent: intervals.isEmpty ? 100 : walk.onTime * 100 / intervals.count)
        }

        return IncidentReport(
            incident: incident,
            manual: ManualRef(id: manualID, title: manual?.title, revised: manual?.revised),
            mode: mode,
            scenario: scenarioID.map { ScenarioRef(id: $0, title: input.scenario?.id == $0 ? input.scenario?.title : nil) },
            opened: start, closed: model.closedAt, duration: model.closedAt.map(offset), closeSummary: model.summary,
            operators: operators, variables: model.variables,
            variableLabels: manual.map { m in Dictionary(m.variables.map { ($0.id, $0.label) }, uniquingKeysWith: { a, _ in a }) },
            levels: levels, steps: steps,
            messages: messages, notes: notes, timeline: timeline, summary: summary, drill: drill,
            publicUpdates: publicUpdates, problems: problems.en,
            problemsKo: problems.ko)
    }

    // MARK: - Steps

    /// Every step of the manual, then any step the journal names that the manual does not, each
    /// judged by `Incident.timing` at `end` (the close, or the last line of an open incident).
    static func stepOutcomes(manual: Manual?, incident: Incident, at end: Date, problems: inout Problems) -> [StepOutcome] {
        var outcomes: [StepOutcome] = []
        var known: Set<String> = []
        for phase in manual?.phases ?? [] {
            for step in phase.steps {
                known.insert(step.id)
                outcomes.append(outcome(id: step.id, title: step.title, phase: phase.id, fromLevel: step.fromLevel,
                                        target: step.targetMinutes, incident: incident, at: end))
            }
        }
        // Steps the journal mentions but the manual does not (renamed since, or no manual given):
        // listed in journal order without a target rather than dropped.
        for id in incident.stepOrder where !known.contains(id) {
            if manual != nil { problems.add("the journal has step '\(id)', which the manual does not", ko: "매뉴얼에 없는 단계 '\(id)'가 기록에 있습니다") }
            outcomes.append(outcome(id: id, title: nil, phase: nil, fromLevel: nil, target: nil, incident: incident, at: end))
        }
        return outcomes
    }

    static func outcome(id: String, title: Localized?, phase: String?, fromLevel: AlertLevel?, target: Int?,
                        incident: Incident, at end: Date) -> StepOutcome {
        let timing = incident.timing(stepID: id, fromLevel: fromLevel, targetMinutes: target, now: end)
        let history = incident.history[id] ?? []
        let last = incident.progress[id]
        let status = last?.status ?? .todo
        let started = history.first { $0.status == .inProgress }.map { incident.offset(of: $0.at) }
        var reopened = 0
        var wasDone = false
        for change in history {
            if change.status == .done { wasDone = true } else if wasDone, change.status == .todo || change.status == .inProgress {
                reopened += 1; wasDone = false
            }
        }
        var result = StepOutcome(id: id, title: title, phase: phase, fromLevel: fromLevel, targetMinutes: target,
                                 applicableFrom: timing.appliesFrom, deadline: timing.deadline, started: started,
                                 completed: timing.completed, completedBy: status == .done ? last?.by : nil, status: status,
                                 outcome: .notDone, lateBy: nil, reason: nil, reopened: reopened)
        switch timing.verdict {
        case .onTime: result.outcome = .onTime
        case .late(let by): result.outcome = .late; result.lateBy = by
        case .skipped: result.outcome = .skipped; result.reason = last?.reason
        case .ruledOut: result.outcome = .notApplicable; result.reason = last?.reason
        // Never reached its level (or lowered away untouched): not the trainees' miss.
        case .notApplicable: result.outcome = .notApplicable
        case .pending: result.outcome = .notDue
        case .overdue: result.outcome = .notDone
        }
        return result
    }

    // MARK: - Messages

    /// The incident's messages and what became of each post: a view of the one projection
    /// (`OutboxLedgerJoin` / `MessageStatus`), so the report says what the outbox screen, `outbox
    /// list` and the sender say. The timeline lists the records as they happened, leaving out
    /// ledger records after a post was settled (they change nothing).
    static func messageOutcomes(incident: String, journaled: Set<String>, outbox: [OutboxRecord], ledger: [DeliveryRecord],
                                channels: ChannelProfiles?, offset: (Date) -> TimeInterval, saw: (String) -> Void,
                                problems: inout Problems)
        -> ([MessageOutcome], [TimelineEntry], [MessageStatus]) {
        var join = OutboxLedgerJoin(channels: channels)
        let belonging = messageIDs(of: incident, journaled: journaled, outbox: outbox)
        var mine: Set<String> = []
        var entries: [TimelineEntry] = []
        var steps: [String: String] = [:]
        var authors: [String: String] = [:]
        for record in outbox {
            switch record {
            case .message(let m), .correct(let m):
                // Which messages belong is `messageIDs` (the drill score reads the same set).
                guard belonging.contains(m.id), !mine.contains(m.id) else { continue }
                mine.insert(m.id)
                steps[m.id] = m.step
                authors[m.id] = m.operator
                saw(m.operator)
                if case .correct = record {
                    entries.append(TimelineEntry(at: m.created, offset: offset(m.created), kind: .corrected,
                                                 operator: m.operator, step: m.step, message: m.id, channel: nil,
                                                 text: "correction \(m.id) of \(m.corrects ?? "?") queued",
                                                 textKo: "\(m.corrects ?? "?")의 정정 \(m.id) 등록"))
                } else if !journaled.contains(m.id) {
                    entries.append(TimelineEntry(at: m.created, offset: offset(m.created), kind: .message,
                                                 operator: m.operator, step: m.step, message: m.id, channel: nil,
                                                 text: "message \(m.id) queued (\(m.kind.rawValue), \(m.channels.joined(separator: ", ")))",
                                                 textKo: "메시지 \(m.id) 등록 (\(m.kind.korean), \(m.channels.joined(separator: ", ")))"))
                }
            case .cancel, .approve:
                continue
            }
            join.apply(record)
        }
        for record in outbox {
            switch record {
            case .approve(let id, let op, let at):
                guard mine.contains(id) else { continue }
                saw(op)
                let own = authors[id] == op
                entries.append(TimelineEntry(at: at, offset: offset(at), kind: .approved, operator: op, step: steps[id],
                                             message: id, channel: nil,
                                             text: "message \(id) approved by \(op)" + (own ? " (its own author: does not count)" : ""),
                                             textKo: "메시지 \(id) 승인: \(op)" + (own ? " (작성자 본인: 인정되지 않음)" : "")))
            case .cancel(let id, let op, let at, let reason):
                guard mine.contains(id) else { continue }
                saw(op)
                entries.append(TimelineEntry(at: at, offset: offset(at), kind: .cancelled, operator: op, step: steps[id],
                                             message: id, channel: nil,
                                             text: "message \(id) cancelled by \(op)" + (reason.isEmpty ? "" : ": \(reason)"),
                                             textKo: "메시지 \(id) 취소: \(op)" + (reason.isEmpty ? "" : ": \(reason)")))
            case .message, .correct:
                continue
            }
            join.apply(record)
        }
        // The ledger in file order, through the projection's own rule; an entry for each record
        // it takes, a problem for each one about a post the message does not make.
        var stray: Set<String> = []
        for record in ledger where mine.contains(record.message) {
            let target = DeliveryTarget(channel: record.channel, language: record.language)
            let before = join[record.message]?.events.ledger[target]
            join.apply(record)
            if before?.kind.settles == true { continue }
            if join[record.message]?.targets.contains(target) == false, stray.insert(record.key).inserted {
                problems.add("the delivery ledger has \(record.message) on \(target), which is not one of its posts",
                             ko: "발송 기록에 \(record.message)의 \(target)가 있으나 그 메시지의 게시 대상이 아닙니다")
            }
            let kind: TimelineEntry.Kind? = switch record.kind {
            case .delivered: .delivered
            case .dead: .dead
            case .unknown: .unknown
            case .retry: .retry
            case .cancelled: .cancelled
            case .attempt: nil
            }
            if let kind {
                let what = "\(record.message) on \(record.channel) (\(record.language.rawValue))"
                let text: String = switch record.kind {
                case .delivered: "\(what) delivered" + (record.remoteID.map { " as \($0)" } ?? "")
                case .dead: "\(what) dead: \(record.reason ?? "no reason given")"
                case .unknown: "\(what) outcome unknown" + (record.reason.map { ": \($0)" } ?? "")
                case .retry: "\(what) will be retried" + (record.next.map { " at \(RecordCoding.formatTimestamp($0))" } ?? "")
                case .cancelled: "\(what) cancelled before posting"
                case .attempt: ""
                }
                let where_ = "\(record.message) \(record.channel) (\(record.language.rawValue))"
                let textKo: String = switch record.kind {
                case .delivered: "\(where_) 전달됨" + (record.remoteID.map { " (게시 번호 \($0))" } ?? "")
                case .dead: "\(where_) 실패: \(record.reason ?? "사유 없음")"
                case .unknown: "\(where_) 결과 불명" + (record.reason.map { ": \($0)" } ?? "")
                case .retry: "\(where_) 재시도 예정" + (record.next.map { " \(RecordCoding.formatTimestamp($0))" } ?? "")
                case .cancelled: "\(where_) 게시 전 취소됨"
                case .attempt: ""
                }
                entries.append(TimelineEntry(at: record.at, offset: offset(record.at), kind: kind, operator: nil,
                                             step: steps[record.message], message: record.message,
                                             channel: record.channel, text: text, textKo: textKo))
            }
        }

        let statuses = join.messages
        let result = statuses.map { status -> MessageOutcome in
            let m = status.message
            let deliveries = status.posts.map { post -> Delivery in
                let record = status.events.ledger[post.target]
                return Delivery(channel: post.channel, language: post.language, state: Delivery.State(status.state(post.target)),
                                at: record?.at, offset: record.map { offset($0.at) }, attempts: status.attempts(post.target),
                                remoteID: record?.remoteID, reason: record?.reason, text: post.text)
            }
            return MessageOutcome(id: m.id, step: m.step, kind: m.kind, mode: m.mode, created: m.created,
                                  offset: offset(m.created), operator: m.operator, text: m.text,
                                  needsApproval: m.needsApproval, approvedBy: status.approval?.by,
                                  approvedAt: status.approval.map { offset($0.at) },
                                  cancelledBy: status.cancel?.by, cancelledAt: status.cancel.map { offset($0.at) },
                                  cancelReason: status.cancel?.reason, corrects: m.corrects,
                                  correctedBy: status.correctedBy.filter(mine.contains), deliveries: deliveries)
        }
        return (result, entries, statuses)
    }

}
