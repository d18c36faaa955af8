#if canImport(Glibc)
import Glibc
#endif
import Foundation
import HaechiCore
import HaechiStore

/// Appends each post as one JSON line to a file (drills, demos, a relay another tool reads).
/// Before appending it looks for the key among the lines already there, so a post repeated
/// after a crash is not written twice: that check is what makes it idempotent.
public actor FileEndpoint: Endpoint {
    public nonisolated let config: EndpointConfig
    public nonisolated var idempotent: Bool { true }
    private let path: String
    private let now: @Sendable () -> Date
    /// Keys already in the file, read on first use; afterwards only our own appends add to it.
    private var keys: Set<String>?

    public init(config: EndpointConfig, now: @escaping @Sendable () -> Date) {
        guard case .file(let path) = config.kind else { preconditionFailure("not a file endpoint") }
        self.config = config; self.path = path; self.now = now
    }

    public nonisolated func readyAt(now: Date) -> Date? { nil }

    struct Line: Codable {
        var key: String
        var message: String
        var channel: String
        var language: String
        var mode: String
        var text: String
        var at: Date
    }

    private func knownKeys() -> Set<String> {
        if let keys { return keys }
        var found = Set<String>()
        if let data = FileManager.default.contents(atPath: path) {
            let decoder = RecordCoding.decoder()
            for line in data.split(separator: UInt8(ascii: "\n")) {
                if let record = try? decoder.decode(Line.self, from: Data(line)) { found.insert(record.key) }
            }
        }
        keys = found
        return found
    }

    public func deliver(_ post: Post) async -> DeliveryResult {
        if knownKeys().contains(post.key) { return .delivered(remoteID: "\(path)#\(post.key)") }
        let line = Line(key: post.key, message: post.message.id, channel: post.channel, language: post.language.rawValue,
                        mode: post.message.mode.rawValue, text: post.text, at: now())
        do {
            var bytes = Array(try RecordCoding.encoder().encode(line))
            bytes.append(UInt8(ascii: "\n"))
            try appendDurably(bytes)
            keys?.insert(post.key)
            return .delivered(remoteID: "\(path)#\(post.key)")
        } catch {
            return .transient(reason: "\(error)", notBefore: nil)
        }
    }

    /// O_APPEND + flock + fsync, so readers and other writers see whole lines.
    private func appendDurably(_ bytes: [UInt8]) throws {
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
        guard fd >= 0 else { throw PosixError("open", path: path) }
        defer { close(fd) }
        guard flock(fd, LOCK_EX) == 0 else { throw PosixError("flock", path: path) }
        defer { flock(fd, LOCK_UN) }
        try bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 { if errno == EINTR { continue }; throw PosixError("write", path: path) }
                offset += n
            }
        }
        guard fsync(fd) == 0 else { throw PosixError("fsync", path: path) }
    }
}

/// Writes one CAP 1.2 document per message and language into a folder. Each file appears whole
/// or not at all (temp file, fsync, rename, fsync the folder), so a feed reader polling the folder
/// never picks up half a document. The file name is the key: an existing file means delivered.
public actor CAPEndpoint: Endpoint {
    public nonisolated let config: EndpointConfig
    public nonisolated var idempotent: Bool { true }
    private let directory: String
    private let sender: String

    public init(config: EndpointConfig) {
        guard case .cap(let directory, let sender) = config.kind else { preconditionFailure("not a cap endpoint") }
        self.config = config; self.directory = directory; self.sender = sender
    }

    public nonisolated func readyAt(now: Date) -> Date? { nil }

    /// Keys are `message.channel.lang`; anything outside a safe set becomes `_`.
    static func fileName(_ key: String) -> String {
        String(key.unicodeScalars.map { CharacterSet.alphanumerics.contains($0) && $0.isASCII || "-_.".unicodeScalars.contains($0) ? Character($0) : "_" }) + ".xml"
    }

    public func deliver(_ post: Post) async -> DeliveryResult {
        let name = Self.fileName(post.key)
        let final = directory + "/" + name
        if access(final, F_OK) == 0 { return .delivered(remoteID: name) }
        let xml = CAPDocument.render(post, sender: sender)
        let temp = directory + "/.\(name).\(getpid()).tmp"
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw PosixError("open", path: temp) }
            let bytes = Array(xml.utf8)
            let ok = bytes.withUnsafeBytes { raw -> Bool in
                var offset = 0
                while offset < raw.count {
                    let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
                    if n < 0 { if errno == EINTR { continue }; return false }
                    offset += n
                }
                return fsync(fd) == 0
            }
            let saved = errno
            close(fd)
            guard ok else { unlink(temp); throw PosixError("write", path: temp, code: saved) }
            guard rename(temp, final) == 0 else { let e = PosixError("rename", path: final); unlink(temp); throw e }
            try fsyncDirectory(of: final)
            return .delivered(remoteID: name)
        } catch {
            return .transient(reason: "\(error)", notBefore: nil)
        }
    }
}
