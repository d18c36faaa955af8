#if canImport(Glibc)
import Glibc
#endif
import Foundation
import HaechiStore
import HaechiTestSupport
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
    /// Through `Subprocess` (posix_spawn, waitpid, an empty signal mask): under the test runner
    /// on Linux, Foundation's Process.waitUntilExit never returned for `tmux new-session`, and a
    /// server started with the runner's blocked signals never reaped its panes and ignored
    /// kill-server. Output goes to a temporary file, not a pipe: the first tmux command forks the
    /// server, which lives past this test (exit-empty off) and would keep a pipe's write end.
    @discardableResult
    static func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("haechi-run-\(UUID().uuidString)").path
        defer { unlink(file) }
        // Nor may the server keep another test's descriptors: a full run hung reading a child's
        // output to its end, with six servers holding the write end.
        PostgresScratch.closeOnExecAboveStandardError()
        let child = try Subprocess(executable: "/usr/bin/env", arguments, stdout: .file(file))
        let status: Int32
        switch child.waitForEnding() {
        case .exited(let code): status = code
        case .signalled(let signal): status = 128 + signal
        }
        return (status, (try? String(contentsOfFile: file, encoding: .utf8)) ?? "")
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
