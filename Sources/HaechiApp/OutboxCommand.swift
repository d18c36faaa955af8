import ArgumentParser

// Placeholder: replaced by the issue that builds `haechi outbox`.
struct OutboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "outbox", abstract: "(not built yet)")
    func run() async throws { throw ValidationError("haechi outbox is not built yet") }
}
