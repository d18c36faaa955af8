import Foundation

/// Peak resident memory of this process so far, in KiB (getrusage's maxrss). Every benchmark
/// reports memory through this one function.
func peakMemoryKiB() -> Int {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    return Int(usage.ru_maxrss)
}
