import Foundation
import HaechiCore
import HaechiStore
import HaechiUI

/// The shell's side of drills and the report screen: loading the scenarios the Start screen
/// offers, and building a report for `.loadReport` with the same sources as `haechi report`.
enum TUIDrill {
    /// The after-action report of `id`, as `haechi report` would build it (journal, outbox,
    /// ledger, manual, scenario, drill clock). Damaged lines are reported, not fatal.
    static func report(incident id: String, store: any Store, manualsDirectory: String) -> Action {
        do {
            let sources = try ReportSources.load(incident: id, store: store, manualsDirectory: manualsDirectory)
            let report = try IncidentReport.build(sources.input)
            let problems = sources.badLines.map { "skipped \($0)" } + sources.warnings
            return .reportLoaded(incident: id, report: report, problems: problems)
        } catch let problem as ReportSources.Problem {
            return .reportLoaded(incident: id, report: nil, problems: [problem.description])
        } catch {
            return .reportLoaded(incident: id, report: nil, problems: ["\(error)"])
        }
    }
}

extension TUIShell {
    /// Loads MANUALS/scenarios against the loaded manuals; a broken scenario is left out and
    /// logged (like a broken manual), so the Start screen only offers drills that can run.
    func useScenarios(manualsDirectory: String) {
        effects.manualsDirectory = manualsDirectory
        let set = ScenarioLoader(manuals: state.manuals)
            .load(directory: manualsDirectory + "/" + ScenarioLoader.directoryName)
        state.scenarios = set.scenarios
        for d in set.errors { log.write("scenarios: \(d)") }
    }
}
