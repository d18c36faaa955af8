#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import HaechiCore

/// The embedded default: a state directory of JSONL files written per design.md's durability
/// protocol (`AppendLog`). One sender per directory (its `sender.lock`), so a claim is always
/// granted once its attempt is on disk.
public struct FileStore: Store {
    public let directory: StateDirectory
    public init(_ directory: StateDirectory) { self.directory = directory }

    public var location: String { directory.path }

    public func path(_ log: StoreLog) -> String {
        switch log {
        case .journal(let id): directory.journalPath(incident: id)
        case .outbox: directory.outboxPath
        case .ledger: directory.deliveryPath
        }
    }

    /// The ledger is group-readable only: operators may read it, never write it.
    func appendLog(_ log: StoreLog) -> AppendLog {
        AppendLog(path: path(log), mode: log == .ledger ? 0o640 : 0o660)
    }

    public func append(bodies: [[UInt8]], to log: StoreLog) throws {
        guard !bodies.isEmpty else { return }
        if case .journal = log { try directory.prepare() }
        try appendLog(log).append(bodies: bodies)
    }

    public func read(_ log: StoreLog, from cursor: StoreCursor, following: Bool,
                     record: (ArraySlice<UInt8>) throws -> Void, bad: (BadLine) -> Void) throws -> StoreCursor {
        var reader = LogReader(path: path(log), position: cursor.position, nextLine: cursor.line)
        let where_ = reader.path
        try reader.read(following: following) { line in
            switch line.result {
            case .success(let bytes): try record(bytes)
            case .failure(let problem):
                bad(BadLine(path: where_, number: line.number, offset: line.offset, problem: problem.description))
            }
        }
        return StoreCursor(position: reader.position, line: reader.nextLine)
    }

    public func incidents() throws -> [String] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory.incidentsPath)
        } catch CocoaError.fileReadNoSuchFile {
            return []
        } catch {
            if !FileManager.default.fileExists(atPath: directory.incidentsPath) { return [] }
            throw error
        }
        return names.filter { $0.hasSuffix(".jsonl") }.map { String($0.dropLast(6)) }.sorted()
    }

    /// Touches `sender.heartbeat` (its mtime is the beat; the TUI stats it).
    public func beat(sender name: String, now: Date) throws {
        Heartbeat.beat(path: directory.heartbeatPath, now: now)
    }

    public func senderBeats() throws -> [SenderBeat] {
        directory.heartbeatTime().map { [SenderBeat(name: "sender", beat: $0)] } ?? []
    }

    public func claim(_ requests: [ClaimRequest], after records: [[UInt8]], holder: String, lease: TimeInterval) throws -> [Claim] {
        // sender.lock makes this process the only sender of the directory: nobody to share with.
        // Outcomes and attempts in one append: one fdatasync.
        try append(bodies: records + requests.map(\.attempt), to: .ledger)
        return requests.map { _ in .granted }
    }

    /// One sender per directory: no lease to keep.
    public func renew(_ keys: [String], holder: String, lease: TimeInterval) throws {}
}

/// `sender.heartbeat`: a timestamp and our pid, replaced atomically every couple of seconds.
/// The TUI only looks at its modification time (`SenderStatus.from`).
public enum Heartbeat {
    public static func beat(path: String, now: Date) {
        let text = "\(RecordCoding.formatTimestamp(now)) pid \(getpid())\n"
        let temp = path + ".tmp"
        let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o640)
        guard fd >= 0 else { return }
        _ = text.withCString { write(fd, $0, strlen($0)) }
        close(fd)
        rename(temp, path)
    }
}
