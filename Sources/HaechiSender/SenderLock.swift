#if canImport(Glibc)
import Glibc
#endif
import Foundation
import HaechiCore
import HaechiStore

/// One sender per state directory: two would both post every message. The lock is an flock on
/// `sender.lock`, released by the kernel when the process dies however it dies, so a crash never
/// leaves a stale lock behind.
public final class SenderLock: Sendable {
    private let fd: Int32
    public let path: String

    public struct Held: Error, CustomStringConvertible, Sendable {
        public let path: String
        public let holder: String?
        public var description: String {
            "another haechi-sender is already running for this state directory" + (holder.map { " (pid \($0))" } ?? "")
                + "; it holds \(path). Stop it first, or use a different --state."
        }
    }

    public init(path: String) throws {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o640)
        guard fd >= 0 else { throw PosixError("open", path: path) }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            var buffer = [UInt8](repeating: 0, count: 32)
            let n = pread(fd, &buffer, buffer.count, 0)
            close(fd)
            if code == EWOULDBLOCK {
                let holder = n > 0 ? String(decoding: buffer[0..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) : nil
                throw Held(path: path, holder: holder?.isEmpty == false ? holder : nil)
            }
            throw PosixError("flock", path: path, code: code)
        }
        // Our pid, so that the next one to try can say who holds it.
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = pwrite(fd, pid, pid.count, 0)
        self.fd = fd
        self.path = path
    }

    public func release() {
        flock(fd, LOCK_UN)
        close(fd)
    }
}
