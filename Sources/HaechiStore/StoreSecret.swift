#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// A secret kept in a file: a channel token for the sender, the database password for any
/// command. The file must belong to the reading user and be readable by nobody else, like ssh
/// insists for private keys: a secret that other users can read may already have leaked.
public enum SecretFile {
    public struct Refused: Error, CustomStringConvertible, Sendable {
        public let description: String
        public init(description: String) { self.description = description }
    }

    /// The file's content without surrounding whitespace. Checked on the open descriptor, so
    /// the file judged is the file read (no swap in between).
    public static func read(_ path: String, what: String = "credential file", uid: uid_t = getuid()) throws -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw Refused(description: "cannot read \(what) \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw Refused(description: "cannot stat \(what) \(path)") }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw Refused(description: "\(what) \(path) is not a regular file") }
        guard st.st_uid == uid else {
            throw Refused(description: "\(what) \(path) belongs to uid \(st.st_uid), not to this user (uid \(uid)); chown it")
        }
        guard st.st_mode & 0o077 == 0 else {
            throw Refused(description: "\(what) \(path) has mode \(String(st.st_mode & 0o777, radix: 8)); other users can read it: chmod 600 \(path)")
        }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while bytes.count <= 64 * 1024 {
            #if canImport(Glibc)
            let n = Glibc.read(fd, &chunk, chunk.count)
#else
            let n = Darwin.read(fd, &chunk, chunk.count)
#endif
            if n < 0 { if errno == EINTR { continue }; throw Refused(description: "cannot read \(what) \(path)") }
            if n == 0 { break }
            bytes += chunk[0..<n]
        }
        let value = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !value.isEmpty else { throw Refused(description: "\(what) \(path) is empty") }
        return value
    }
}
