import ArgumentParser

// Placeholder: replaced by the issue that builds the manuals benchmark.
struct ManualsBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "manuals", abstract: "(not built yet)")
    func run() async throws { print("manuals: not built yet") }
}
