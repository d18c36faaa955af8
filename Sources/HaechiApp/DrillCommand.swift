import ArgumentParser
import Foundation
import HaechiCore

/// `haechi drill SCENARIO`: checks a drill scenario against its manual, then opens the checklist
/// TUI straight into a new drill of it (injects played at their scenario time). `--print` only
/// checks it and prints the trainer's inject timeline.
struct DrillCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drill",
        abstract: "Run a drill scenario in the checklist TUI (or --print its inject timeline).",
        discussion: """
            SCENARIO is a scenario id from MANUALS/scenarios/ or the path of a scenario file. In the drill, \
            + and - change the clock's speed, Space pauses it, R shows the report.
            """
    )
    @OptionGroup var manualsOption: ManualsOption
    @OptionGroup var stateOption: StateOption
    @OptionGroup var timeZoneOption: TimeZoneOption
    @Argument(help: "Scenario id (see MANUALS/scenarios/) or path to a scenario file.") var scenario: String
    @Option(help: "Language: ko or en.") var lang: String = "ko"
    @Option(help: "Clock speed for the drill: 1, 2, 5, 10 or 60.") var speed: Int = 1
    @Option(name: .customLong("operator"), help: "Your name in the journal (default: $USER).") var operatorName: String?
    @Flag(name: [.customLong("print"), .customLong("check")], help: "Only check the scenario and print its inject timeline.")
    var printOnly = false

    func run() throws {
        guard let language = Language(rawValue: lang) else { throw ValidationError("--lang must be ko or en, not '\(lang)'") }
        guard let clockSpeed = DrillClock.Speed(rawValue: speed) else {
            throw ValidationError("--speed must be one of \(DrillClock.Speed.allCases.map { String($0.rawValue) }.joined(separator: ", "))")
        }
        let library = ManualLibrary.load(directory: manualsOption.directory)
        let (loaded, diagnostics) = DrillStart.load(scenario, manualsDirectory: manualsOption.directory, library: library)
        let stderr = FileHandle.standardError
        for d in diagnostics { stderr.write(Data("\(d)\n".utf8)) }
        guard let loaded, let manual = library.manual(id: loaded.manual) else {
            stderr.write(Data("haechi: the scenario has errors; nothing to run\n".utf8))
            throw ExitCode(1)
        }
        if printOnly {
            print(DrillStart.timeline(loaded, manual: manual, language: language, speed: clockSpeed), terminator: "")
            print("Scenario is valid.")
            return
        }
        let shell = try TUICommand.shell(manuals: manualsOption, state: stateOption, timeZone: timeZoneOption,
                                         operatorName: operatorName, language: lang)
        // A scenario given as a path is not in MANUALS/scenarios: offer it to the TUI as well.
        if !shell.state.scenarios.contains(where: { $0.id == loaded.id }) { shell.state.scenarios.append(loaded) }
        shell.startActions = [.openDrill(scenario: loaded.id, speed: clockSpeed)]
        try shell.run()
    }
}

/// Finding, checking and setting up a drill: shared by `haechi drill` and (later) the TUI's start
/// screen, so both refuse the same broken scenarios with the same messages.
public enum DrillStart {
    /// `heavy-rain-gangnam` → `MANUALS/scenarios/heavy-rain-gangnam.yaml`; anything with a `/` or
    /// a `.yaml` suffix is taken as a path.
    public static func path(of argument: String, manualsDirectory: String) -> String {
        if argument.contains("/") || argument.hasSuffix(".yaml") || argument.hasSuffix(".yml") { return argument }
        return manualsDirectory + "/" + ScenarioLoader.directoryName + "/" + argument + ".yaml"
    }

    public static func load(_ argument: String, manualsDirectory: String, library: ManualLibrary)
        -> (scenario: Scenario?, diagnostics: [Diagnostic]) {
        var diagnostics = library.errors
        let (scenario, found) = ScenarioLoader(library: library).load(file: path(of: argument, manualsDirectory: manualsDirectory))
        diagnostics += found
        return (scenario, diagnostics)
    }

    /// Everything the TUI needs to open a drill: the checked scenario and manual, the `opened`
    /// journal line, the clock and the inject schedule.
    public static func prepare(_ argument: String, manualsDirectory: String, incident: String, operator op: String,
                               now: Date, speed: DrillClock.Speed = .x1) throws -> DrillSetup {
        let library = ManualLibrary.load(directory: manualsDirectory)
        let (scenario, diagnostics) = load(argument, manualsDirectory: manualsDirectory, library: library)
        guard let scenario, let manual = library.manual(id: scenario.manual) else {
            throw DrillStartError(diagnostics: diagnostics.filter { $0.severity == .error })
        }
        return try DrillSetup(scenario: scenario, manual: manual, incident: incident, operator: op, now: now, speed: speed)
    }

    /// The trainer's script: every inject with its scenario time, wall time at `speed`, level
    /// change and what is expected.
    public static func timeline(_ scenario: Scenario, manual: Manual, language: Language, speed: DrillClock.Speed) -> String {
        let style = ReportStyle(language: language)
        var out = "\(scenario.id) — \(style.title(scenario.title) ?? "")\n"
        out += "manual \(manual.id) (\(style.title(manual.title) ?? "")), starts at \(ReportText.level(scenario.startLevel))"
        out += ", \(scenario.injects.count) injects over \(ScenarioTime.format(scenario.duration))"
        out += speed == .x1 ? "\n" : "; at \(speed) that is \(ReportText.duration(scenario.duration / speed.factor)) of wall time\n"
        if let brief = scenario.brief { out += "\n" + Sanitize.block((style.title(brief) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)) + "\n" }
        out += "\n"
        for inject in scenario.injects {
            var line = ScenarioTime.format(inject.at).padding(toLength: 8, withPad: " ", startingAt: 0)
            if speed != .x1 { line += "(wall +\(ReportText.duration(inject.at / speed.factor))) " }
            line += Sanitize.line(style.title(inject.text) ?? "")
            out += line + "\n"
            if let level = inject.level { out += "        → level \(ReportText.level(level))\n" }
            if let expect = inject.expect {
                let steps = expect.steps.map { id in id + (manual.step(id: id).flatMap { " " + (style.title($0.title) ?? "") } ?? "") }
                // Judgement expectations in the report's words, so the script and the score agree.
                let judgement = IncidentReport.ExpectationResult.unplayed(expect).filter { $0.kind != .steps }.map { ReportText.expected($0) }
                out += "        expects within \(ReportText.duration(expect.within)): " + (steps + judgement).joined(separator: "; ") + "\n"
            }
        }
        return out
    }
}

public struct DrillStartError: Error, CustomStringConvertible {
    public var diagnostics: [Diagnostic]
    public var description: String {
        diagnostics.isEmpty ? "the scenario cannot be used" : diagnostics.map(\.description).joined(separator: "\n")
    }
}
