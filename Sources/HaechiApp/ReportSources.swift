import Foundation
import HaechiCore
import HaechiStore

/// Reads what a report is made from out of the state and manuals directories. The only file
/// I/O of the report: everything after this is `IncidentReport.build` and a renderer.
struct ReportSources {
    var input: ReportInput
    /// Lines the store skipped (torn tails, checksum mismatches): the report is still made, and
    /// these are printed so nobody mistakes a damaged journal for a quiet incident.
    var badLines: [BadLine]
    var warnings: [String]

    enum Problem: Error, CustomStringConvertible {
        case badIncidentID(String)
        case noJournal(id: String, directory: String, known: [String])
        var description: String {
            switch self {
            case .badIncidentID(let id): "'\(id)' is not an incident id (letters, digits, '-', '_' and '.')"
            case .noJournal(let id, let dir, let known):
                "no incident '\(id)' in \(dir)" + (known.isEmpty ? " (it has none)" : "; known: " + known.suffix(10).joined(separator: ", "))
            }
        }
    }

    static func incidentIDs(in store: any Store) -> [String] {
        (try? store.incidents()) ?? []
    }

    static func load(incident id: String, state: StateDirectory, manualsDirectory: String) throws -> ReportSources {
        try load(incident: id, store: FileStore(state), manualsDirectory: manualsDirectory)
    }

    static func load(incident id: String, store: any Store, manualsDirectory: String) throws -> ReportSources {
        // The id becomes a file name: refuse anything that could leave the incidents directory.
        guard !id.isEmpty, !id.hasPrefix("."), id.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) else {
            throw Problem.badIncidentID(id)
        }
        let known = try store.incidents()
        guard known.contains(id) else {
            throw Problem.noJournal(id: id, directory: store is FileStore ? (store as! FileStore).directory.incidentsPath : store.location,
                                    known: known)
        }
        var bad: [BadLine] = []
        var warnings: [String] = []
        let (journal, badJournal) = try store.readAll(IncidentEvent.self, .journal(incident: id))
        bad += badJournal
        // The outbox and ledger may not exist yet (nothing queued, no sender ever ran).
        let (outbox, badOutbox) = try store.readAll(OutboxRecord.self, .outbox)
        bad += badOutbox
        let (ledger, badLedger) = try store.readAll(DeliveryRecord.self, .ledger)
        bad += badLedger

        let opened = Incident.replay(journal)
        var manual: Manual?
        var scenario: Scenario?
        let library = ManualLibrary.load(directory: manualsDirectory)
        if let manualID = opened?.manualID {
            manual = library.manual(id: manualID)
            if manual == nil {
                warnings.append("manual '\(manualID)' not found in \(manualsDirectory) (or it has errors): steps are shown without targets")
            }
        }
        if let scenarioID = opened?.scenarioID {
            let path = manualsDirectory + "/" + ScenarioLoader.directoryName + "/" + scenarioID + ".yaml"
            let (loaded, diagnostics) = ScenarioLoader(library: library).load(file: path)
            scenario = loaded
            if loaded == nil {
                warnings.append("scenario '\(scenarioID)' could not be loaded from \(path), so the drill is not scored"
                                + (diagnostics.first.map { ": \($0)" } ?? ""))
            }
        }
        // The drill clock comes from the journal itself (`Incident.replay`), as on the checklist.
        return ReportSources(input: ReportInput(journal: journal, outbox: outbox, ledger: ledger, manual: manual, scenario: scenario,
                                                channels: library.channels),
                             badLines: bad, warnings: warnings)
    }
}

/// Every past journal of a state directory, for `haechi manuals --stats` (`ManualStats.compute`).
enum ReportJournals {
    /// Journals that cannot be read at all are reported and left out; damaged lines inside one are
    /// skipped by the store as usual.
    static func all(in state: StateDirectory) -> (journals: [[IncidentEvent]], problems: [String]) {
        all(in: FileStore(state))
    }

    static func all(in store: any Store) -> (journals: [[IncidentEvent]], problems: [String]) {
        var journals: [[IncidentEvent]] = []
        var problems: [String] = []
        for id in ReportSources.incidentIDs(in: store) {
            do {
                let (events, bad) = try store.readAll(IncidentEvent.self, .journal(incident: id))
                problems += bad.map(\.description)
                if !events.isEmpty { journals.append(events) }
            } catch {
                problems.append("\(store.location) \(id): \(error)")
            }
        }
        return (journals, problems)
    }
}
