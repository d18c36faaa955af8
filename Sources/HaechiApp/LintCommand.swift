import ArgumentParser

// Placeholder: replaced by the issue that builds `haechi lint`.
struct LintCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "lint", abstract: "(not built yet)")
    func run() async throws { throw ValidationError("haechi lint is not built yet") }
}
