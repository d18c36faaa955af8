import ArgumentParser

// Placeholder: replaced by the issue that builds `haechi manuals`.
struct ManualsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "manuals", abstract: "(not built yet)")
    func run() async throws { throw ValidationError("haechi manuals is not built yet") }
}
