import Foundation
import HaechiApp

/// Peak resident memory of this process so far, in KiB. Every benchmark reports memory through
/// this one reading: VmHWM (`TUIBenchmarks.ownPeakKiB`, which also reads a child's, as the
/// TUI and outbox figures do), else getrusage's maxrss.
func peakMemoryKiB() -> Int {
    if let kib = TUIBenchmarks.ownPeakKiB(of: getpid()) { return kib }
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    return Int(usage.ru_maxrss)
}

/// Drops a file's pages from the page cache (after writing back any still dirty), so that the
/// next run reads it from disk as after installing it or after a reboot. A binary measured
/// right after the linker wrote it is still in the writer's page-cache state, in which a page
/// fault maps more of it at once: the same TUI binary measured 28.6–29.6 MiB that way and
/// 26.6–26.9 MiB read back from disk.
func dropCachedPages(of path: String) {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return }
    defer { close(fd) }
    _ = fdatasync(fd)
    _ = posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED)
}
