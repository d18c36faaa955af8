import ArgumentParser
import Foundation
import HaechiCore
import HaechiStore

/// `haechi manuals`: one line per manual.
struct ManualsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "manuals",
        abstract: "List the manuals: id, titles, category, step count."
    )
    @OptionGroup var manualsOption: ManualsOption
    @OptionGroup var stateOption: StateOption
    @Flag(help: "Across past incidents in the state directory: the steps most often late or skipped.")
    var stats = false
    @Option(help: "Language of --stats: ko or en.") var lang: String = "ko"

    func run() throws {
        let library = try loadLibraryOrExplain(manualsOption.directory)
        if stats {
            guard let language = Language(rawValue: lang) else { throw ValidationError("--lang must be ko or en, not '\(lang)'") }
            let store = try StoreShell.open(stateOption).store
            let (journals, problems) = ReportJournals.all(in: store)
            if journals.isEmpty {
                print(language == .ko ? "\(store.location)에 지난 사건이 없습니다." : "No past incidents in \(store.location).")
                return
            }
            for p in problems { FileHandle.standardError.write(Data("haechi: warning: skipped \(p)\n".utf8)) }
            print(ManualStats.renderText(ManualStats.compute(journals: journals, manuals: library.manuals), language: language), terminator: "")
            return
        }
        let idWidth = library.manuals.map(\.id.count).max() ?? 2
        for m in library.manuals.sorted(by: { ($0.category.rawValue, $0.id) < ($1.category.rawValue, $1.id) }) {
            let id = m.id.padding(toLength: idWidth, withPad: " ", startingAt: 0)
            print("\(id)  \(m.category.rawValue.padding(toLength: 7, withPad: " ", startingAt: 0))  \(String(format: "%3d", m.stepCount)) steps  \(m.title.ko) / \(m.title.en)")
        }
    }
}

/// Loads the manuals; with errors, prints them and says how to see them all.
func loadLibraryOrExplain(_ directory: String) throws -> ManualLibrary {
    let library = ManualLibrary.load(directory: directory)
    let errors = library.errors
    if !errors.isEmpty {
        let stderr = FileHandle.standardError
        for d in errors.prefix(10) { stderr.write(Data("\(d)\n".utf8)) }
        stderr.write(Data("haechi: \(errors.count) problem(s) in \(directory); manuals with errors are left out. Run `haechi lint \(directory)`.\n".utf8))
        if library.manuals.isEmpty { throw ExitCode(1) }
    }
    return library
}
