import ArgumentParser
import Foundation
import HaechiCore

/// `haechi manuals`: one line per manual.
struct ManualsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "manuals",
        abstract: "List the manuals: id, titles, category, step count."
    )
    @OptionGroup var manualsOption: ManualsOption

    func run() throws {
        let library = try loadLibraryOrExplain(manualsOption.directory)
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
