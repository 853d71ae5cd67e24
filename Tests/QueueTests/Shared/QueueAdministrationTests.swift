import ChorusCore
import Foundation
import Testing
@testable import Queue

/// Runs on every backend (`Backend.available`).
@Suite struct QueueAdministrationTests {
    let clock = TestClock()
    var settings: QueueSettings {
        QueueSettings(retryPolicy: RetryPolicy(maxAttempts: 2, baseDelay: 10), clock: clock.read)
    }
    var t0: Date { clock.now }

    /// Five events in five conversations: one done, one dead, one retry, one leased, one queued.
    func populate(_ queue: any QueueBackend) async throws {
        _ = try await queue.enqueue((1...5).map { makeEvent($0, conversation: "c\($0)") })
        let leased = try await queue.lease(owner: "w", now: t0, duration: 30, kinds: nil, limit: 4)
        #expect(leased.count == 4)
        try await queue.complete(id: leased[0].id, owner: "w", now: t0)
        try await queue.fail(id: leased[1].id, owner: "w", error: "bad request", permanent: true, now: t0)
        try await queue.fail(id: leased[2].id, owner: "w", error: "timeout", permanent: false, now: t0)
    }

    @Test(arguments: Backend.available) func statsCountEveryStateAndAges(_ backend: Backend) async throws {
        try await withQueue(on: backend, settings) { queue, _ in
            try await populate(queue)
            try await queue.quarantine(platform: .messenger, body: [1, 2, 3], reason: "undecodable")
            let stats = try await queue.stats(now: t0.addingTimeInterval(60))
            #expect(stats.counts == [.queued: 1, .leased: 1, .done: 1, .retry: 1, .dead: 1])
            #expect(stats.total == 5)
            #expect(stats.oldestQueuedAge == 60)
            #expect(stats.oldestLeaseAge == 60)
            #expect(stats.expiredLeases == 1)
            #expect(stats.quarantined == 1)
        }
    }

    @Test(arguments: Backend.available) func statsOfAnEmptyQueueHaveNoAges(_ backend: Backend) async throws {
        try await withQueue(on: backend, settings) { queue, _ in
            let stats = try await queue.stats()
            #expect(stats.counts.values.allSatisfy { $0 == 0 })
            #expect(stats.counts.count == JobState.allCases.count)
            #expect(stats.oldestQueuedAge == nil)
            #expect(stats.oldestLeaseAge == nil)
        }
    }

    @Test(arguments: Backend.available) func listFiltersByStateAndPages(_ backend: Backend) async throws {
        try await withQueue(on: backend, settings) { queue, _ in
            try await populate(queue)
            let dead = try await queue.list(state: .dead, limit: 10, offset: 0)
            #expect(dead.map(\.id) == [2])
            #expect(dead.first?.job.lastError == "bad request")
            let page = try await queue.list(state: nil, limit: 2, offset: 2)
            #expect(page.map(\.id) == [3, 4])
            let missing = try await queue.event(id: 42)
            #expect(missing == nil)
        }
    }

    @Test(arguments: Backend.available) func retryRequeuesDeadAndRetryEvents(_ backend: Backend) async throws {
        try await withQueue(on: backend, settings) { queue, _ in
            try await populate(queue)
            let later = t0.addingTimeInterval(1)
            try await queue.retry(id: 2, now: later)
            try await queue.retry(id: 3, now: later)
            for id: Int64 in [2, 3] {
                let event = try #require(try await queue.event(id: id))
                #expect(event.job.state == .queued)
                #expect(event.job.attempts == 0)
                #expect(event.job.availableAt == later)
            }
            await #expect(throws: QueueError.rejected(id: 1, .notRetryable(.done))) {
                try await queue.retry(id: 1, now: later)
            }
            await #expect(throws: QueueError.eventNotFound(id: 42)) {
                try await queue.retry(id: 42, now: later)
            }
            let leased = try await queue.lease(owner: "w", now: later, duration: 30, kinds: nil, limit: 10)
            #expect(leased.map(\.id) == [2, 3, 5])
        }
    }

    @Test(arguments: Backend.available) func purgeDeletesOnlyOldEventsInTheGivenStates(_ backend: Backend) async throws {
        try await withQueue(on: backend, settings) { queue, _ in
            try await populate(queue)
            let notYet = try await queue.purge(olderThan: t0)
            #expect(notYet == PurgeResult(events: 0, quarantined: 0), "updated exactly at the cutoff: kept")
            let done = try await queue.purge(olderThan: t0.addingTimeInterval(1))
            #expect(done == PurgeResult(events: 1, quarantined: 0))
            let ids = try await queue.list(state: nil, limit: 10, offset: 0).map(\.id)
            #expect(ids == [2, 3, 4, 5])
            let dead = try await queue.purge(states: [.dead, .retry], olderThan: t0.addingTimeInterval(1), quarantine: false)
            #expect(dead.events == 2)
            let left = try await queue.stats(now: t0).counts
            #expect(left == [.queued: 1, .leased: 1, .done: 0, .retry: 0, .dead: 0])
        }
    }

    @Test(arguments: Backend.available) func purgeAlsoEmptiesOldQuarantine(_ backend: Backend) async throws {
        try await withQueue(on: backend, settings) { queue, _ in
            try await queue.quarantine(platform: .instagram, body: [1], reason: "old")
            clock.advance(by: 3600)
            try await queue.quarantine(platform: .instagram, body: [2], reason: "new")
            let result = try await queue.purge(states: [], olderThan: t0.addingTimeInterval(-1), quarantine: true)
            #expect(result == PurgeResult(events: 0, quarantined: 1))
            let kept = try await queue.quarantined(limit: 10, offset: 0).map(\.reason)
            #expect(kept == ["new"])
        }
    }

    @Test(arguments: Backend.available) func purgedIdsAreNeverReused(_ backend: Backend) async throws {
        try await withQueue(on: backend, settings) { queue, _ in
            _ = try await queue.enqueue([makeEvent(1)])
            let leased = try #require(try await queue.lease(owner: "w", now: t0, duration: 30))
            try await queue.complete(id: leased.id, owner: "w", now: t0)
            _ = try await queue.purge(olderThan: t0.addingTimeInterval(1))
            _ = try await queue.enqueue([makeEvent(2)])
            let ids = try await queue.list(state: nil, limit: 10, offset: 0).map(\.id)
            #expect(ids == [2])
        }
    }

    @Test(arguments: Backend.available) func writableUntilClosed(_ backend: Backend) async throws {
        let fixture = try QueueFixture(backend)
        let queue = try await fixture.open()
        let open = await queue.isWritable()
        #expect(open)
        await fixture.remove()
        try queue.close()
        let closed = await queue.isWritable()
        #expect(!closed)
    }
}
