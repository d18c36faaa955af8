import ArgumentParser
import Foundation
import HaechiCore
import HaechiStore

/// `haechi outbox verify`: every line of the outbox checked, every bad one reported with its
/// place. Streaming, so it works on a million-line file in constant memory.
struct OutboxVerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check every outbox record; report each bad line with its line number and byte offset.",
        discussion: "Exit status: 0 when every line is a valid record, 1 when any is bad, 2 when the file cannot be read."
    )
    @OptionGroup var stateOption: StateOption
    /// Accepted (and unused) so one set of options works for every outbox command in scripts.
    @OptionGroup var manualsOption: ManualsOption
    @Flag(help: "Check the sender's ledger (delivery.jsonl) too.") var ledger = false

    func run() throws {
        let state = OutboxShell.state(stateOption)
        var output = OutputBuffer()
        var total = OutboxVerification.Result()
        do {
            let outbox = try OutboxVerification.verify(path: state.outboxPath, as: OutboxRecord.self) { output.append("\($0)") }
            total.records += outbox.records; total.bad += outbox.bad
            if !outbox.exists { OutboxShell.say("note: \(state.outboxPath) does not exist yet (nothing queued)") }
            if ledger {
                let l = try OutboxVerification.verify(path: state.deliveryPath, as: DeliveryRecord.self) { output.append("\($0)") }
                total.records += l.records; total.bad += l.bad
            }
        } catch {
            output.flush()
            OutboxShell.say("haechi: cannot verify: \(error)")
            throw ExitCode(2)
        }
        output.flush()
        OutboxShell.say("verify: \(total.records) valid record(s), \(total.bad) bad line(s)")
        if total.bad > 0 { throw ExitCode(1) }
    }
}

public enum OutboxVerification {
    public struct Result: Sendable { public var exists = true; public var records = 0; public var bad = 0 }

    /// Checks every line's frame, checksum and record shape; calls `report` for each bad line.
    public static func verify<R: Codable & Sendable>(path: String, as: R.Type, report: (BadLine) -> Void) throws -> Result {
        var result = Result()
        var reader = LogReader(path: path)
        result.exists = try RecordLog<R>.read(&reader, following: false, into: { _ in result.records += 1 },
                                              bad: { result.bad += 1; report($0) })
        return result
    }
}
