import ArgumentParser
import Foundation
import HaechiCore
import HaechiStore

/// `haechi report ID`: the after-action report of one incident or drill.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write the after-action report of an incident or drill (markdown, html or json).",
        discussion: """
        Built from the incident's journal, the outbox and the sender's delivery ledger. The HTML is one \
        self-contained page (inline CSS and SVG timeline) that prints cleanly.
        """
    )
    @OptionGroup var manualsOption: ManualsOption
    @OptionGroup var stateOption: StateOption
    @Argument(help: "The incident id (the file name in STATE/incidents without .jsonl).") var id: String
    @Option(help: "Output format: markdown, html or json.") var format: ReportFormat = .markdown
    @Option(help: "Language of titles and message texts: ko or en.") var lang: String = "ko"
    @OptionGroup var timeZoneOption: TimeZoneOption
    @Option(name: .shortAndLong, help: "Write to this file instead of standard output.") var output: String?

    func run() throws {
        guard let language = Language(rawValue: lang) else { throw ValidationError("--lang must be ko or en, not '\(lang)'") }
        let zone = try timeZoneOption.zone()
        let store = try StoreShell.open(stateOption).store
        let sources: ReportSources
        do {
            sources = try ReportSources.load(incident: id, store: store, manualsDirectory: manualsOption.directory)
        } catch let problem as ReportSources.Problem {
            throw ValidationError(problem.description)
        }
        let stderr = FileHandle.standardError
        for line in sources.badLines { stderr.write(Data("haechi: warning: skipped \(line)\n".utf8)) }
        for warning in sources.warnings { stderr.write(Data("haechi: warning: \(warning)\n".utf8)) }

        let report = try IncidentReport.build(sources.input)
        let text = try format.render(report, style: ReportStyle(language: language, timeZone: zone))
        if let output {
            do {
                try Data(text.utf8).write(to: URL(fileURLWithPath: output), options: .atomic)
            } catch {
                throw ValidationError("cannot write \(output): \(error.localizedDescription)")
            }
            stderr.write(Data("haechi: wrote \(output)\n".utf8))
        } else {
            print(text, terminator: "")
        }
    }
}

enum ReportFormat: String, ExpressibleByArgument, CaseIterable {
    case markdown, html, json

    func render(_ report: IncidentReport, style: ReportStyle) throws -> String {
        switch self {
        case .markdown: ReportMarkdown.render(report, style: style)
        case .html: ReportHTML.render(report, style: style)
        case .json: try ReportJSON.render(report)
        }
    }
}
