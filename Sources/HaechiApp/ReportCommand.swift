import ArgumentParser

// Placeholder: replaced by the issue that builds `haechi report`.
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "report", abstract: "(not built yet)")
    func run() async throws { throw ValidationError("haechi report is not built yet") }
}
