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

/// Writes one CAP 1.2 document per message into a folder (one `<info>` per language, so the
/// message's posts in each language all land in the same file), and keeps `index.atom`, an
/// Atom index of the alerts in force, next to them.
///
/// Each file appears whole or not at all (temp file, fsync, rename, fsync the folder), so a
/// reader polling the folder never sees half a document or half a feed. The file name is the
/// message id: an existing file means delivered. The feed is rewritten after every document,
/// and again when the next alert in it expires.
public actor CAPEndpoint: Endpoint {
    public nonisolated let config: EndpointConfig
    public nonisolated var idempotent: Bool { true }
    private let directory: String
    private let sender: CAPAlert.Sender
    private let base: String?
    private let now: @Sendable () -> Date
    /// The documents in the folder, by file name; read from the folder on first use.
    private var entries: [String: CAPFeedEntry]?
    private var expiryTimer: Task<Void, Never>?
    /// Why the last feed write failed, if it did (reported with the next delivery).
    public private(set) var feedProblem: String?

    public init(config: EndpointConfig, now: @escaping @Sendable () -> Date = { Date() }) {
        guard case .cap(let directory, let sender, let senderName, let base) = config.kind else { preconditionFailure("not a cap endpoint") }
        self.config = config; self.directory = directory; self.now = now; self.base = base
        self.sender = CAPAlert.Sender(id: sender, name: senderName ?? CAPAlert.Sender.seoulName)
    }

    public nonisolated func readyAt(now: Date) -> Date? { nil }

    /// `<message id>.xml`; anything outside a safe set becomes `_`.
    static func fileName(_ id: String) -> String {
        String(id.unicodeScalars.map { CharacterSet.alphanumerics.contains($0) && $0.isASCII || "-_.".unicodeScalars.contains($0) ? Character($0) : "_" }) + ".xml"
    }

    public func deliver(_ post: Post) async -> DeliveryResult {
        let message = post.message
        let name = Self.fileName(message.id)
        let final = directory + "/" + name
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            loadEntries()
            if access(final, F_OK) != 0 {
                // Every language's text exactly as its stored post on this channel says it (one
                // document carries all of them; the other language's post then finds it written).
                var shown = message
                if let stored = message.posts {
                    // Only the languages this channel posts.
                    for language in Language.allCases where !stored.contains(where: { $0.channel == post.channel && $0.language == language }) {
                        shown.text[language] = ""
                    }
                }
                var texts = Localized(ko: "", en: "")
                for language in shown.languages {
                    texts[language] = message.posts?.first { $0.channel == post.channel && $0.language == language }?.text
                        ?? Posts.postedText(message.text[language], language: language, mode: message.mode, isCorrection: post.isCorrection)
                }
                texts[post.language] = post.text
                let xml = CAPAlert.render(shown, isCorrection: post.isCorrection, correctsSent: post.correctsSent,
                                          sender: sender, texts: texts)
                try Self.writeAtomically(Array(xml.utf8), to: final)
            }
            if entries?[name] == nil {
                guard let data = FileManager.default.contents(atPath: final), let entry = CAPDocument.entry(xml: data, file: name) else {
                    return .permanent(reason: "\(final) is not a CAP alert this sender can read back")
                }
                entries?[name] = entry
                try writeFeed()
            }
            return .delivered(remoteID: name)
        } catch {
            return .transient(reason: "\(error)", notBefore: nil)
        }
    }

    /// Reads every document in the folder once (a restart keeps the feed complete).
    private func loadEntries() {
        guard entries == nil else { return }
        var found: [String: CAPFeedEntry] = [:]
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        for name in names where name.hasSuffix(".xml") && !name.hasPrefix(".") {
            if let data = FileManager.default.contents(atPath: directory + "/" + name), let e = CAPDocument.entry(xml: data, file: name) {
                found[name] = e
            }
        }
        entries = found
    }

    /// Rewrites the feed now (at start, and whenever an alert in it expires).
    public func refresh() {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            loadEntries()
            try writeFeed()
        } catch {
            feedProblem = "\(error)"
        }
    }

    private func writeFeed() throws {
        let at = now()
        let all = Array((entries ?? [:]).values)
        let active = CAPFeed.active(all, now: at)
        let feed = CAPFeed.atom(active, feedID: "urn:haechi:cap-feed:\(sender.id):\(config.mode.rawValue)",
                                title: "\(sender.name.en) / \(sender.name.ko)" + (config.mode == .drill ? " (DRILL / 훈련)" : ""),
                                author: sender.name.en, updated: at, base: base)
        do {
            try Self.writeAtomically(Array(feed.utf8), to: directory + "/" + CAPFeed.feedFileName)
            feedProblem = nil
        } catch {
            feedProblem = "\(error)"
            throw error
        }
        scheduleExpiry(CAPFeed.nextExpiry(all, now: at), from: at)
    }

    /// One timer for the next expiry; replaced whenever the feed changes.
    private func scheduleExpiry(_ next: Date?, from at: Date) {
        expiryTimer?.cancel()
        guard let next else { expiryTimer = nil; return }
        let delay = max(0, next.timeIntervalSince(at)) + 0.05
        // The timer holds the endpoint until then: the feed must change when the alert expires
        // even if nothing else refers to the endpoint any more.
        expiryTimer = Task {
            try? await Task.sleep(nanoseconds: UInt64(delay * 1_000_000_000))
            guard !Task.isCancelled else { return }
            await self.refresh()
        }
    }

    /// Temp file in the same folder, fsync, rename over the final name, fsync the folder.
    static func writeAtomically(_ bytes: [UInt8], to final: String) throws {
        let temp = (final as NSString).deletingLastPathComponent + "/." + (final as NSString).lastPathComponent + ".\(getpid()).tmp"
        let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw PosixError("open", path: temp) }
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
    }
}
