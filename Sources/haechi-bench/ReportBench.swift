import ArgumentParser

// Placeholder: replaced by the issue that builds the report benchmark.
struct ReportBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "report", abstract: "(not built yet)")
    func run() async throws { print("report: not built yet") }
}
