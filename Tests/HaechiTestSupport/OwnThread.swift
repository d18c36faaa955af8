import Foundation
import Testing

/// Runs each test of a suite on a thread of its own instead of Swift Concurrency's shared pool.
///
/// End-to-end tests block while they wait (for a tmux pane, a child process, a file), and the
/// shared pool on Linux has one thread per core: on this project's 2-core machines two blocked
/// tests starve every other test in the process, and an in-process sender whose retry timer
/// cannot run then misses its deadline. With this trait a blocking test holds only its own
/// thread; the pool stays free for the tests that need it.
public struct OwnThread: SuiteTrait, TestTrait, TestScoping {
    public var isRecursive: Bool { true }
    public init() {}

    public func scopeProvider(for test: Test, testCase: Test.Case?) -> OwnThread? {
        testCase == nil ? nil : self
    }

    public func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        let executor = ThreadExecutor(name: "test: \(test.name)")
        defer { executor.stop() }
        // A new task starts on its preferred executor (a preference on the running task would
        // only apply from its next suspension, after the body has started on the pool).
        // `Task.init` keeps the test's task-local values, which `#expect` reports through.
        // The body does not outlive this call: the task is awaited before we return.
        try await withoutActuallyEscaping(function) { body in
            try await Task(executorPreference: executor) { try await body() }.value
        }
    }
}

extension Trait where Self == OwnThread {
    /// Each test on its own thread: see `OwnThread`.
    public static var ownThread: OwnThread { OwnThread() }
}

/// A task executor with one dedicated thread, stopped when the test ends.
public final class ThreadExecutor: TaskExecutor, @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var stopped = false
    let name: String

    init(name: String) {
        self.name = name
        let thread = Thread { [self] in run() }
        thread.name = name
        thread.start()
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    func stop() {
        condition.lock()
        stopped = true
        condition.signal()
        condition.unlock()
    }

    /// True on a thread that runs a test for `OwnThread` (not on the shared pool).
    public static var isCurrent: Bool { Thread.current.threadDictionary[marker] as? Bool == true }
    private static let marker = "haechi.test.ownThread"

    private func run() {
        Thread.current.threadDictionary[Self.marker] = true
        while true {
            condition.lock()
            while jobs.isEmpty && !stopped { condition.wait() }
            if jobs.isEmpty { condition.unlock(); return }
            let job = jobs.removeFirst()
            condition.unlock()
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}
