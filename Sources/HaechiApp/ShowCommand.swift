import ArgumentParser

// Placeholder: replaced by the issue that builds `haechi show`.
struct ShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "(not built yet)")
    func run() async throws { throw ValidationError("haechi show is not built yet") }
}
