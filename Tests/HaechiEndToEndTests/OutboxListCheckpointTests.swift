import Foundation
import Testing
import HaechiCore
import HaechiStore
@testable import HaechiApp
import HaechiTestSupport

/// `outbox list` from a checkpoint of its fold (`ListingCheckpoint`) against the listing that
/// reads both files whole: byte for byte, with the same counts, over seeded generated histories
/// cut at random bytes, grown, replaced, truncated and damaged. Each seed's steps are printed
/// in the failure, so a failing history can be made again.
@Suite(.ownThread) struct OutboxListCheckpointTests {
    static let seeds = 0..<12
    static let start = OutboxListParallelTests.start

    /// One history's files: the varied fixture of the parallel-listing test (every record kind,
    /// other writers' JSON, bad and torn lines) followed by generated histories of the message
    /// agreement test (approvals by the author and others, cancels before and after delivery,
    /// retries, dead, unknown, corrections, records without posts).
    static func history(_ seed: Int, profiles: ChannelProfiles) throws -> (outbox: [UInt8], ledger: [UInt8]) {
        let dir = Binaries.temporaryDirectory("outbox-list-checkpoint-fixture")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let state = StateDirectory(path: dir)
        try OutboxListParallelTests.writeFixture(state, count: 300 + seed * 37)
        var outbox = Array(try Data(contentsOf: URL(fileURLWithPath: state.outboxPath)))
        var ledger = Array(try Data(contentsOf: URL(fileURLWithPath: state.deliveryPath)))
        outbox.append(UInt8(ascii: "\n"))   // ends the fixture's torn line: a bad line from here on
        for h in 0..<40 {
            let t0 = start.addingTimeInterval(Double((seed * 40 + h) % 9) * -11_000)
            let g = try MessageAgreementTests.generate(1_000_000 + seed * 40 + h, profiles: profiles, t0: t0)
            for r in g.outbox { outbox += LineFrame.encode(try RecordLog<OutboxRecord>.encode(r)) }
            for d in g.ledger { ledger += LineFrame.encode(try RecordLog<DeliveryRecord>.encode(d)) }
        }
        return (outbox, ledger)
    }

    struct Run {
        let state: StateDirectory
        let cache: String
        let checkpoint: String
        let profiles: ChannelProfiles
        var log: [String] = []

        func write(_ path: String, _ bytes: some Collection<UInt8>) throws {
            try Data(bytes).write(to: URL(fileURLWithPath: path))
        }
        func append(_ path: String, _ bytes: some Collection<UInt8>) throws {
            let h = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            try h.seekToEnd()
            try h.write(contentsOf: Data(bytes))
            try h.close()
        }

        /// Lists with the checkpoint and compares with both whole readings (`stream` and the
        /// parallel listing without a checkpoint). Returns whether the checkpoint was used.
        @discardableResult
        mutating func check(_ what: String, json: Bool, recent: Bool, withProfiles: Bool, rewriteAfter: Int,
                            partSize: Int) throws -> Bool {
            log.append("\(what) json=\(json) recent=\(recent) profiles=\(withProfiles) rewriteAfter=\(rewriteAfter) part=\(partSize)")
            let now = OutboxListCheckpointTests.start.addingTimeInterval(3 * 3600)
            let filter: @Sendable (OutboxMessage) -> Bool = { m in !recent || now.timeIntervalSince(m.created) < 24 * 3600 }
            let channels: ChannelProfiles? = withProfiles ? profiles : nil
            let sink = OutboxListParallelTests.Sink()
            let line: @Sendable (MessageStatus, inout ListingBlock) -> Void = { status, out in
                if json { OutboxListing.jsonLine(status, into: &out) } else { OutboxListing.textLine(status, into: &out) }
            }
            let write: @Sendable ([UInt8]) -> Void = { sink.append($0) }
            let got: OutboxListing.Summary = try OutboxListing.parallel(state: state, channels: channels, partSize: partSize, workers: 2,
                                                                        checkpoint: checkpoint, rewriteAfter: rewriteAfter,
                                                                        filter: filter, line: line, write: write)
            let whole = try OutboxListParallelTests.parallel(state, channels: channels, json: json, partSize: partSize, workers: 2, filter: filter)
            let reference = try OutboxListParallelTests.straightforward(state, channels: channels, json: json, filter: filter)
            #expect(whole == reference, "the whole listings agree: \(log.joined(separator: " → "))")
            let counts = "\(got.messages)/\(got.listed)/\(got.bad) vs \(reference.messages)/\(reference.listed)/\(reference.bad)"
            #expect(got.messages == reference.messages && got.listed == reference.listed && got.bad == reference.bad,
                    "\(counts): \(log.joined(separator: " → "))")
            if sink.bytes != reference.bytes {
                let a = String(decoding: sink.bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
                let b = String(decoding: reference.bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
                let first = (0..<min(a.count, b.count)).first { a[$0] != b[$0] } ?? min(a.count, b.count)
                Issue.record("output differs at line \(first): \(first < a.count ? String(a[first]) : "(end)") vs \(first < b.count ? String(b[first]) : "(end)"): \(log.joined(separator: " → "))")
            }
            return got.fromCheckpoint
        }
    }

    static func profiles() throws -> ChannelProfiles {
        var manuals = ManualsOption()
        manuals.manuals = Binaries.bundledManuals
        return try #require(try OutboxShell.channels(manuals))
    }

    static func makeRun(_ label: String, profiles: ChannelProfiles) throws -> (Run, String) {
        let dir = Binaries.temporaryDirectory(label)
        let state = StateDirectory(path: dir + "/state")
        try state.prepare(incidents: false)
        let cache = dir + "/cache"
        try FileManager.default.createDirectory(atPath: cache, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let run = Run(state: state, cache: cache, checkpoint: ListingCheckpoint.file(in: cache, outboxPath: state.outboxPath), profiles: profiles)
        return (run, dir)
    }

    @Test(arguments: seeds)
    func aListingFromACheckpointIsTheWholeListing(seed: Int) throws {
        let profiles = try Self.profiles()
        let (outbox, ledger) = try Self.history(seed, profiles: profiles)
        var rng = SeededRandom(seed: UInt64(seed) &* 0x9E37 &+ 11)
        var (run, dir) = try Self.makeRun("outbox-list-checkpoint", profiles: profiles)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        run.log.append("seed \(seed): outbox \(outbox.count) B, ledger \(ledger.count) B")
        func config() -> (Bool, Bool, Bool, Int, Int) {
            (Bool.random(using: &rng), Bool.random(using: &rng), Int.random(in: 0..<4, using: &rng) > 0,
             Bool.random(using: &rng) ? 0 : Int.max, [1 << 20, 4096, 900].randomElement(using: &rng)!)
        }

        // A cold listing of a prefix cut at any byte (a torn line too) writes the checkpoint.
        let cut1 = Int.random(in: outbox.count / 4..<outbox.count / 2, using: &rng)
        let cutL1 = Int.random(in: 0..<ledger.count / 2, using: &rng)
        try run.write(run.state.outboxPath, outbox[..<cut1])
        try run.write(run.state.deliveryPath, ledger[..<cutL1])
        var (json, recent, withProfiles, rewrite, part) = config()
        let cold = try run.check("cold at \(cut1)/\(cutL1)", json: json, recent: recent, withProfiles: withProfiles, rewriteAfter: rewrite, partSize: part)
        #expect(!cold, "no checkpoint yet: \(run.log)")
        #expect(ListingCheckpoint.open(path: run.checkpoint, outboxPath: run.state.outboxPath) != nil, "a cold listing leaves a checkpoint: \(run.log)")

        // Appends to both files, twice: read from the checkpoint, rewritten or not.
        let cut2 = Int.random(in: cut1..<outbox.count, using: &rng)
        let cutL2 = Int.random(in: cutL1..<ledger.count, using: &rng)
        for (o, l) in [(cut2, cutL2), (outbox.count, ledger.count)] {
            let o0 = try FileManager.default.attributesOfItem(atPath: run.state.outboxPath)[.size] as! Int
            let l0 = try FileManager.default.attributesOfItem(atPath: run.state.deliveryPath)[.size] as! Int
            try run.append(run.state.outboxPath, outbox[o0..<o])
            try run.append(run.state.deliveryPath, ledger[l0..<l])
            (json, recent, withProfiles, rewrite, part) = config()
            let warm = try run.check("appended to \(o)/\(l)", json: json, recent: recent, withProfiles: withProfiles, rewriteAfter: rewrite, partSize: part)
            #expect(warm, "the checkpoint is read after appends: \(run.log)")
        }
        // A checkpoint of everything, then nothing new: still the same.
        (json, recent, withProfiles, _, part) = config()
        _ = try run.check("rewritten", json: json, recent: recent, withProfiles: withProfiles, rewriteAfter: 0, partSize: part)
        #expect(try run.check("nothing new", json: !json, recent: recent, withProfiles: withProfiles, rewriteAfter: Int.max, partSize: part),
                "\(run.log)")

        // Then what must not be believed: each leads to a whole reading, with the same output.
        let other = try Self.history(seed + 100, profiles: profiles)
        let covered = try #require(ListingCheckpoint.open(path: run.checkpoint, outboxPath: run.state.outboxPath)).outbox.covered
        switch Int.random(in: 0..<6, using: &rng) {
        case 0:
            // Replaced by another file (another inode) as long as the old one.
            let temporary = run.state.outboxPath + ".new"
            try run.write(temporary, other.outbox + Array(repeating: UInt8(ascii: "\n"), count: max(0, outbox.count - other.outbox.count)))
            #expect(rename(temporary, run.state.outboxPath) == 0)
            run.log.append("outbox replaced")
        case 1:
            // Truncated below what the checkpoint covers.
            try #require(truncate(run.state.outboxPath, off_t(Int.random(in: covered / 4..<covered, using: &rng))) == 0)
            run.log.append("outbox truncated")
        case 2:
            // Truncated, then grown past the covered length with other records (same inode).
            try #require(truncate(run.state.outboxPath, off_t(covered / 2)) == 0)
            try run.append(run.state.outboxPath, other.outbox + other.outbox)
            run.log.append("outbox truncated and regrown")
        case 3:
            // The last covered frame damaged in place: caught by the tail checksum.
            let h = try FileHandle(forUpdating: URL(fileURLWithPath: run.state.outboxPath))
            try h.seek(toOffset: UInt64(covered - 40))
            try h.write(contentsOf: Data("X".utf8))
            try h.close()
            run.log.append("last covered frame damaged")
        case 4:
            // A frame in the middle damaged in place: the cheap checks do not see it; `outbox
            // verify` finds the bad line and forgets the checkpoint (what it calls is this).
            let h = try FileHandle(forUpdating: URL(fileURLWithPath: run.state.outboxPath))
            try h.seek(toOffset: UInt64(covered / 2))
            try h.write(contentsOf: Data("X".utf8))
            try h.close()
            ListingCheckpoint.forget(in: run.cache, outboxPath: run.state.outboxPath)
            run.log.append("middle frame damaged, verify forgot the checkpoint")
        default:
            // The ledger replaced by another, then its checkpointed prefix cut.
            try run.write(run.state.deliveryPath, other.ledger)
            run.log.append("ledger replaced")
        }
        (json, recent, withProfiles, rewrite, part) = config()
        let doubted = try run.check("after the change", json: json, recent: recent, withProfiles: withProfiles, rewriteAfter: rewrite, partSize: part)
        #expect(!doubted, "a changed file is read whole: \(run.log)")
        // And the checkpoint written by that whole reading serves the next listing.
        try run.append(run.state.outboxPath, other.outbox.prefix(5000))
        (json, recent, withProfiles, rewrite, part) = config()
        #expect(try run.check("appended after", json: json, recent: recent, withProfiles: withProfiles, rewriteAfter: rewrite, partSize: part),
                "\(run.log)")
    }

    /// Only a checkpoint this user wrote and nobody else could have is read.
    @Test func aCheckpointOthersCouldWriteIsNotRead() throws {
        let profiles = try Self.profiles()
        let (outbox, ledger) = try Self.history(3, profiles: profiles)
        var (run, dir) = try Self.makeRun("outbox-list-checkpoint-trust", profiles: profiles)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try run.write(run.state.outboxPath, outbox)
        try run.write(run.state.deliveryPath, ledger)
        _ = try run.check("cold", json: true, recent: false, withProfiles: true, rewriteAfter: 0, partSize: 4096)
        try #require(ListingCheckpoint.open(path: run.checkpoint, outboxPath: run.state.outboxPath) != nil)
        // The same bytes, group-writable: not read.
        #expect(chmod(run.checkpoint, 0o660) == 0)
        #expect(ListingCheckpoint.open(path: run.checkpoint, outboxPath: run.state.outboxPath) == nil)
        #expect(try !run.check("group-writable file", json: false, recent: false, withProfiles: true, rewriteAfter: Int.max, partSize: 4096))
        // A directory others may write: not read, and no checkpoint written into it.
        #expect(chmod(run.checkpoint, 0o600) == 0)
        #expect(chmod(run.cache, 0o777) == 0)
        #expect(ListingCheckpoint.open(path: run.checkpoint, outboxPath: run.state.outboxPath) == nil)
        #expect(ListingCheckpointWriter(path: run.checkpoint) == nil)
        #expect(chmod(run.cache, 0o700) == 0)
        #expect(ListingCheckpoint.open(path: run.checkpoint, outboxPath: run.state.outboxPath) != nil)
        // A symbolic link to a checkpoint is not followed.
        let link = run.cache + "/link.checkpoint"
        #expect(symlink(run.checkpoint, link) == 0)
        #expect(ListingCheckpoint.open(path: link, outboxPath: run.state.outboxPath) == nil)
        // Damaged anywhere (trailer or chunk): not read, and the listing is still right.
        var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: run.checkpoint)))
        bytes[bytes.count / 3] ^= 0x20
        try run.write(run.checkpoint, bytes)
        #expect(try !run.check("damaged chunk", json: true, recent: true, withProfiles: false, rewriteAfter: Int.max, partSize: 4096))
        try run.write(run.checkpoint, Array(bytes.prefix(bytes.count - 3)))
        #expect(ListingCheckpoint.open(path: run.checkpoint, outboxPath: run.state.outboxPath) == nil)
        // Another outbox's checkpoint under this one's name: not read.
        _ = try run.check("cold again", json: true, recent: false, withProfiles: true, rewriteAfter: 0, partSize: 4096)
        #expect(ListingCheckpoint.open(path: run.checkpoint, outboxPath: dir + "/elsewhere/outbox.jsonl") == nil)
    }

    /// The real binary: a listing leaves a checkpoint in $XDG_CACHE_HOME/haechi, the next one
    /// (after an append) prints what `--no-checkpoint` prints, and `verify` finding a bad line
    /// removes the checkpoint.
    @Test func theBinaryWritesReadsAndForgetsItsCheckpoint() throws {
        let profiles = try Self.profiles()
        let (outbox, ledger) = try Self.history(5, profiles: profiles)
        let dir = Binaries.temporaryDirectory("outbox-list-checkpoint-binary")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let state = StateDirectory(path: dir + "/state")
        try state.prepare(incidents: false)
        try Data(outbox.prefix(outbox.count / 2)).write(to: URL(fileURLWithPath: state.outboxPath))
        try Data(ledger).write(to: URL(fileURLWithPath: state.deliveryPath))
        let env = ["XDG_CACHE_HOME": dir + "/cache"]
        let checkpoint = ListingCheckpoint.file(in: dir + "/cache/haechi", outboxPath: state.outboxPath)
        for json in [false, true] {
            let args = ["outbox", "list", "--all", "--state", state.path, "--manuals", Binaries.bundledManuals] + (json ? ["--json"] : [])
            let first = try Binaries.run("haechi", args, environment: env)
            #expect(first.status == 0, "\(first.stderr)")
            #expect(FileManager.default.fileExists(atPath: checkpoint))
            let h = try FileHandle(forWritingTo: URL(fileURLWithPath: state.outboxPath))
            try h.seekToEnd()
            try h.write(contentsOf: Data(outbox.dropFirst(outbox.count / 2).prefix(outbox.count / 4)))
            try h.close()
            let warm = try Binaries.run("haechi", args, environment: env)
            let whole = try Binaries.run("haechi", args + ["--no-checkpoint"], environment: env)
            #expect(warm.status == 0 && whole.status == 0)
            #expect(warm.stdout == whole.stdout && warm.stderr == whole.stderr)
            #expect(warm.stdout.count > first.stdout.count, "the appended messages are listed")
        }
        let verify = try Binaries.run("haechi", ["outbox", "verify", "--state", state.path], environment: env)
        #expect(verify.status == 1, "the history has bad lines: \(verify.stderr)")
        #expect(!FileManager.default.fileExists(atPath: checkpoint), "verify found a bad line and removed the checkpoint")
    }
}
