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
        if case .postgres = try StoreShell.address(stateOption) {
            throw ValidationError("verify checks the frames and checksums of the state directory's files; a database keeps its own page checksums (initdb --data-checksums). Use `haechi store export DIR` and verify that copy")
        }
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
        if total.bad > 0 {
            // A line damaged in place inside what this user's listing checkpoint covers is not
            // seen by its cheap identity checks: the next listing reads everything again.
            if let cache = ManualCache.directory() { ListingCheckpoint.forget(in: cache, outboxPath: state.outboxPath) }
            throw ExitCode(1)
        }
    }
}

public enum OutboxVerification {
    public struct Result: Sendable { public var exists = true; public var records = 0; public var bad = 0 }

    /// Files above this size are checked in two halves on two threads.
    public static let splitAbove = 32 << 20

    /// Checks every line's frame, checksum and record shape; calls `report` for each bad line,
    /// in file order, with its line number and byte offset. Streaming: memory does not grow with
    /// the file. A large file is read as two halves at once (split at a line start), since
    /// checking is CPU-bound and the halves are independent; line numbers of the second half
    /// are put right once the first half's line count is known.
    public static func verify<R: Codable & Sendable>(path: String, as: R.Type, splitAbove: Int = splitAbove,
                                                     report: (BadLine) -> Void) throws -> Result {
        var st = stat()
        guard stat(path, &st) == 0 else {
            if errno == ENOENT { return Result(exists: false) }
            throw PosixError("stat", path: path)
        }
        let size = Int(st.st_size)
        var parts: [(start: Int, end: Int?)] = [(0, nil)]
        if size > splitAbove, ProcessInfo.processInfo.activeProcessorCount > 1,
           let middle = try LogReader.lineStart(in: path, after: size / 2), middle < size {
            parts = [(0, middle), (middle, nil)]
        }
        let results = PartResults(count: parts.count)
        let bounds = parts
        DispatchQueue.concurrentPerform(iterations: bounds.count) { i in
            var part = PartResult()
            var reader = LogReader(path: path, position: bounds[i].start)
            reader.end = bounds[i].end
            do {
                part.exists = try RecordLog<R>.read(&reader, following: false, into: { _ in part.records += 1 },
                                                    bad: { part.bad.append($0) })
            } catch {
                part.error = "\(error)"
            }
            part.lines = reader.nextLine - 1
            results.set(i, part)
        }
        var result = Result()
        var linesBefore = 0
        for part in results.all {
            if let error = part.error { throw VerifyError(description: error) }
            result.exists = result.exists && part.exists
            result.records += part.records
            result.bad += part.bad.count
            for b in part.bad {
                report(BadLine(path: b.path, number: b.number + linesBefore, offset: b.offset, problem: b.problem))
            }
            linesBefore += part.lines
        }
        return result
    }

    struct VerifyError: Error, CustomStringConvertible { var description: String }

    struct PartResult: Sendable {
        var exists = true
        var records = 0
        var lines = 0
        var bad: [BadLine] = []
        var error: String?
    }

    /// One slot per part, filled by the worker threads.
    final class PartResults: @unchecked Sendable {
        private let lock = NSLock()
        private var slots: [PartResult]
        init(count: Int) { slots = Array(repeating: PartResult(), count: count) }
        func set(_ i: Int, _ r: PartResult) { lock.lock(); slots[i] = r; lock.unlock() }
        var all: [PartResult] { lock.lock(); defer { lock.unlock() }; return slots }
    }
}
