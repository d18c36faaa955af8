#if canImport(Glibc)
import Glibc
#endif
import Foundation
import HaechiCore
import HaechiStore
import HaechiUI

/// The TUI's parsed manuals, channel profiles and drill scenarios, kept between runs so the
/// first screen does not wait for every YAML file to be parsed and checked again (issue 11:
/// first frame ≤ 1.5× `haechi --help`).
///
/// The key is a SHA-256 over every file the loaders read (channels.yaml, contacts.yaml,
/// places.yaml, each manual, each scenario: name, length and bytes) and over the identity of
/// the running binary (a new build may parse or check differently). Any change to any of those
/// files, a file added or removed, or another haechi gives another key, and the cache is not
/// used: the files are parsed and checked as if there were no cache, and the result replaces
/// it. Hashing the files costs a read of ~0.5 MB, far less than parsing them. Before the TUI's
/// first frame a cheaper fingerprint of the files (their inodes, sizes and times) stands in for
/// the key when it is the one the cache was made with; the key is then checked right after the
/// frame, before any key press is handled (`Rest.finish`).
///
/// Stored in `CompactCoding`'s binary form (JSONDecoder alone took longer than the rest of the
/// start), after a small hand-encoded index of what Home lists (`Index`): the TUI draws its
/// first frame from the index and decodes the rest after it (`open`), because decoding through
/// Codable costs milliseconds of Swift runtime type and conformance lookups in a fresh process,
/// however few manuals there are. It lives in the user's cache directory
/// (`$XDG_CACHE_HOME/haechi`, else `~/.cache/haechi`), one file per manuals directory, written to a temporary name and renamed into place, so a
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
    static let format = "haechi-manual-cache-5"

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
        directory + "/manuals-" + FileStore.recordID(Array(Self.absolute(manualsDirectory).utf8)) + ".cache"
    }

    /// `path` from the root, `.` and `..` taken out by their names, as `URL.standardizedFileURL`
    /// does (symbolic links are not followed), without Foundation's URL machinery, which cost
    /// a quarter of a millisecond before the first frame.
    static func absolute(_ path: String) -> String {
        var full = path
        if !path.hasPrefix("/") {
            var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            if getcwd(&buffer, buffer.count) != nil { full = String(cString: buffer) + "/" + path }
        }
        var parts: [Substring] = []
        for part in full.split(separator: "/") where part != "." {
            if part == ".." { _ = parts.popLast() } else { parts.append(part) }
        }
        // Joined by hand: `joined(separator:)` over substrings is generic code the runtime
        // instantiates on first use, which cost more than the rest of this before the first frame.
        var out = ""
        for part in parts { out += "/"; out += part }
        return out.isEmpty ? "/" : out
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
        bytes.reserveCapacity(1 << 20)
        // Read with plain read(2) into one reused buffer: FileManager's Data, appended to an
        // array, cost more than hashing it.
        var file: [UInt8] = []
        for path in inputs(of: manualsDirectory) {
            let name = path.split(separator: "/").last.map(String.init) ?? path
            guard read(path, into: &file) else {
                bytes += Array("\(name) absent\n".utf8)
                continue
            }
            bytes += Array("\(name) \(file.count)\n".utf8)
            bytes += file
        }
        return FileStore.recordID(bytes)
    }

    /// The whole regular file at `path` (or its first `limit` bytes and a little more) in
    /// `bytes`, replacing what was there; false when it cannot be read.
    static func read(_ path: String, into bytes: inout [UInt8], limit: Int = .max) -> Bool {
        bytes.removeAll(keepingCapacity: true)
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return false }
        // Usually one read straight into the array (its size from fstat, plus one byte to see the
        // end): a zeroed buffer copied over cost more than the read before the first frame.
        let capacity = max(4096, min(limit, Int(st.st_size) + 1))
        var failed = false
        bytes = [UInt8](unsafeUninitializedCapacity: capacity) { buffer, count in
            count = 0
            while count < buffer.count {
                let n = Glibc.read(fd, buffer.baseAddress! + count, buffer.count - count)
                if n < 0 && errno == EINTR { continue }
                if n < 0 { failed = true; return }
                if n == 0 { return }
                count += n
            }
        }
        if failed { return false }
        if bytes.count < capacity { return true }
        // The file grew since fstat: the rest in chunks, as far as `limit`.
        var chunk = [UInt8](repeating: 0, count: capacity)
        while bytes.count < limit {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { return false }
            if n == 0 { return true }
            chunk.withUnsafeBufferPointer { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: $0[0..<n])) }
        }
        return true
    }

    /// What the files look like without reading them: name, device, inode, size, modification
    /// and change times of each input (ctime cannot be set back by hand), with the binary's
    /// identity. When it equals the index's, the first frame is drawn from the index and the
    /// contents are hashed after it; any difference and they are hashed before.
    static func fingerprint(of manualsDirectory: String) -> String {
        var bytes = Array((format + "\n" + binaryIdentity() + "\n" + manualsDirectory + "\n").utf8)
        bytes.reserveCapacity(bytes.count + 4096)
        for path in inputs(of: manualsDirectory) {
            // The path and the numbers as they are in memory (a digest, never read back):
            // formatting seven numbers per file as text cost more than the stat calls.
            bytes += path.utf8
            var st = stat()
            // 0xFF never occurs in UTF-8: an absent file cannot read as another's numbers.
            guard stat(path, &st) == 0 else { bytes.append(0xFF); continue }
            bytes.append(0)
            for field in [UInt64(st.st_dev), UInt64(st.st_ino), UInt64(bitPattern: Int64(st.st_size)),
                          UInt64(bitPattern: Int64(st.st_mtim.tv_sec)), UInt64(bitPattern: Int64(st.st_mtim.tv_nsec)),
                          UInt64(bitPattern: Int64(st.st_ctim.tv_sec)), UInt64(bitPattern: Int64(st.st_ctim.tv_nsec))] {
                withUnsafeBytes(of: field.littleEndian) { bytes += $0 }
            }
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
        switch open(manualsDirectory: manualsDirectory, note: note, parse: parse) {
        case .loaded(let contents, let source): return (contents, source)
        case .indexed(_, let rest): return rest.finish(note: note, parse: parse)
        }
    }

    /// How a start begins: with the cache's index when the cache is current (the rest is read by
    /// `Rest.finish`, after the first frame), else with everything parsed.
    enum Opening {
        case indexed(Index, rest: Rest)
        case loaded(Contents, Source)
    }

    /// What is left after the index: reading the parts after it, and, when the index was taken
    /// on its fingerprint alone, hashing the files.
    struct Rest {
        let cache: ManualCache
        let manualsDirectory: String
        let index: Index
        /// The fingerprint of the files when the start began (stored with a new cache).
        let fingerprint: String
        /// The files' key when it was computed before the first frame; nil when the fingerprint
        /// matched and the files are hashed in `finish`.
        let key: String?

        /// The full contents: decoded when the files still hash to the index's key and every
        /// part has its checksum, else parsed again (and the cache rewritten).
        func finish(note: (String) -> Void = { _ in }, parse: (_ key: String) -> Contents) -> (contents: Contents, source: Source) {
            let path = cache.file(for: manualsDirectory)
            let key = self.key ?? ManualCache.key(of: manualsDirectory)
            guard key == index.key else {
                note("manual cache \(path) not used: the files changed without their size or times showing it")
                return cache.parseAndStore(manualsDirectory: manualsDirectory, key: key, fingerprint: fingerprint, note: note, parse: parse)
            }
            var bytes: [UInt8] = []
            let decoded = Result<Contents, any Error> {
                guard ManualCache.read(path, into: &bytes), let parts = ManualCache.parts(of: bytes),
                      try ManualCache.decodeIndex(parts[0]) == index else {
                    throw CompactCoding.Failure(description: "the file changed since its index was read")
                }
                let rest = Array(parts.dropFirst())
                try ManualCache.check(rest, against: index)
                return try ManualCache.decode(rest).get()
            }
            switch decoded {
            case .success(let cached) where cached.key == key:
                if index.fingerprint != fingerprint {
                    // Same contents, other times (rewritten, copied): next start need not hash first.
                    do { try cache.store(cached, fingerprint: fingerprint, at: path) } catch { note("manual cache \(path) not written: \(error)") }
                }
                return (cached, .cache)
            case .success: note("manual cache \(path) not used: its index and its manuals disagree")
            case .failure(let error): note("manual cache \(path) unreadable, parsing the manuals: \(error)")
            }
            return cache.parseAndStore(manualsDirectory: manualsDirectory, key: key, fingerprint: fingerprint, note: note, parse: parse)
        }
    }

    /// The index when the cache file is trusted and readable and made from the files as they
    /// are now: by their fingerprint (no file read), else by their key (the files hashed, ~0.5 ms);
    /// otherwise the contents parsed (and stored) at once. Only the index is read from the
    /// cache file here.
    func open(manualsDirectory: String, note: (String) -> Void = { _ in },
              parse: (_ key: String) -> Contents) -> Opening {
        let path = file(for: manualsDirectory)
        let fingerprint = Self.fingerprint(of: manualsDirectory)
        var key: String?
        let problem = Self.untrusted(path)
        if let problem { note("manual cache \(path) not used: \(problem)") }
        var prefix: [UInt8] = []
        // 16 KiB holds the index of a hundred manuals; a longer one is read to the length its
        // header gives, never the whole file.
        if problem == nil, Self.read(path, into: &prefix, limit: 1 << 14) {
            do {
                var index = try Self.firstPart(of: prefix).map(Self.decodeIndex)
                if index == nil, let end = Self.indexEnd(of: prefix), end > prefix.count, Self.read(path, into: &prefix, limit: end) {
                    index = try Self.firstPart(of: prefix).map(Self.decodeIndex)
                }
                guard let index else { throw CompactCoding.Failure(description: "not a manual cache file") }
                if index.fingerprint != fingerprint { key = Self.key(of: manualsDirectory) }
                if index.fingerprint == fingerprint || index.key == key {
                    return .indexed(index, rest: Rest(cache: self, manualsDirectory: manualsDirectory, index: index,
                                                      fingerprint: fingerprint, key: key))
                }
            } catch {
                note("manual cache \(path) unreadable, parsing the manuals: \(error)")
            }
        }
        let (contents, source) = parseAndStore(manualsDirectory: manualsDirectory, key: key ?? Self.key(of: manualsDirectory),
                                               fingerprint: fingerprint, note: note, parse: parse)
        return .loaded(contents, source)
    }

    /// Parses, and stores the result for next time unless a file changed meanwhile.
    func parseAndStore(manualsDirectory: String, key: String, fingerprint: String, note: (String) -> Void,
                       parse: (_ key: String) -> Contents) -> (contents: Contents, source: Source) {
        let path = file(for: manualsDirectory)
        let parsed = parse(key)
        // A file that changed while it was being parsed: the result may not match the key.
        guard Self.key(of: manualsDirectory) == key else {
            note("manual cache \(path) not written: a manual changed while it was read")
            return (parsed, .parsed)
        }
        do {
            try store(parsed, fingerprint: fingerprint, at: path)
        } catch {
            note("manual cache \(path) not written: \(error)")
        }
        return (parsed, .parsed)
    }

    /// Why a cache file must not be believed, or nil: its contents skip the checks lint makes
    /// (control characters, escape sequences), so it is read only by `PrivateFile`'s rule. A
    /// missing file is not a problem (nil).
    static func untrusted(_ path: String) -> String? {
        var st = stat()
        guard lstat(path, &st) == 0 else { return nil }
        return PrivateFile.problem(st) ?? PrivateFile.directoryProblem(of: path)
    }

    // MARK: the file: the index, a head (everything but the manuals) and the manuals in a few
    // chunks, each in `CompactCoding`'s form, so the chunks decode on all cores at once.

    static let fileMagic: [UInt8] = Array("HMCG".utf8)
    static let chunks = 4

    struct Head: Codable {
        var key: String
        var problems: [String]
        var channels: [ChannelProfile]
        var scenarios: [Scenario]
        var scenarioProblems: [String]
    }

    static func encodeFile(_ c: Contents, fingerprint: String = "") throws -> [UInt8] {
        let head = Head(key: c.key, problems: c.problems, channels: c.channels, scenarios: c.scenarios, scenarioProblems: c.scenarioProblems)
        let per = max(1, (c.manuals.count + chunks - 1) / chunks)
        var rest = [try CompactCoding.encode(head)]
        for start in stride(from: 0, to: c.manuals.count, by: per) {
            rest.append(try CompactCoding.encode(Array(c.manuals[start..<min(c.manuals.count, start + per)])))
        }
        let index = Index(key: c.key, fingerprint: fingerprint, problems: c.problems, listing: c.manuals.map(ManualListing.init),
                          checksums: rest.map { part in part.withUnsafeBytes { CRC32.checksum($0) } })
        let parts = [encodeIndex(index)] + rest
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
            guard let n = try? r.length(), n >= 2 else { return nil }
            var out: [[UInt8]] = []
            for _ in 0..<n {
                guard let length = try? r.length() else { return nil }
                guard length > 0 else { return nil }
                out.append(Array(buffer[r.at..<(r.at + length)]))
                r.at += length
            }
            return r.at == buffer.count ? out : nil
        }
    }

    /// The index's bytes from the start of a cache file, or nil when `prefix` ends before it.
    static func firstPart(of prefix: [UInt8]) throws -> [UInt8]? {
        guard prefix.count >= fileMagic.count, Array(prefix[0..<fileMagic.count]) == fileMagic else {
            throw CompactCoding.Failure(description: "not a manual cache file")
        }
        return prefix.withUnsafeBufferPointer { buffer -> [UInt8]? in
            var r = CompactCoding.Reader(bytes: buffer, at: fileMagic.count)
            guard (try? r.varint()) != nil, let length = try? r.length() else { return nil }
            return Array(buffer[r.at..<(r.at + length)])
        }
    }

    /// Where the index ends by the length the file's header gives (which may lie past the end of
    /// a damaged file), or nil when `prefix` does not even hold the header.
    static func indexEnd(of prefix: [UInt8]) -> Int? {
        guard prefix.count > fileMagic.count else { return nil }
        return prefix.withUnsafeBufferPointer { buffer -> Int? in
            var r = CompactCoding.Reader(bytes: buffer, at: fileMagic.count)
            guard (try? r.varint()) != nil, let length = try? r.varint(), length < UInt64(Int.max / 2) else { return nil }
            return r.at + Int(length)
        }
    }

    static func decodeFile(_ file: [UInt8]) throws -> Contents {
        guard let parts = parts(of: file) else { throw CompactCoding.Failure(description: "not a manual cache file") }
        let index = try decodeIndex(parts[0])
        let rest = Array(parts.dropFirst())
        try check(rest, against: index)
        return try decode(rest).get()
    }

    /// Decodes the parts after the index (the head, then the manuals' chunks) on all cores.
    static func decode(_ parts: [[UInt8]]) -> Result<Contents, any Error> {
        guard !parts.isEmpty else { return .failure(CompactCoding.Failure(description: "no head")) }
        let heads = UnsafeMutableBufferPointer<Result<Head, any Error>?>.allocate(capacity: 1)
        let chunks = UnsafeMutableBufferPointer<Result<[Manual], any Error>?>.allocate(capacity: max(1, parts.count - 1))
        heads.initialize(repeating: nil); chunks.initialize(repeating: nil)
        defer { heads.deinitialize(); heads.deallocate(); chunks.deinitialize(); chunks.deallocate() }
        // Each job writes only its own slot.
        nonisolated(unsafe) let (h, c) = (heads, chunks)
        DispatchQueue.concurrentPerform(iterations: parts.count) { i in
            if i == 0 {
                h[0] = Result { try CompactCoding.decode(Head.self, from: parts[0]) }
            } else {
                c[i - 1] = Result { try CompactCoding.decode([Manual].self, from: parts[i]) }
            }
        }
        return Result<Contents, any Error> {
            let head = try heads[0]!.get()
            var manuals: [Manual] = []
            for i in 0..<(parts.count - 1) { manuals += try chunks[i]!.get() }
            return Contents(key: head.key, manuals: manuals, problems: head.problems, channels: head.channels,
                            scenarios: head.scenarios, scenarioProblems: head.scenarioProblems)
        }
    }

    /// Throws unless every part after the index has the checksum the index gives it.
    static func check(_ rest: [[UInt8]], against index: Index) throws {
        guard rest.count == index.checksums.count,
              zip(rest, index.checksums).allSatisfy({ part, crc in part.withUnsafeBytes { CRC32.checksum($0) } == crc }) else {
            throw CompactCoding.Failure(description: "a part's checksum does not match the index")
        }
    }

    // MARK: the index: what the first frame shows, without Codable.

    /// The key, the load problems Home shows, and what Home shows of each manual (its list, and
    /// the steps an incident's progress figures are counted over).
    struct Index: Equatable {
        var key: String
        /// `ManualCache.fingerprint` of the files the contents were parsed from.
        var fingerprint: String = ""
        var problems: [String]
        var listing: [ManualListing]
        /// CRC-32 of each part after the index: the compact form has none of its own, and a
        /// damaged byte in a title would otherwise decode as another title.
        var checksums: [UInt32] = []
    }

    ///     index := "HMI2" crc32-le(body) body
    ///     body  := string(key) string(fingerprint) count string(problem)* count listing* count crc32(part)*
    ///     listing := string(id) string(title.ko) string(title.en) category(byte)
    ///                (0 | 1 string(first variable)) count step*
    ///     step  := string(id) level(byte: raw value) stage(byte: 0 none, else raw value + 1)
    /// with `string := varint(length) utf8`. Written by hand, read by hand: no generic code, so
    /// no runtime type lookups in the first frame. The CRC makes a damaged index a cache miss
    /// rather than a wrong title on screen.
    static let indexMagic: [UInt8] = Array("HMI2".utf8)

    static func encodeIndex(_ index: Index) -> [UInt8] {
        var body: [UInt8] = []
        func string(_ s: String) {
            CompactCoding.varint(UInt64(s.utf8.count), into: &body)
            body += Array(s.utf8)
        }
        string(index.key)
        string(index.fingerprint)
        CompactCoding.varint(UInt64(index.problems.count), into: &body)
        index.problems.forEach(string)
        CompactCoding.varint(UInt64(index.listing.count), into: &body)
        for m in index.listing {
            string(m.id); string(m.title.ko); string(m.title.en)
            body.append(m.category == .natural ? 0 : 1)
            if let first = m.firstVariable { body.append(1); string(first) } else { body.append(0) }
            CompactCoding.varint(UInt64(m.steps.count), into: &body)
            for step in m.steps {
                string(step.id)
                body.append(UInt8(step.fromLevel.rawValue))
                body.append(step.fromStage.map { UInt8($0.rawValue + 1) } ?? 0)
            }
        }
        CompactCoding.varint(UInt64(index.checksums.count), into: &body)
        for crc in index.checksums { CompactCoding.varint(UInt64(crc), into: &body) }
        let crc = body.withUnsafeBytes { CRC32.checksum($0) }
        return indexMagic + withUnsafeBytes(of: crc.littleEndian) { Array($0) } + body
    }

    static func decodeIndex(_ bytes: [UInt8]) throws -> Index {
        let head = indexMagic.count + 4
        guard bytes.count >= head, Array(bytes[0..<indexMagic.count]) == indexMagic else {
            throw CompactCoding.Failure(description: "not a manual cache index")
        }
        var stored: UInt32 = 0
        for i in 0..<4 { stored |= UInt32(bytes[indexMagic.count + i]) << (8 * UInt32(i)) }
        return try bytes.withUnsafeBufferPointer { buffer in
            let body = UnsafeBufferPointer(rebasing: buffer[head...])
            guard CRC32.checksum(UnsafeRawBufferPointer(body)) == stored else {
                throw CompactCoding.Failure(description: "the index's checksum does not match")
            }
            var r = CompactCoding.Reader(bytes: body, at: 0)
            let key = try r.string()
            let fingerprint = try r.string()
            var problems: [String] = []
            for _ in 0..<(try r.length()) { problems.append(try r.string()) }
            var listing: [ManualListing] = []
            for _ in 0..<(try r.length()) {
                let id = try r.string(), ko = try r.string(), en = try r.string()
                let category: DisasterCategory
                switch try r.byte() {
                case 0: category = .natural
                case 1: category = .social
                default: throw CompactCoding.Failure(description: "bad category in the index")
                }
                let firstVariable: String?
                switch try r.byte() {
                case 0: firstVariable = nil
                case 1: firstVariable = try r.string()
                default: throw CompactCoding.Failure(description: "bad variable mark in the index")
                }
                var steps: [StepApplicability] = []
                for _ in 0..<(try r.length()) {
                    let stepID = try r.string()
                    guard let level = AlertLevel(rawValue: Int(try r.byte())) else {
                        throw CompactCoding.Failure(description: "bad step level in the index")
                    }
                    let stageByte = Int(try r.byte())
                    let stage = stageByte == 0 ? nil : DutyStage(rawValue: stageByte - 1)
                    guard stageByte == 0 || stage != nil else { throw CompactCoding.Failure(description: "bad step stage in the index") }
                    steps.append(StepApplicability(id: stepID, fromLevel: level, fromStage: stage))
                }
                listing.append(ManualListing(id: id, title: Localized(ko: ko, en: en), category: category, steps: steps,
                                             firstVariable: firstVariable))
            }
            var checksums: [UInt32] = []
            for _ in 0..<(try r.length()) {
                guard let crc = UInt32(exactly: try r.varint()) else { throw CompactCoding.Failure(description: "bad checksum in the index") }
                checksums.append(crc)
            }
            guard r.at == body.count else { throw CompactCoding.Failure(description: "bytes after the index") }
            return Index(key: key, fingerprint: fingerprint, problems: problems, listing: listing, checksums: checksums)
        }
    }

    /// Caches of manuals directories not opened for this long are removed when a cache is written
    /// (test runs and old checkouts would otherwise pile up).
    static let keepFor: TimeInterval = 30 * 86_400

    func store(_ contents: Contents, fingerprint: String, at path: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let now = Date()
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] where name.hasPrefix("manuals-") {
            let other = directory + "/" + name
            guard other != path, let modified = (try? FileManager.default.attributesOfItem(atPath: other))?[.modificationDate] as? Date,
                  now.timeIntervalSince(modified) > Self.keepFor else { continue }
            try? FileManager.default.removeItem(atPath: other)
        }
        let data = Data(try Self.encodeFile(contents, fingerprint: fingerprint))
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
