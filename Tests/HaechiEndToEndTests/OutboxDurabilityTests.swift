import Foundation
import Testing
import HaechiCore
import HaechiStore
import HaechiTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// The durability promises of the outbox, tested on the real binary in real processes:
/// concurrent writers, kill -9 mid-append, a file size limit and a read-only directory.
// On threads of their own: these tests block for a minute and more in read and waitpid, which
// on the shared pool starved other suites' timers. Children through `Binaries.Child`
// (posix_spawn, waitpid), not Foundation's Process (see there why).
@Suite(.serialized, .ownThread) struct OutboxDurabilityTests {
    /// Starts `haechi` with stdout on a pipe; the caller reads it and waits.
    static func spawn(_ arguments: [String]) throws -> Binaries.Child {
        try Binaries.Child(executable: Binaries.path("haechi"), arguments)
    }

    /// Lines that were printed whole: an id counts as acknowledged only with its newline.
    static func completeLines(_ data: Data) -> [String] {
        var text = String(decoding: data, as: UTF8.self)
        if !text.hasSuffix("\n"), let cut = text.lastIndex(of: "\n") { text = String(text[...cut]) } else if !text.hasSuffix("\n") { text = "" }
        return text.split(separator: "\n").map(String.init)
    }

    static func readOutbox(_ state: String) throws -> (messages: [OutboxMessage], bad: [BadLine]) {
        var messages: [OutboxMessage] = []
        var bad: [BadLine] = []
        try FileOutbox(state: StateDirectory(path: state)).scan({ if case .message(let m) = $0 { messages.append(m) } }, bad: { bad.append($0) })
        return (messages, bad)
    }

    @Test func eightProcessesTimesAThousandAppendsGiveEightThousandWholeRecords() throws {
        let state = Binaries.temporaryDirectory("outbox-concurrent")
        defer { try? FileManager.default.removeItem(atPath: state) }
        let writers = (0..<8).map { "w\($0)" }
        let children = try writers.map { try Self.spawn(["outbox", "stress-append", "--state", state, "--count", "1000", "--writer", $0]) }
        var printed: [String: [String]] = [:]
        for (writer, child) in zip(writers, children) {
            printed[writer] = Self.completeLines(child.readToEnd())
            #expect(try child.wait() == .exited(0), "writer \(writer)")
        }
        let (messages, bad) = try Self.readOutbox(state)
        #expect(bad.isEmpty, "\(bad.prefix(3))")
        #expect(messages.count == 8000)
        #expect(Set(messages.map(\.id)).count == 8000, "ids are unique across processes")
        for writer in writers {
            let mine = messages.filter { $0.id.contains("-\(writer)-") }
            #expect(mine.map(\.id) == printed[writer], "\(writer)'s records are all there, whole and in its own order")
            // No interleaving: every text holds only its own writer's pieces.
            for m in mine {
                let n = m.id.split(separator: "-").last!
                #expect(m.text.ko.split(separator: " ").allSatisfy { $0 == "\(writer):\(n)" || $0 == "훈련" }, "\(m.id)")
            }
        }
        // Every line is one record: 8000 lines, each a frame.
        let raw = try Data(contentsOf: URL(fileURLWithPath: state + "/outbox.jsonl"))
        #expect(raw.split(separator: UInt8(ascii: "\n")).count == 8000)
    }

    @Test func killNineDuringAppendsLosesNoAcknowledgedID() throws {
        let state = Binaries.temporaryDirectory("outbox-kill")
        defer { try? FileManager.default.removeItem(atPath: state) }
        var acknowledged: [String] = []
        var killedWhileWriting = 0
        var rng = SystemRandomNumberGenerator()
        for round in 0..<200 {
            let child = try Self.spawn(["outbox", "stress-append", "--state", state, "--count", "1000000", "--writer", "k\(round)"])
            // Wait for the first acknowledged id, so the kill lands in the stream of appends
            // rather than during start-up, then kill at a random moment within it.
            let first = child.readSome()
            usleep(UInt32.random(in: 0...8_000, using: &rng))
            kill(child.pid, SIGKILL)
            let ids = Self.completeLines(first + child.readToEnd())
            #expect(try child.wait() == .signalled(SIGKILL), "round \(round): the child was killed, not finished")
            if !ids.isEmpty { killedWhileWriting += 1 }
            acknowledged += ids
        }
        #expect(killedWhileWriting == 200, "every kill should land mid-stream (\(killedWhileWriting)/200)")
        let (messages, bad) = try Self.readOutbox(state)
        let present = Set(messages.map(\.id))
        let lost = acknowledged.filter { !present.contains($0) }
        #expect(lost.isEmpty, "acknowledged but missing: \(lost.prefix(5))")
        #expect(acknowledged.count >= 200)
        // A torn line, if a kill left one, is reported and never hides later records.
        #expect(bad.allSatisfy { $0.problem.contains("torn") || $0.problem.contains("checksum") || $0.problem.contains("framed") })
        let after = try Binaries.run("haechi", ["outbox", "add", "--state", state, "--manuals", Binaries.bundledManuals, "--mode", "drill",
                                                "--channel", "webhook", "--text", "살아남았다", "--text-en", "survived"])
        #expect(after.status == 0, "\(after.stderr)")
        let (final, badAfter) = try Self.readOutbox(state)
        #expect(final.last?.id == after.stdout.trimmingCharacters(in: .newlines))
        #expect(badAfter.count == bad.count)
    }

    @Test func aFileSizeLimitGivesNotQueuedAndNoPartialRecord() throws {
        let state = Binaries.temporaryDirectory("outbox-ulimit")
        defer { try? FileManager.default.removeItem(atPath: state) }
        var acknowledged: [String] = []
        var refusal: Binaries.Result?
        let text = String(repeating: "파일 크기 제한 시험 ", count: 20)
        for _ in 0..<200 {
            let r = try Binaries.run(executable: "/bin/sh", ["-c", "ulimit -f 16; exec \"$0\" \"$@\"", Binaries.path("haechi"), "outbox", "add",
                                                 "--state", state, "--manuals", Binaries.bundledManuals, "--mode", "drill",
                                                 "--channel", "webhook", "--text", text, "--text-en", "size limit test"])
            if r.status == 0 { acknowledged.append(r.stdout.trimmingCharacters(in: .newlines)); continue }
            refusal = r
            break
        }
        let failed = try #require(refusal, "the limit was never reached")
        #expect(failed.status == 2)
        #expect(failed.stdout.isEmpty, "no id for a record that was not queued")
        #expect(failed.stderr.contains("NOT queued: write \(state)/outbox.jsonl: File too large"), "\(failed.stderr)")
        // Each record carries its resolved CAP block (issue 12), so fewer fit under 8 KiB than before.
        #expect(acknowledged.count >= 3)
        let (messages, bad) = try Self.readOutbox(state)
        #expect(bad.isEmpty, "the refused record was taken back: \(bad)")
        #expect(messages.map(\.id) == acknowledged)
        let verify = try Binaries.run("haechi", ["outbox", "verify", "--state", state])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
    }

    /// Root ignores directory permissions, so as root the child runs as nobody (setpriv).
    static func asUnprivileged(_ arguments: [String]) -> (String, [String]) {
        if geteuid() != 0 { return (Binaries.path("haechi"), arguments) }
        return ("/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", Binaries.path("haechi")] + arguments)
    }

    @Test func aReadOnlyDirectoryOrFileGivesNotQueued() throws {
        let base = Binaries.temporaryDirectory("outbox-readonly")
        defer { _ = chmod(base, 0o755); try? FileManager.default.removeItem(atPath: base) }
        #expect(chmod(base, 0o755) == 0)
        let manuals = base + "/manuals"
        try FileManager.default.createDirectory(atPath: manuals, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Binaries.bundledManuals + "/channels.yaml", toPath: manuals + "/channels.yaml")
        let args = ["outbox", "add", "--manuals", manuals, "--mode", "drill", "--channel", "webhook", "--text", "읽기 전용", "--text-en", "read-only"]

        let readOnlyDirectory = base + "/ro-dir"
        try FileManager.default.createDirectory(atPath: readOnlyDirectory, withIntermediateDirectories: false)
        #expect(chmod(readOnlyDirectory, 0o555) == 0)
        var (exe, argv) = Self.asUnprivileged(args + ["--state", readOnlyDirectory])
        var r = try Binaries.run(executable: exe, argv)
        #expect(r.status == 2 && r.stdout.isEmpty)
        #expect(r.stderr.contains("NOT queued: open \(readOnlyDirectory)/outbox.jsonl: Permission denied"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: readOnlyDirectory + "/outbox.jsonl"))

        // An existing outbox the operator may not write: refused, and the file is unchanged.
        let readOnlyFile = base + "/ro-file"
        try FileManager.default.createDirectory(atPath: readOnlyFile, withIntermediateDirectories: false)
        #expect(chmod(readOnlyFile, 0o777) == 0)
        try FileOutbox(state: StateDirectory(path: readOnlyFile)).append(.approve(message: "m-0", operator: "kim", at: Date()))
        #expect(chmod(readOnlyFile + "/outbox.jsonl", 0o444) == 0)
        let before = try Data(contentsOf: URL(fileURLWithPath: readOnlyFile + "/outbox.jsonl"))
        (exe, argv) = Self.asUnprivileged(args + ["--state", readOnlyFile])
        r = try Binaries.run(executable: exe, argv)
        #expect(r.status == 2 && r.stdout.isEmpty)
        #expect(r.stderr.contains("NOT queued: open \(readOnlyFile)/outbox.jsonl: Permission denied"), "\(r.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: readOnlyFile + "/outbox.jsonl")) == before)
    }
}
