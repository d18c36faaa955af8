#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import HaechiCore

/// The state directory and the files in it (design.md, "Files and contracts").
///
/// It belongs to the duty desk's group and is setgid (mode 2770), so every file created in it
/// gets that group; records are group-writable (0660) and others get nothing.
public struct StateDirectory: Sendable {
    public let path: String

    public init(path: String) { self.path = path }

    /// `--state DIR`, else `$HAECHI_STATE`, else `$XDG_STATE_HOME/haechi`, else `~/.local/state/haechi`.
    public static func resolve(_ explicit: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> StateDirectory {
        if let explicit, !explicit.isEmpty { return StateDirectory(path: explicit) }
        if let env = environment["HAECHI_STATE"], !env.isEmpty { return StateDirectory(path: env) }
        if let xdg = environment["XDG_STATE_HOME"], !xdg.isEmpty { return StateDirectory(path: xdg + "/haechi") }
        let home = environment["HOME"] ?? NSHomeDirectory()
        return StateDirectory(path: home + "/.local/state/haechi")
    }

    public var outboxPath: String { path + "/outbox.jsonl" }
    public var deliveryPath: String { path + "/delivery.jsonl" }
    public var incidentsPath: String { path + "/incidents" }
    public var senderLockPath: String { path + "/sender.lock" }
    public var heartbeatPath: String { path + "/sender.heartbeat" }
    public var logPath: String { path + "/haechi.log" }

    /// When the sender last touched its heartbeat, or nil when there is none
    /// (`SenderStatus.from(heartbeatMTime:now:)` turns it into alive / stale / absent).
    public func heartbeatTime() -> Date? {
        var st = stat()
        guard stat(heartbeatPath, &st) == 0 else { return nil }
        return Date(timeIntervalSince1970: TimeInterval(st.st_mtim.tv_sec) + TimeInterval(st.st_mtim.tv_nsec) / 1e9)
    }
    public func journalPath(incident: String) -> String { incidentsPath + "/\(incident).jsonl" }

    public var outbox: RecordLog<OutboxRecord> { RecordLog(path: outboxPath) }
    /// Group-readable only: operators may read the ledger, never write it.
    public var delivery: RecordLog<DeliveryRecord> { RecordLog(path: deliveryPath, mode: 0o640) }
    public func journal(incident: String) -> RecordLog<IncidentEvent> { RecordLog(path: journalPath(incident: incident)) }

    /// Creates the directory tree if missing (mode 2770) and fsyncs new directories.
    /// `incidents: false` creates only the state directory itself: queueing a message needs
    /// nothing more, and should fail (if it must) on the outbox file, not on a folder it never uses.
    public func prepare(incidents: Bool = true) throws {
        try makeDirectory(path)
        if incidents { try makeDirectory(incidentsPath) }
    }

    /// Missing parents (e.g. `~/.local/state`) are made like `mkdir -p` does (0755 before the
    /// umask); only the state directory and its `incidents/` get the duty desk's 2770.
    private func makeDirectory(_ dir: String, mode: mode_t = 0o2770) throws {
        var st = stat()
        if stat(dir, &st) == 0 {
            guard (st.st_mode & S_IFMT) == S_IFDIR else { throw PosixError("mkdir", path: dir, code: ENOTDIR) }
            return
        }
        let parent = (dir as NSString).deletingLastPathComponent
        if !parent.isEmpty, stat(parent, &st) != 0 { try makeDirectory(parent, mode: 0o755) }
        if mkdir(dir, mode) != 0 && errno != EEXIST { throw PosixError("mkdir", path: dir) }
        if mode & 0o2000 != 0 { _ = chmod(dir, mode) }
        try fsyncDirectory(of: dir)
    }
}
