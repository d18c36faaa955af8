import ArgumentParser

/// `swift run -c release haechi-bench <area>` prints figures for one area; `all` runs every one.
/// Each area lives in its own file beside this one.
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "haechi-bench",
        abstract: "Benchmarks that print figures (build with -c release).",
        subcommands: [ManualsBench.self, FirstFrameBench.self, TUIBench.self, OutboxBench.self, SenderBench.self, ReportBench.self, StoreBench.self]
    )
}

/// Calling `run()` on an `any AsyncParsableCommand` picks the synchronous requirement; a
/// generic constrained to the async protocol calls the async one.
func runAsync<C: AsyncParsableCommand>(_ command: C) async throws {
    var command = command
    try await command.run()
}

do {
    var command = try Bench.parseAsRoot()
    if let asyncCommand = command as? any AsyncParsableCommand { try await runAsync(asyncCommand) } else { try command.run() }
} catch {
    Bench.exit(withError: error)
}
