#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Synchronization

/// Tells the drain loop that `outbox.jsonl` changed, using inotify on the state directory
/// (watching the directory, not the file, also sees the file being created). It runs on its own
/// thread because it blocks in poll(2); the cooperative pool may have only two threads.
/// The drain loop also polls slowly on its own, so a lost event costs seconds, not a message.
final class OutboxWatcher: Sendable {
    private let fd: Int32
    private let stopped = Mutex(false)
    private let fileName: String

    /// Nil when inotify is unavailable (then the slow poll alone carries on).
    init?(directory: String, fileName: String, onChange: @escaping @Sendable () -> Void) {
        let fd = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        guard fd >= 0 else { return nil }
        let mask = UInt32(IN_MODIFY | IN_CLOSE_WRITE | IN_CREATE | IN_MOVED_TO)
        guard inotify_add_watch(fd, directory, mask) >= 0 else { close(fd); return nil }
        self.fd = fd
        self.fileName = fileName
        let thread = Thread { [self] in self.run(onChange) }
        thread.name = "haechi-outbox-watch"
        thread.start()
    }

    func stop() { stopped.withLock { $0 = true } }

    private func run(_ onChange: @Sendable () -> Void) {
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        let header = MemoryLayout<inotify_event>.size
        while !stopped.withLock({ $0 }) {
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&pfd, 1, 500)
            if ready <= 0 { continue }
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
            if n <= 0 { continue }
            var offset = 0
            var relevant = false
            // Events are variable length: a fixed header then `len` bytes of NUL-padded name.
            while offset + header <= n {
                let len = buffer.withUnsafeBytes { raw in
                    raw.loadUnaligned(fromByteOffset: offset + 12, as: UInt32.self)
                }
                let nameStart = offset + header
                let nameEnd = min(nameStart + Int(len), n)
                let nameBytes = buffer[nameStart..<nameEnd].prefix { $0 != 0 }
                if String(decoding: nameBytes, as: UTF8.self) == fileName { relevant = true }
                offset = nameEnd
            }
            if relevant { onChange() }
        }
    }
}
