import ArgumentParser

// Placeholder: replaced by the issue that builds `haechi tui`.
struct TUICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tui", abstract: "(not built yet)")
    func run() async throws { throw ValidationError("haechi tui is not built yet") }
}
