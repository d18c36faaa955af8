import Foundation
import HaechiCore
import HaechiStore
import HaechiUI

/// The shell's side of drills and the report screen: loading the scenarios the Start screen
/// offers, and building a report for `.loadReport` with the same sources as `haechi report`.
enum TUIDrill {
    /// What the after-action report of `id` is built from, as `haechi report` reads it (journal,
    /// outbox, ledger, manual, scenario); damaged lines and missing files become warnings.
    static func reportInput(incident id: String, store: any Store, manualsDirectory: String)
        -> Result<(input: ReportInput, warnings: [String]), ReportSourceProblem> {
        do {
            let sources = try ReportSources.load(incident: id, store: store, manualsDirectory: manualsDirectory)
            return .success((sources.input, sources.badLines.map { "skipped \($0)" } + sources.warnings))
        } catch let problem as ReportSources.Problem {
            return .failure(ReportSourceProblem(problem.description))
        } catch {
            return .failure(ReportSourceProblem("\(error)"))
        }
    }
}

extension TUIShell {
    /// MANUALS/scenarios as loaded against the manuals (`TUIManuals`); a broken scenario is left
    /// out and logged (like a broken manual), so the Start screen only offers drills that can run.
    func useScenarios(manualsDirectory: String, loaded: TUIManuals.Loaded) {
        effects.files.manualsDirectory = manualsDirectory
        state.scenarios = loaded.scenarios
        for d in loaded.scenarioProblems { log.write("scenarios: \(d)") }
    }
}
