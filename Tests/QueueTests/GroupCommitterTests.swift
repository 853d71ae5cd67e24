import Foundation
import Synchronization
import Testing
@testable import Queue

/// A commit function the test controls: it records each group and waits for `open()` before the first.
final class GatedCommit: Sendable {
    private let state = Mutex<(groups: [[Int]], open: Bool)>(([], false))
    let fail: Bool

    init(open: Bool = false, fail: Bool = false) {
        state.withLock { $0.open = open }
        self.fail = fail
    }

    func open() { state.withLock { $0.open = true } }
    var groups: [[Int]] { state.withLock { $0.groups.map { $0 } } }
    var commits: Int { state.withLock { $0.groups.count } }

    /// Sums each request's items; the test checks every caller gets its own sum.
    func commit(_ requests: [[Int]]) async throws -> [Int] {
        while !state.withLock({ $0.open }) { try await Task.sleep(for: .milliseconds(1)) }
        state.withLock { $0.groups.append(requests.map(\.count)) }
        if fail { throw CancellationError() }
        return requests.map { $0.reduce(0, +) }
    }
}

@Suite struct GroupCommitterTests {
    @Test func concurrentRequestsShareOneCommitAndEachGetsItsOwnResult() async throws {
        let gate = GatedCommit()
        let committer = GroupCommitter<Int, Int>(limit: 1000) { try await gate.commit($0) }
        let results = try await withThrowingTaskGroup(of: (Int, Int).self) { group in
            for caller in 1...50 {
                group.addTask { (caller, try await committer.submit([caller, caller])) }
            }
            // All 50 are admitted before the first commit may run.
            #expect(await eventually { committer.pendingItems == 100 })
            gate.open()
            return try await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
        }
        #expect(results.count == 50)
        #expect(results.allSatisfy { $0.value == 2 * $0.key })
        // The first request may be taken alone before the others arrive; the rest go together.
        #expect(gate.commits <= 2)
        #expect(committer.pendingItems == 0)
    }

    @Test func aFailedCommitFailsEveryCallerOfItsGroup() async throws {
        let gate = GatedCommit(fail: true)
        let committer = GroupCommitter<Int, Int>(limit: 1000) { try await gate.commit($0) }
        let failures = await withTaskGroup(of: Bool.self) { group in
            for caller in 1...10 {
                group.addTask { (try? await committer.submit([caller])) == nil }
            }
            _ = await eventually { committer.pendingItems == 10 }
            gate.open()
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(failures == 10)
        #expect(committer.pendingItems == 0)
    }

    @Test func pastTheLimitRequestsAreRefusedAtOnce() async throws {
        let gate = GatedCommit()
        let committer = GroupCommitter<Int, Int>(limit: 5) { try await gate.commit($0) }
        let first = Task { try await committer.submit([1, 1, 1, 1]) }
        #expect(await eventually { committer.pendingItems == 4 })
        await #expect(throws: QueueError.overloaded(pending: 4, limit: 5)) {
            try await committer.submit([1, 1])
        }
        // One more still fits.
        let second = Task { try await committer.submit([7]) }
        #expect(await eventually { committer.pendingItems == 5 })
        gate.open()
        let firstResult = try await first.value
        let secondResult = try await second.value
        #expect(firstResult == 4)
        #expect(secondResult == 7)
        // Acknowledged items free their room.
        let third = try await committer.submit([1, 2, 3, 4, 5])
        #expect(third == 15)
    }

    @Test func aLoneRequestLargerThanTheLimitIsAccepted() async throws {
        let committer = GroupCommitter<Int, Int>(limit: 3) { requests in requests.map { $0.count } }
        let result = try await committer.submit(Array(repeating: 1, count: 10))
        #expect(result == 10)
    }

    @Test func theCommitterKeepsWorkingAfterAFailure() async throws {
        let calls = Mutex(0)
        let committer = GroupCommitter<Int, Int>(limit: 10) { requests in
            let n = calls.withLock { $0 += 1; return $0 }
            if n == 1 { throw CancellationError() }
            return requests.map(\.count)
        }
        await #expect(throws: CancellationError.self) { try await committer.submit([1]) }
        let result = try await committer.submit([1, 2])
        #expect(result == 2)
    }
}
