import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The one way tests start a child process: posix_spawn, and waitpid to learn it ended.
/// Foundation's `Process` is not used in the test process at all. It learns that a child exited
/// through a socket the child inherits, which closes when the child exits; a server another test
/// forks at the same moment (tmux, PostgreSQL) can inherit that socket too and keep it open, and
/// the tests' own "mark every descriptor close-on-exec" before such a fork can take it from the
/// child. Either way the exit went unseen: `waitUntilExit` never returned and `isRunning` stayed
/// true with the child a zombie (a full run hung so, three python3 zombies and a sender). waitpid
/// asks the kernel about one pid and needs no descriptor.
///
/// The child gets an empty signal mask and default signal dispositions (the test runner's
/// threads block signals, and posix_spawn would hand the mask on: a tmux server started so
/// never reaped its panes and ignored kill-server). Its streams are files or a descriptor the
/// caller made, never a pipe the parent must read to its end.
public final class Subprocess: @unchecked Sendable {
    /// Where one of the child's standard streams goes.
    public enum Stream {
        /// A file opened by the child: read for stdin, created and appended to for output.
        case file(String)
        /// The same file as stdout (for stderr).
        case stdout
        /// A descriptor of the parent's, given to the child by dup2.
        case descriptor(Int32)
    }

    /// How the child ended.
    public enum Ending: Equatable, Sendable { case exited(Int32), signalled(Int32) }

    public let pid: pid_t
    private let lock = NSLock()
    private var ended: Ending?

    public init(executable: String, _ arguments: [String], stdin: Stream = .file("/dev/null"), stdout: Stream,
                stderr: Stream = .stdout, environment: [String: String]? = nil) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for (fd, stream) in [(Int32(0), stdin), (1, stdout), (2, stderr)] {
            switch stream {
            case .file(let path):
                let flags = fd == 0 ? O_RDONLY : O_WRONLY | O_CREAT | O_APPEND
                posix_spawn_file_actions_addopen(&actions, fd, path, flags, 0o600)
            case .stdout: posix_spawn_file_actions_adddup2(&actions, 1, fd)
            case .descriptor(let d): posix_spawn_file_actions_adddup2(&actions, d, fd)
            }
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t(), all = sigset_t()
        sigemptyset(&none)
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let env = environment ?? ProcessInfo.processInfo.environment
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard rc == 0 else { throw SubprocessError(description: "posix_spawn \(executable): \(String(cString: strerror(rc)))") }
        self.pid = pid
    }

    /// Never leaves a zombie or a stray child behind.
    deinit {
        if ending() == nil {
            Glibc.kill(pid, SIGKILL)
            var s: Int32 = 0
            while waitpid(pid, &s, 0) < 0 && errno == EINTR {}
        }
    }

    /// How the child ended, or nil while it runs. Never blocks.
    public func ending() -> Ending? {
        lock.lock()
        defer { lock.unlock() }
        if let ended { return ended }
        var s: Int32 = 0
        var r: pid_t
        repeat { r = waitpid(pid, &s, WNOHANG) } while r < 0 && errno == EINTR
        guard r == pid else { return nil }
        // WIFEXITED / WEXITSTATUS are macros Swift cannot import.
        ended = s & 0x7f == 0 ? .exited((s >> 8) & 0xff) : .signalled(s & 0x7f)
        return ended
    }

    /// The exit status if the child has ended (an exit code, or the signal number that ended
    /// it, as Foundation reported it), else nil. Never blocks.
    public func status() -> Int32? {
        switch ending() {
        case .exited(let code)?: code
        case .signalled(let signal)?: signal
        case nil: nil
        }
    }

    public var isRunning: Bool { ending() == nil }

    /// Sends `signal` unless the child has already ended (its pid may be reused by then).
    public func kill(_ signal: Int32) {
        if isRunning { _ = Glibc.kill(pid, signal) }
    }

    /// Blocks this thread until the child ends, and says how.
    @discardableResult
    public func waitForEnding() -> Ending {
        while true {
            if let e = ending() { return e }
            usleep(2_000)
        }
    }

    /// Blocks this thread until the child ends; its status as `status()` gives it.
    @discardableResult
    public func waitBlocking() -> Int32 {
        waitForEnding()
        return status()!
    }

    /// The exit status, or nil if the child still runs after `timeout` (polls, never blocks a
    /// thread of the shared pool).
    public func wait(timeout: TimeInterval) async -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let s = status() { return s }
            try? await Task.sleep(nanoseconds: 5_000_000)
        }
        return status()
    }
}

public struct SubprocessError: Error, CustomStringConvertible {
    public let description: String
}
