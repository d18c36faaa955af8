import HaechiApp

// Run the parsed command ourselves: ArgumentParser's async `main()` cannot be picked from a
// library's root command on Linux without availability annotations.
do {
    var command = try HaechiCommand.parseAsRoot()
    if var async = command as? any AsyncParsableCommand {
        try await async.run()
    } else {
        try command.run()
    }
} catch {
    HaechiCommand.exit(withError: error)
}
