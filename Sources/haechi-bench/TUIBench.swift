import ArgumentParser

// Placeholder: replaced by the issue that builds the tui benchmark.
struct TUIBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tui", abstract: "(not built yet)")
    func run() async throws { print("tui: not built yet") }
}
