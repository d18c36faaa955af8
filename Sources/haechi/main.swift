import HaechiApp

// Run the parsed command ourselves. Calling `run()` on an `any AsyncParsableCommand` picks the
// synchronous requirement (which only prints help), so open the existential into a generic
// whose constraint makes the async requirement the one called.
func runAsync<C: AsyncParsableCommand>(_ command: C) async throws {
    var command = command
    try await command.run()
}

do {
    var command = try HaechiCommand.parseAsRoot()
    if let asyncCommand = command as? any AsyncParsableCommand {
        try await runAsync(asyncCommand)
    } else {
        try command.run()
    }
} catch {
    HaechiCommand.exit(withError: error)
}
