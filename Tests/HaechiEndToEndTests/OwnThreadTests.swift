import Foundation
import HaechiTestSupport
import Testing

@Suite(.ownThread) struct OwnThreadTests {
    /// The body of a synchronous test runs on a thread of its own, not on the shared pool, so
    /// its blocking waits cannot starve the in-process tests (see `OwnThread`).
    @Test func aBlockingTestRunsOnItsOwnThread() throws {
        #expect(ThreadExecutor.isCurrent)
    }
}
