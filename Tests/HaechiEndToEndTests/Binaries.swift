import Foundation
import HaechiTestSupport

/// Finds the package's built executables and runs them, for tests that exercise the real
/// binaries. `swift test` builds every product before running tests, into the same folder as
/// the test bundle, so that folder is where `haechi` and `haechi-sender` are.
enum Binaries {
    static let directory: String = {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
            Bundle.main.bundleURL.deletingLastPathComponent(),
            Bundle.main.bundleURL,
        ]
        for c in candidates where FileManager.default.isExecutableFile(atPath: c.appendingPathComponent("haechi").path) {
            return c.path
        }
        // Fall back to the default build folder of this checkout.
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug").path
    }()

    static func path(_ name: String) -> String { directory + "/" + name }

    static let repositoryRoot: String = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    static var bundledManuals: String { repositoryRoot + "/manuals" }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs a product binary to completion with arguments, optional stdin and extra environment.
    @discardableResult
    static func run(_ name: String, _ arguments: [String], stdin: String? = nil, environment: [String: String] = [:],
                    currentDirectory: String? = nil) throws -> Result {
        try run(executable: path(name), arguments, stdin: stdin, environment: environment, currentDirectory: currentDirectory)
    }

    /// Runs any executable by absolute path, in a UTF-8 locale.
    ///
    /// posix_spawn with the child's stdin, stdout and stderr opened by the child itself on
    /// temporary files, never pipes: tests run in parallel, and a long-lived process another test
    /// forks at the same moment (a PostgreSQL server, a tmux server) would inherit a pipe's write
    /// end and keep it open, so reading to end of file never returned (seen: a whole `swift test`
    /// stuck behind a test PostgreSQL holding a `haechi report` pipe). With files the parent holds
    /// no descriptor to leak, and it waits for the child's exit, not for end of file.
    @discardableResult
    static func run(executable: String, _ arguments: [String], stdin: String? = nil, environment: [String: String] = [:],
                    currentDirectory: String? = nil) throws -> Result {
        var env = ProcessInfo.processInfo.environment
        env["LANG"] = "C.UTF-8"
        env["LC_ALL"] = "C.UTF-8"
        for (k, v) in environment { env[k] = v }
        let base = NSTemporaryDirectory() + "haechi-run-\(UUID().uuidString)"
        let (inFile, outFile, errFile) = (base + ".in", base + ".out", base + ".err")
        defer { for f in [inFile, outFile, errFile] { unlink(f) } }
        try Data((stdin ?? "").utf8).write(to: URL(fileURLWithPath: inFile))

        // Glibc's addchdir_np is not visible to Swift here: a shell changes directory, then execs.
        let child = try currentDirectory.map {
            try Subprocess(executable: "/bin/sh", ["-c", "cd -- \"$0\" && exec \"$@\"", $0, executable] + arguments,
                           stdin: .file(inFile), stdout: .file(outFile), stderr: .file(errFile), environment: env)
        } ?? Subprocess(executable: executable, arguments, stdin: .file(inFile), stdout: .file(outFile), stderr: .file(errFile),
                        environment: env)
        // A signalled child reports the signal number, as Foundation's `terminationStatus` did.
        let status = child.waitBlocking()
        let read = { (f: String) in (try? Data(contentsOf: URL(fileURLWithPath: f))).map { String(decoding: $0, as: UTF8.self) } ?? "" }
        return Result(status: status, stdout: read(outFile), stderr: read(errFile))
    }

    /// A running child whose stdout the test reads as it comes (the kill -9 tests read the first
    /// acknowledged id, then kill). posix_spawn and waitpid, not Foundation's Process: a suite on
    /// a thread of its own once waited forever in `Process.waitUntilExit` for a child killed with
    /// SIGKILL. Its stdout is made close-on-exec here, so a server another test forks at the same moment
    /// never inherits its write end (reading to end of file would then never return); the child
    /// gets it as its stdout through dup2, which clears the flag.
    final class Child {
        private let process: Subprocess
        private let output: Int32
        var pid: pid_t { process.pid }

        init(executable: String, _ arguments: [String]) throws {
            // A socket pair rather than pipe(): it is created close-on-exec in one call (pipe2 is
            // not visible to Swift here, and pipe + fcntl leaves a moment for another thread's
            // fork to inherit it).
            var fds: [Int32] = [-1, -1]
            let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
            guard socketpair(AF_UNIX, type, 0, &fds) == 0 else {
                throw RunError(message: "socketpair: \(String(cString: strerror(errno)))")
            }
            var env = ProcessInfo.processInfo.environment
            env["LANG"] = "C.UTF-8"
            env["LC_ALL"] = "C.UTF-8"
            defer { close(fds[1]) }
            do {
                process = try Subprocess(executable: executable, arguments, stdout: .descriptor(fds[1]), stderr: .file("/dev/null"),
                                         environment: env)
            } catch {
                close(fds[0])
                throw error
            }
            output = fds[0]
        }

        deinit { close(output) }

        /// Blocks until the child writes something (or closes its stdout); returns what came.
        func readSome() -> Data {
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let n = read(output, &buffer, buffer.count)
                if n >= 0 { return Data(buffer[0..<n]) }
                if errno != EINTR { return Data() }
            }
        }

        /// Everything the child writes until it closes its stdout (by exiting).
        func readToEnd() -> Data {
            var all = Data()
            while true {
                let chunk = readSome()
                if chunk.isEmpty { return all }
                all += chunk
            }
        }

        typealias Ending = Subprocess.Ending

        /// Waits for the child's end and says how it ended.
        @discardableResult
        func wait() throws -> Ending { process.waitForEnding() }
    }

    struct RunError: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }

    static func temporaryDirectory(_ label: String) -> String {
        let path = NSTemporaryDirectory() + "haechi-\(label)-\(UUID().uuidString.prefix(8))"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}
