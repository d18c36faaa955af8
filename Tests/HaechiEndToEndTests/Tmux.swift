#if canImport(Glibc)
import Glibc
#endif
import Foundation
import HaechiStore
import Testing

/// A private tmux server for end-to-end runs of the real binaries: its own socket
/// (`tmux -L haechi-test-<random>`, never the default server), a fixed window size, and
/// polling of `capture-pane` for expected text instead of sleeping. Failures carry the screen.
final class Tmux {
    struct Timeout: Error, CustomStringConvertible {
        let waitingFor: String
        let screen: String
        var description: String { "timed out waiting for \(waitingFor); the screen was:\n\(screen)" }
    }

    let socket = "haechi-test-\(UInt32.random(in: 0...UInt32.max))"
    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("haechi-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try "set -s exit-empty off\n".write(to: configuration, atomically: true, encoding: .utf8)
    }

    /// The server's configuration: it stays up when its last session ends. Without it, a test
    /// that kills the program in session `a` and starts session `b` raced the server's exit
    /// (`b` connected to a server already leaving: "server exited unexpectedly").
    /// `shutdown()` ends the server.
    var configuration: URL { directory.appendingPathComponent("tmux.conf") }

    /// Ends this test's private server (never the default one, never by name pattern).
    /// Call it in a `defer`: a test that throws still cleans up.
    func shutdown() {
        _ = try? Self.run(["tmux", "-L", socket, "kill-server"])
        try? FileManager.default.removeItem(at: directory)
    }

    deinit { shutdown() }

    /// Runs a program to completion; returns its exit status and output.
    ///
    /// posix_spawn and waitpid rather than Foundation's Process: under the test runner on Linux,
    /// Process.waitUntilExit never returned for `tmux new-session` (the client was left a
    /// zombie). Output goes to a temporary file, not a pipe: the first tmux command forks the
    /// server, which would inherit a pipe's write end and keep it open.
    @discardableResult
    static func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("haechi-run-\(UUID().uuidString)").path
        defer { unlink(file) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, file, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // The first tmux command forks the server, which lives past this test (exit-empty off):
        // it must not keep another test's pipe open (a full run hung reading a child's output
        // to its end, with six servers holding the write end), and it must get SIGCHLD and
        // SIGTERM. A test runner's threads block most signals and posix_spawn hands the caller's
        // mask on: a server started so never reaped its panes' shells, ignored kill-server and
        // outlived the run (a full run left 30 such servers behind).
        PostgresScratch.closeOnExecAboveStandardError()
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t(), all = sigset_t()
        sigemptyset(&none)
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv = (["/usr/bin/env"] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, "/usr/bin/env", &actions, &attributes, argv, environ)
        guard rc == 0 else { throw TmuxError(message: "posix_spawn \(arguments[0]): \(String(cString: strerror(rc)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { throw TmuxError(message: "waitpid: \(String(cString: strerror(errno)))") }
        }
        let output = (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
        // WIFEXITED / WEXITSTATUS are macros Swift cannot import.
        let exited = status & 0x7f == 0
        return (exited ? (status >> 8) & 0xff : 128 + (status & 0x7f), output)
    }

    @discardableResult
    func tmux(_ arguments: String...) throws -> String {
        let r = try Self.run(["tmux", "-L", socket, "-f", configuration.path] + arguments)
        if r.status != 0 { throw TmuxError(message: "tmux \(arguments.joined(separator: " ")): \(r.output)") }
        return r.output
    }
    struct TmuxError: Error { let message: String }

    /// Where a session's command writes its exit status (the pane's own status can race).
    func statusFile(_ session: String) -> URL { directory.appendingPathComponent("\(session).status") }

    /// Starts `command` (argv) in a new session with a UTF-8 locale; its exit status goes to
    /// `statusFile(session)`.
    func start(_ session: String, width: Int, height: Int, _ command: [String], environment: [String: String] = [:]) throws {
        try? FileManager.default.removeItem(at: statusFile(session))
        let env = (["LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "TERM": "screen-256color"].merging(environment) { $1 })
            .map { "\($0.key)=\(Self.quote($0.value))" }.sorted().joined(separator: " ")
        let line = "env \(env) \(command.map(Self.quote).joined(separator: " ")); echo $? > \(Self.quote(statusFile(session).path))"
        try tmux("new-session", "-d", "-s", session, "-x", "\(width)", "-y", "\(height)", "sh -c \(Self.quote(line))")
    }

    static func quote(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }

    /// Named keys (`Enter`, `Down`, `C-o`) or single characters.
    func keys(_ session: String, _ keys: String...) throws {
        for key in keys { try tmux("send-keys", "-t", session, key) }
    }

    /// Text typed as it is (UTF-8), as an input method would deliver composed Hangul.
    func type(_ session: String, _ text: String) throws {
        try tmux("send-keys", "-t", session, "-l", text)
    }

    func capture(_ session: String) -> String {
        (try? tmux("capture-pane", "-p", "-t", session)) ?? "<no pane: \(session)>"
    }

    func resize(_ session: String, width: Int, height: Int) throws {
        try tmux("resize-window", "-t", session, "-x", "\(width)", "-y", "\(height)")
    }

    /// Polls the screen until every text appears; throws with the screen after `timeout`.
    @discardableResult
    /// The default is far above any wait a loaded 2-core CI machine causes: polling returns as
    /// soon as the text is there, so only a failing test pays for it.
    func waitFor(_ session: String, _ texts: String..., timeout: TimeInterval = 60) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        var screen = ""
        while Date() < deadline {
            screen = capture(session)
            if texts.allSatisfy(screen.contains) { return screen }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw Timeout(waitingFor: texts.map { "‘\($0)’" }.joined(separator: ", "), screen: screen)
    }

    /// Waits for the session's command to exit and returns its status.
    func waitForExit(_ session: String, timeout: TimeInterval = 60) throws -> Int32 {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let s = try? String(contentsOf: statusFile(session), encoding: .utf8),
               let status = Int32(s.trimmingCharacters(in: .whitespacesAndNewlines)) {
                return status
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw Timeout(waitingFor: "exit of \(session)", screen: capture(session))
    }

    /// The pid of the program running under the pane's `sh -c`.
    func programPID(_ session: String) throws -> Int32 {
        let shell = try tmux("display-message", "-p", "-t", session, "#{pane_pid}").trimmingCharacters(in: .whitespacesAndNewlines)
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            if let children = try? String(contentsOfFile: "/proc/\(shell)/task/\(shell)/children", encoding: .utf8),
               let pid = children.split(separator: " ").first.flatMap({ Int32($0) }) {
                return pid
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw TmuxError(message: "no program under pane pid \(shell)")
    }

    static var available: Bool { (try? run(["tmux", "-V"]).status) == 0 }
}
