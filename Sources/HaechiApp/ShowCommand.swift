import ArgumentParser
import Foundation
import HaechiCore

/// `haechi show ID`: a manual as a checklist to print and tick by hand.
struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Print a manual as a paper checklist (for when the computers are down)."
    )
    @OptionGroup var manualsOption: ManualsOption
    @Argument(help: "The manual id (see `haechi manuals`).") var id: String
    @Option(help: "Language: ko or en.") var lang: String = "ko"
    @Option(help: "Output format: text, markdown or html.") var format: String = "text"

    func run() throws {
        guard let language = Language(rawValue: lang) else { throw ValidationError("--lang must be ko or en, not '\(lang)'") }
        let library = try loadLibraryOrExplain(manualsOption.directory)
        guard let manual = library.manual(id: id) else {
            var message = "no manual '\(id)' in \(manualsOption.directory)"
            if let s = YAMLDocument.closest(to: id, in: library.manuals.map(\.id)) { message += "; did you mean '\(s)'?" }
            throw ValidationError(message + " (see `haechi manuals`)")
        }
        if let printed = ShowFormats.render(manual, language: language, format: format) {
            print(printed, terminator: "")
        } else {
            throw ValidationError("--format must be \(ShowFormats.names.joined(separator: ", ")), not '\(format)'")
        }
    }
}

enum ShowFormats {
    static var names: [String] { ManualPrinter.Format.allCases.map(\.rawValue) + ["html"] }
    static func render(_ manual: Manual, language: Language, format: String) -> String? {
        // HTML: one self-contained printable page (the report code's renderer).
        if format == "html" { return ManualHTML.render(manual, language: language) }
        return ManualPrinter.Format(rawValue: format).map { ManualPrinter.render(manual, language: language, format: $0) }
    }
}
