#if canImport(Glibc)
import Glibc
#endif
import Foundation
import HaechiCore
import HaechiStore

/// The TUI's parsed manuals, channel profiles and drill scenarios, kept between runs so the
/// first screen does not wait for every YAML file to be parsed and checked again (issue 11:
/// first frame ≤ 1.5× `haechi --help`).
///
/// The key is a SHA-256 over every file the loaders read (channels.yaml, contacts.yaml,
/// places.yaml, each manual, each scenario: name, length and bytes) and over the identity of
/// the running binary (a new build may parse or check differently). Any change to any of those
/// files, a file added or removed, or another haechi gives another key, and the cache is not
/// used: the files are parsed and checked as if there were no cache, and the result replaces
/// it. Hashing the files costs a read of ~0.5 MB, far less than parsing them.
///
/// Stored in `CompactCoding`'s binary form (JSONDecoder alone took longer than the rest of the
/// start). It lives in the user's cache directory (`$XDG_CACHE_HOME/haechi`, else `~/.cache/haechi`),
/// one file per manuals directory, written to a temporary name and renamed into place, so a
/// reader sees a whole cache or none. A cache that cannot be read, decoded or written is
/// simply not used; the manuals are then parsed as always.
struct ManualCache {
    /// What the TUI loads from a manuals directory at start.
    struct Contents: Codable, Equatable {
        var key: String
        var manuals: [Manual]
        /// Manual, channel and reference errors, as shown on Home.
        var problems: [String]
        var channels: [ChannelProfile]
        var scenarios: [Scenario]
        /// Scenario errors, for the log.
        var scenarioProblems: [String]
    }

    enum Source: Equatable { case cache, parsed }

    /// Bumped when `Contents` changes shape.
    static let format = "haechi-manual-cache-3"

    /// The directory caches go in.
    let directory: String

    /// `$XDG_CACHE_HOME/haechi`, else `$HOME/.cache/haechi`; nil when neither is set (no cache).
    static func directory(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        if let xdg = environment["XDG_CACHE_HOME"], xdg.hasPrefix("/") { return xdg + "/haechi" }
        if let home = environment["HOME"], home.hasPrefix("/") { return home + "/.cache/haechi" }
        return nil
    }

    /// The cache file for one manuals directory (by its absolute path).
    func file(for manualsDirectory: String) -> String {
        let absolute = URL(fileURLWithPath: manualsDirectory).standardizedFileURL.path
        return directory + "/manuals-" + FileStore.recordID(Array(absolute.utf8)) + ".cache"
    }

    /// The files a manuals directory's load reads, in a fixed order.
    static func inputs(of manualsDirectory: String) -> [String] {
        let dir = manualsDirectory.hasSuffix("/") ? String(manualsDirectory.dropLast()) : manualsDirectory
        let shared = ([ChannelProfileLoader.fileName] + ManualReferencesLoader.fileNames.subtracting([ChannelProfileLoader.fileName]).sorted())
            .map { dir + "/" + $0 }
        let scenarioDir = dir + "/" + ScenarioLoader.directoryName
        let scenarios = ((try? FileManager.default.contentsOfDirectory(atPath: scenarioDir)) ?? [])
            .filter { ($0.hasSuffix(".yaml") || $0.hasSuffix(".yml")) && !$0.hasPrefix(".") }.sorted().map { scenarioDir + "/" + $0 }
        return shared + ManualLibrary.manualFiles(in: dir) + scenarios
    }

    /// The key for the directory as it is now: the binary's identity and every input file.
    /// A file that cannot be read counts as absent (the loaders report it, and the key differs
    /// from when it could be read).
    static func key(of manualsDirectory: String) -> String {
        // The folder as given too: file names in problems and step locations are written the
        // way it was named (`manuals/x.yaml` or `/srv/manuals/x.yaml`).
        var bytes = Array((format + "\n" + binaryIdentity() + "\n" + manualsDirectory + "\n").utf8)
        for path in inputs(of: manualsDirectory) {
            let name = (path as NSString).lastPathComponent
            guard let data = FileManager.default.contents(atPath: path) else {
                bytes += Array("\(name) absent\n".utf8)
                continue
            }
            bytes += Array("\(name) \(data.count)\n".utf8)
            bytes += data
        }
        return FileStore.recordID(bytes)
    }

    /// Device, inode, size and modification time of the running executable: another build or
    /// an upgrade of haechi never reads a cache written by this one.
    static func binaryIdentity() -> String {
        var st = stat()
        guard stat("/proc/self/exe", &st) == 0 else { return "unknown-binary" }
        return "\(st.st_dev)-\(st.st_ino)-\(st.st_size)-\(st.st_mtim.tv_sec).\(st.st_mtim.tv_nsec)"
    }

    /// The directory's contents from the cache when its key matches, else from `parse` (then
    /// stored for next time). `note` hears why a cache was not used or not written.
    func load(manualsDirectory: String, note: (String) -> Void = { _ in },
              parse: (_ key: String) -> Contents) -> (contents: Contents, source: Source) {
        let path = file(for: manualsDirectory)
        var key = ""
        let problem = Self.untrusted(path)
        if let problem { note("manual cache \(path) not used: \(problem)") }
        if problem == nil, let data = FileManager.default.contents(atPath: path) {
            // The inputs are hashed while the cache is decoded (on the other core): the first
            // screen waits for the longer of the two, not their sum. A stale cache is decoded
            // for nothing, once, and then replaced.
            let (hashed, decoded) = Self.hashWhileDecoding(manualsDirectory: manualsDirectory, cache: Array(data))
            key = hashed
            switch decoded {
            case .success(let cached) where cached.key == key: return (cached, .cache)
            case .success: break
            case .failure(let error): note("manual cache \(path) unreadable, parsing the manuals: \(error)")
            }
        } else {
            key = Self.key(of: manualsDirectory)
        }
        let parsed = parse(key)
        // A file that changed while it was being parsed: the result may not match the key.
        guard Self.key(of: manualsDirectory) == key else {
            note("manual cache \(path) not written: a manual changed while it was read")
            return (parsed, .parsed)
        }
        do {
            try store(parsed, at: path)
        } catch {
            note("manual cache \(path) not written: \(error)")
        }
        return (parsed, .parsed)
    }

    /// Why a cache file must not be believed, or nil. Its contents skip the checks lint makes
    /// (control characters, escape sequences), so only a file this user owns and nobody else
    /// can write is read; a missing file is not a problem (nil).
    static func untrusted(_ path: String) -> String? {
        var st = stat()
        guard lstat(path, &st) == 0 else { return nil }
        guard (st.st_mode & S_IFMT) == S_IFREG else { return "not a regular file" }
        guard st.st_uid == getuid() else { return "owned by uid \(st.st_uid), not by this user" }
        guard st.st_mode & 0o022 == 0 else { return "writable by others (mode \(String(st.st_mode & 0o777, radix: 8)))" }
        return nil
    }

    // MARK: the file: a head (everything but the manuals) and the manuals in a few chunks,
    // each in `CompactCoding`'s form, so the chunks decode on all cores at once.

    static let fileMagic: [UInt8] = Array("HMCF".utf8)
    static let chunks = 4

    struct Head: Codable {
        var key: String
        var problems: [String]
        var channels: [ChannelProfile]
        var scenarios: [Scenario]
        var scenarioProblems: [String]
    }

    static func encodeFile(_ c: Contents) throws -> [UInt8] {
        let head = Head(key: c.key, problems: c.problems, channels: c.channels, scenarios: c.scenarios, scenarioProblems: c.scenarioProblems)
        let per = max(1, (c.manuals.count + chunks - 1) / chunks)
        var parts = [try CompactCoding.encode(head)]
        for start in stride(from: 0, to: c.manuals.count, by: per) {
            parts.append(try CompactCoding.encode(Array(c.manuals[start..<min(c.manuals.count, start + per)])))
        }
        var out = fileMagic
        CompactCoding.varint(UInt64(parts.count), into: &out)
        for part in parts {
            CompactCoding.varint(UInt64(part.count), into: &out)
            out += part
        }
        return out
    }

    /// The parts of a cache file, or nil when it is not one.
    static func parts(of file: [UInt8]) -> [[UInt8]]? {
        guard file.count > fileMagic.count, Array(file[0..<fileMagic.count]) == fileMagic else { return nil }
        return file.withUnsafeBufferPointer { buffer -> [[UInt8]]? in
            var r = CompactCoding.Reader(bytes: buffer, at: fileMagic.count)
            guard let n = try? r.length(), n >= 1 else { return nil }
            var out: [[UInt8]] = []
            for _ in 0..<n {
                guard let length = try? r.length() else { return nil }
                out.append(Array(buffer[r.at..<(r.at + length)]))
                r.at += length
            }
            return r.at == buffer.count ? out : nil
        }
    }

    static func decodeFile(_ file: [UInt8]) throws -> Contents {
        guard let parts = parts(of: file) else { throw CompactCoding.Failure(description: "not a manual cache file") }
        return try decode(parts, key: nil).1.get()
    }

    /// Decodes the parts (and hashes the inputs when `key` names the directory) on all cores.
    static func decode(_ parts: [[UInt8]], key directory: String?) -> (String, Result<Contents, any Error>) {
        let jobs = parts.count + (directory == nil ? 0 : 1)
        let heads = UnsafeMutableBufferPointer<Result<Head, any Error>?>.allocate(capacity: 1)
        let chunks = UnsafeMutableBufferPointer<Result<[Manual], any Error>?>.allocate(capacity: max(1, parts.count - 1))
        let hashed = UnsafeMutableBufferPointer<String>.allocate(capacity: 1)
        heads.initialize(repeating: nil); chunks.initialize(repeating: nil); hashed.initialize(repeating: "")
        defer {
            heads.deinitialize(); heads.deallocate(); chunks.deinitialize(); chunks.deallocate()
            hashed.deinitialize(); hashed.deallocate()
        }
        // Each job writes only its own slot.
        nonisolated(unsafe) let (h, c, k) = (heads, chunks, hashed)
        DispatchQueue.concurrentPerform(iterations: jobs) { i in
            switch i {
            case parts.count: k[0] = key(of: directory!)
            case 0: h[0] = Result { try CompactCoding.decode(Head.self, from: parts[0]) }
            default: c[i - 1] = Result { try CompactCoding.decode([Manual].self, from: parts[i]) }
            }
        }
        let contents = Result<Contents, any Error> {
            let head = try heads[0]!.get()
            var manuals: [Manual] = []
            for i in 0..<(parts.count - 1) { manuals += try chunks[i]!.get() }
            return Contents(key: head.key, manuals: manuals, problems: head.problems, channels: head.channels,
                            scenarios: head.scenarios, scenarioProblems: head.scenarioProblems)
        }
        return (hashed[0], contents)
    }

    static func hashWhileDecoding(manualsDirectory: String, cache file: [UInt8]) -> (String, Result<Contents, any Error>) {
        guard let parts = parts(of: file) else {
            return (key(of: manualsDirectory), .failure(CompactCoding.Failure(description: "not a manual cache file")))
        }
        return decode(parts, key: manualsDirectory)
    }

    /// Caches of manuals directories not opened for this long are removed when a cache is written
    /// (test runs and old checkouts would otherwise pile up).
    static let keepFor: TimeInterval = 30 * 86_400

    func store(_ contents: Contents, at path: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let now = Date()
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] where name.hasPrefix("manuals-") {
            let other = directory + "/" + name
            guard other != path, let modified = (try? FileManager.default.attributesOfItem(atPath: other))?[.modificationDate] as? Date,
                  now.timeIntervalSince(modified) > Self.keepFor else { continue }
            try? FileManager.default.removeItem(atPath: other)
        }
        let data = Data(try Self.encodeFile(contents))
        let temporary = path + ".tmp-\(getpid())"
        guard FileManager.default.createFile(atPath: temporary, contents: data, attributes: [.posixPermissions: 0o600]) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: temporary])
        }
        guard rename(temporary, path) == 0 else {
            let why = String(cString: strerror(errno))
            unlink(temporary)
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path, NSLocalizedDescriptionKey: why])
        }
    }
}

/// The cache's parts timed in process, for `haechi-bench first-frame`: hashing the inputs,
/// decoding a stored cache, and parsing the YAML it replaces (best of `rounds`, seconds).
public enum ManualCacheTimings {
    public static func measure(manualsDirectory: String, rounds: Int) -> (key: Double, decode: Double, parse: Double, bytes: Int)? {
        func best(_ body: () -> Void) -> Double {
            var times: [Double] = []
            for _ in 0..<rounds {
                let t0 = DispatchTime.now().uptimeNanoseconds
                body()
                times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
            }
            return times.min() ?? 0
        }
        let contents = TUIManuals.parse(directory: manualsDirectory, key: ManualCache.key(of: manualsDirectory))
        guard let bytes = try? ManualCache.encodeFile(contents), (try? ManualCache.decodeFile(bytes)) == contents else { return nil }
        let key = best { _ = ManualCache.key(of: manualsDirectory) }
        let decode = best { _ = try? ManualCache.decodeFile(bytes) }
        let parse = best { _ = TUIManuals.parse(directory: manualsDirectory, key: "") }
        return (key, decode, parse, bytes.count)
    }
}
