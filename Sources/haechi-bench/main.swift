import ArgumentParser

/// `swift run -c release haechi-bench <area>` prints figures for one area; `all` runs every one.
/// Each area lives in its own file beside this one.
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "haechi-bench",
        abstract: "Benchmarks that print figures (build with -c release).",
        subcommands: [ManualsBench.self, TUIBench.self, OutboxBench.self, SenderBench.self, ReportBench.self]
    )
}

do {
    var command = try Bench.parseAsRoot()
    if var async = command as? any AsyncParsableCommand { try await async.run() } else { try command.run() }
} catch {
    Bench.exit(withError: error)
}
