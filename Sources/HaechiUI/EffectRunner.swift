import Foundation
import HaechiCore

/// The files an effect touches, behind one small interface. The TUI gives the state directory
/// (`StateFiles` in HaechiApp: fsync'd appends, followed journals, the outbox and ledger); the UI
/// tests give memory. Nothing else differs: `EffectRunner` below is the one effect handler both run.
public protocol ShellFiles {
    /// Appends one journal line durably; throws when it is not on disk.
    mutating func appendJournal(_ event: IncidentEvent) throws
    /// Every line of a journal so far (and the lines that could not be read); later reads of
    /// `readFollowed` continue from here.
    mutating func followJournal(_ incident: String) -> (events: [IncidentEvent], problems: [String])
    /// Lines added to the followed journal since the last read.
    mutating func readFollowed() -> (events: [IncidentEvent], problems: [String])
    mutating func stopFollowing()
    /// Every journal in the state directory.
    func allJournals() -> [(id: String, events: [IncidentEvent])]
    /// Appends one outbox record durably; throws when it is not on disk.
    mutating func appendOutbox(_ record: OutboxRecord) throws
    /// The outbox joined with the sender's ledger, when either changed since the last read.
    mutating func readOutbox(now: Date) -> OutboxFeed?
    /// What the report of `incident` is built from, or why it cannot be.
    func reportInput(_ incident: String) -> Result<(input: ReportInput, warnings: [String]), ReportSourceProblem>
    /// A short reason for the message line ("open outbox.jsonl: Is a directory").
    func reason(_ error: any Error) -> String
    func log(_ line: String)
}

public struct ReportSourceProblem: Error, Sendable, Hashable {
    public var text: String
    public init(_ text: String) { self.text = text }
}

/// Performs the reducer's effects and turns their results into actions, the same way in the TUI
/// and in the tests: an append is read back from the journal before anything is shown (the
/// screen shows what the file says, never what it hoped to write), a failed append is an action
/// saying so, incidents are listed by replaying their journals, reports are built from the same
/// sources as `haechi report`.
public struct EffectRunner<Files: ShellFiles> {
    public var files: Files
    /// What Home's incident lines need of each manual (steps for the progress figures, the
    /// variable they name), by manual id: from the manuals, or from the parsed-manual cache's
    /// index while the TUI's first frame is drawn from it. The first manual of an id wins.
    public private(set) var listings: [String: ManualListing] = [:]
    public private(set) var followed: String?

    public init(files: Files, manuals: [Manual] = []) {
        self.files = files
        use(manuals)
    }

    /// The manuals incidents are summarised against (the TUI fills them in after its first
    /// frame when that frame came from the parsed-manual cache's index).
    public mutating func use(_ manuals: [Manual]) {
        use(listing: manuals.map(ManualListing.init))
    }

    /// The same from listings alone (the cache's index).
    public mutating func use(listing: [ManualListing]) {
        listings = Dictionary(listing.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// The actions an effect results in (`.quit` is the caller's: it ends its loop).
    public mutating func perform(_ effect: Effect, now: Date) -> [Action] {
        switch effect {
        case .appendJournal(let event):
            do {
                try files.appendJournal(event)
                files.log("journal \(event.incident): \(event.kind) \(event.step ?? "")")
            } catch {
                return [.journalAppendFailed(event, reason: "\(error)")]
            }
            // Read back what is now in the file: ours and anyone else's, in file order.
            return pollFollowed().map { [$0] } ?? []
        case .follow(let id):
            let (events, problems) = files.followJournal(id)
            followed = id
            return [.journalLoaded(incident: id, events: events, problems: problems)]
        case .stopFollowing:
            followed = nil
            files.stopFollowing()
            return []
        case .listIncidents:
            return [.incidentsListed(listIncidents())]
        case .log(let line):
            files.log(line)
            return []
        case .quit:
            return []
        case .enqueue(let record):
            do {
                try files.appendOutbox(record)
            } catch {
                files.log("outbox: NOT appended \(record.messageID): \(error)")
                return [.outboxAppendFailed(record, reason: files.reason(error))]
            }
            // Read it back first, so the screen that says "queued" already lists it.
            return (pollOutbox(now: now).map { [$0] } ?? []) + [.outboxAppended(record)]
        case .loadReport(let id):
            switch files.reportInput(id) {
            case .success(let (input, warnings)):
                do {
                    return [.reportLoaded(incident: id, report: try IncidentReport.build(input), problems: warnings)]
                } catch {
                    return [.reportLoaded(incident: id, report: nil, problems: ["\(error)"])]
                }
            case .failure(let problem):
                return [.reportLoaded(incident: id, report: nil, problems: [problem.text])]
            }
        }
    }

    /// New lines of the followed journal, if any (the shell asks four times a second).
    public mutating func pollFollowed() -> Action? {
        guard let id = followed else { return nil }
        let (events, problems) = files.readFollowed()
        if events.isEmpty && problems.isEmpty { return nil }
        return .journalEvents(incident: id, events: events, problems: problems)
    }

    /// The outbox and ledger, when they changed (the shell asks every second).
    public mutating func pollOutbox(now: Date) -> Action? {
        files.readOutbox(now: now).map(Action.outboxLoaded)
    }

    /// Every incident in the state directory, replayed to a summary, in id order.
    public func listIncidents() -> [IncidentSummary] {
        files.allJournals().compactMap { journal in
            Incident.replay(journal.events).map { incident in
                IncidentSummary(incident, listing: listings[incident.manualID])
            }
        }.sorted { $0.id < $1.id }
    }
}
