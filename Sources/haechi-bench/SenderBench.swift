import ArgumentParser

// Placeholder: replaced by the issue that builds the sender benchmark.
struct SenderBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sender", abstract: "(not built yet)")
    func run() async throws { print("sender: not built yet") }
}
