import ArgumentParser

// Placeholder: replaced by the issue that builds `haechi drill`.
struct DrillCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "drill", abstract: "(not built yet)")
    func run() async throws { throw ValidationError("haechi drill is not built yet") }
}
