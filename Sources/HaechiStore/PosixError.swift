#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A failed system call, with the call, the path and errno, so the operator sees
/// "NOT queued: write outbox.jsonl: No space left on device" rather than a bare code.
public struct PosixError: Error, CustomStringConvertible, Sendable, Equatable {
    public let function: String
    public let path: String
    public let code: Int32
    public init(_ function: String, path: String, code: Int32 = errno) {
        self.function = function; self.path = path; self.code = code
    }
    public var message: String { String(cString: strerror(code)) }
    public var description: String { "\(function) \(path): \(message)" }
}

/// Runs a system call, retrying on EINTR, throwing `PosixError` on -1.
@discardableResult
func posix<T: BinaryInteger>(_ function: String, _ path: String, _ body: () -> T) throws -> T {
    while true {
        let r = body()
        if r != -1 { return r }
        let e = errno
        if e == EINTR { continue }
        throw PosixError(function, path: path, code: e)
    }
}
