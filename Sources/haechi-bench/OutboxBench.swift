import ArgumentParser

// Placeholder: replaced by the issue that builds the outbox benchmark.
struct OutboxBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "outbox", abstract: "(not built yet)")
    func run() async throws { print("outbox: not built yet") }
}
