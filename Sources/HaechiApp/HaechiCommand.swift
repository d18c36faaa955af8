@_exported import ArgumentParser
import Foundation
import HaechiCore

/// `haechi`: with no subcommand it opens the checklist TUI.
public struct HaechiCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "haechi",
        abstract: "Emergency initial-response checklists and official SNS messages for duty officers.",
        subcommands: [
            TUICommand.self, LintCommand.self, ManualsCommand.self, ShowCommand.self,
            OutboxCommand.self, DrillCommand.self, ReportCommand.self, StoreCommand.self,
        ],
        defaultSubcommand: TUICommand.self
    )
    public init() {}
}

/// Options every command shares: where the manuals are.
public struct ManualsOption: ParsableArguments {
    @Option(name: .long, help: "Manuals directory (default: $HAECHI_MANUALS, else ./manuals).")
    public var manuals: String?
    public init() {}

    public var directory: String {
        if let manuals, !manuals.isEmpty { return manuals }
        if let env = ProcessInfo.processInfo.environment["HAECHI_MANUALS"], !env.isEmpty { return env }
        return "manuals"
    }
}

/// The city's time zone for every clock, message and report (`CityTime`).
public struct TimeZoneOption: ParsableArguments {
    @Option(name: .customLong("time-zone"), help: "The city's time zone for clocks, messages and reports (default: $HAECHI_TIME_ZONE, else Asia/Seoul).")
    public var timeZone: String?
    public init() {}

    public func zone() throws -> TimeZone {
        do { return try CityTime.zone(named: timeZone, environment: ProcessInfo.processInfo.environment) }
        catch { throw ValidationError("\(error)") }
    }

    /// The same zone as the TUI holds it (CityTime.lightZone: no ICU).
    public func lightZone() throws -> TimeZone {
        do { return try CityTime.lightZone(named: timeZone, environment: ProcessInfo.processInfo.environment) }
        catch { throw ValidationError("\(error)") }
    }
}

/// Where incidents, the outbox and the sender's ledger live.
public struct StateOption: ParsableArguments {
    @Option(name: .long, help: "State directory (default: $HAECHI_STATE, else $XDG_STATE_HOME/haechi).")
    public var state: String?
    @Option(name: .long, help: "Shared store: a postgresql://USER@HOST:PORT/DB URL (default: $HAECHI_STORE, else the state directory's files). The state directory then keeps only the log and the offline spool.")
    public var store: String?
    public init() {}
}
