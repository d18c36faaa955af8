import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The one rule for believing a file this program wrote for itself to skip work next time (the
/// parsed-manual cache, the outbox listing's checkpoint). Their contents are trusted without
/// the checks their sources get (lint's control-character checks, the records' checksums over
/// the whole history), so another user must not be able to plant or swap one: the file must be
/// of the kind expected, owned by this user and writable by nobody else, and so must the
/// directory holding it (else another user could rename their own file into its place).
public enum PrivateFile {
    /// Why a file or directory with this status must not be believed, or nil.
    public static func problem(_ st: stat, kind: mode_t = S_IFREG) -> String? {
        guard (st.st_mode & S_IFMT) == kind else { return kind == S_IFDIR ? "not a directory" : "not a regular file" }
        guard st.st_uid == getuid() else { return "owned by uid \(st.st_uid), not by this user" }
        guard st.st_mode & 0o022 == 0 else { return "writable by others (mode \(String(st.st_mode & 0o777, radix: 8)))" }
        return nil
    }

    /// The directory holding `path`, by the same rule.
    public static func directoryProblem(of path: String) -> String? {
        let directory = (path as NSString).deletingLastPathComponent
        var st = stat()
        guard stat(directory.isEmpty ? "." : directory, &st) == 0 else {
            return "its directory \(directory) cannot be read: \(String(cString: strerror(errno)))"
        }
        return problem(st, kind: S_IFDIR).map { "its directory \(directory) is \($0)" }
    }
}
