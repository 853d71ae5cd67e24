import ChorusCore
import Foundation
import Testing
@testable import Queue

/// Runs on every backend (`Backend.available`).
@Suite struct QueueLeasingTests {
    let clock = TestClock()
    var settings: QueueSettings {
        QueueSettings(retryPolicy: RetryPolicy(maxAttempts: 3, baseDelay: 10, multiplier: 2, maxDelay: 600), clock: clock.read)
    }
    var t0: Date { clock.now }

    /// The texts of what `lease` hands out, one conversation head per call.
    func leaseText(_ queue: any QueueBackend, owner: String = "w1", at now: Date? = nil, kinds: Set<InboundEvent.Kind>? = nil) async throws -> String? {
        try await queue.lease(owner: owner, now: now ?? t0, duration: 30, kinds: kinds)?.event.text
    }

    @Test(arguments: Backend.available) func emptyQueueLeasesNothing(_ backend: Backend) async throws {
        try await withQueue(on: backend, settings) { queue, _ in
            let leased = try await queue.lease(owner: "w1", now: t0, duration: 30)
            #expect(leased == nil)
        }
    }

    @Test(arguments: Backend.available) func aConversationIsServedInTimestampOrderOneAtATime(_ backend: Backend) async throws {
        try await withQueue(on: backend, settings) { queue, _ in
            // Arrival order differs from timestamp order (a redelivery of an older message).
            _ = try await queue.enqueue([makeEvent(3, ts: 300), makeEvent(1, ts: 100)])
            _ = try await queue.enqueue([makeEvent(2, ts: 200)])
            let first = try #require(try await queue.lease(owner: "w1", now: t0, duration: 30))
            #expect(first.event.text == "message 1")
            #expect(first.attempt == 1)
            let whileHeld = try await leaseText(queue, owner: "w2")
            #expect(whileHeld == nil, "the conversation is busy while its head is leased")
            try await queue.complete(id: first.id, owner: "w1", now: t0)
            let second = try #require(try await queue.lease(owner: "w2", now: t0, duration: 30))
            #expect(second.event.text == "message 2")
            try await queue.complete(id: second.id, owner: "w2", now: t0)
            let third = try await leaseText(queue)
            #expect(third == "message 3")
        }
    }

    @Test(arguments: Backend.available) func equalTimestampsKeepArrivalOrder(_ backend: Backend) async throws {
        try await withQueue(on: backend, settings) { queue, _ in
            _ = try await queue.enqueue([makeEvent(7, ts: 100), makeEvent(5, ts: 100)])
            let first = try #require(try await queue.lease(owner: "w1", now: t0, duration: 30))
            #expect(first.event.text == "message 7")
        }
    }

    @Test(arguments: Backend.available) func anOlderEventArrivingDuringALeaseWaitsForIt(_ backend: Backend) async throws {
        try await withQueue(on: backend, settings) { queue, _ in
            _ = try await queue.enqueue([makeEvent(2, ts: 200)])
            let held = try #require(try await queue.lease(owner: "w1", now: t0, duration: 30))
            _ = try await queue.enqueue([makeEvent(1, ts: 100)])
            let meanwhile = try await leaseText(queue, owner: "w2")
            #expect(meanwhile == nil, "no second lease in a conversation, even for an earlier event")
            try await queue.complete(id: held.id, owner: "w1", now: t0)
            let next = try await leaseText(queue, owner: "w2")
            #expect(next == "message 1")
        }
    }

    @Test(arguments: Backend.available) func batchLeaseTakesOneEventPerConversationOldestFirst(_ backend: Backend) async throws {
        try await withQueue(on: backend, settings) { queue, _ in
            var events: [InboundEvent] = []
            for (c, conversation) in ["a", "b", "c", "d", "e"].enumerated() {
                for n in 0..<3 { events.append(makeEvent(n, conversation: conversation, ts: Int64(1000 * n + c))) }
            }
            _ = try await queue.enqueue(events)
            let batch = try await queue.lease(owner: "w1", now: t0, duration: 30, kinds: nil, limit: 4)
            #expect(batch.map(\.event.conversation.id) == ["a", "b", "c", "d"])
            #expect(batch.allSatisfy { $0.event.text == "message 0" })
            let rest = try await queue.lease(owner: "w2", now: t0, duration: 30, kinds: nil, limit: 10)
            #expect(rest.map(\.event.conversation.id) == ["e"], "the four leased conversations stay busy")
        }
    }

    @Test(arguments: Backend.available) func kindFilterKeepsOrderAmongThoseKindsOnly(_ backend: Backend) async throws {
        try await withQueue(on: backend, settings) { queue, _ in
            _ = try await queue.enqueue([makeEvent(1, kind: .status, ts: 100), makeEvent(2, kind: .message, ts: 200)])
            let message = try await leaseText(queue, owner: "assistant", kinds: [.message])
            #expect(message == "message 2", "a status nobody leases for messages does not hold messages back")
            let status = try await leaseText(queue, owner: "receipts", kinds: [.status, .read])
            #expect(status == "message 1")
            let none = try await leaseText(queue, owner: "w", kinds: [])
            #expect(none == nil)
        }
    }

    @Test(arguments: Backend.available) func anExpiredLeaseIsHandedOutAgain(_ backend: Backend) async throws {
        try await withQueue(on: backend, settings) { queue, _ in
            _ = try await queue.enqueue([makeEvent(1)])
            let first = try #require(try await queue.lease(owner: "crashed", now: t0, duration: 30))
            let early = try await leaseText(queue, owner: "w2", at: t0.addingTimeInterval(29))
            #expect(early == nil)
            let again = try #require(try await queue.lease(owner: "w2", now: t0.addingTimeInterval(30), duration: 30))
            #expect(again.id == first.id)
            #expect(again.attempt == 2)
            #expect(again.lastError == "lease of crashed expired")
            await #expect(throws: QueueError.rejected(id: first.id, .leaseLost(currentOwner: "w2"))) {
                try await queue.complete(id: first.id, owner: "crashed", now: t0.addingTimeInterval(31))
            }
            try await queue.complete(id: again.id, owner: "w2", now: t0.addingTimeInterval(31))
            let done = try await queue.event(id: first.id)
            #expect(done?.job.state == .done)
        }
    }

    @Test(arguments: Backend.available) func renewKeepsTheLeasePastItsFirstExpiry(_ backend: Backend) async throws {
        try await withQueue(on: backend, settings) { queue, _ in
            _ = try await queue.enqueue([makeEvent(1)])
            let held = try #require(try await queue.lease(owner: "w1", now: t0, duration: 30))
            try await queue.renew(id: held.id, owner: "w1", now: t0.addingTimeInterval(25), duration: 30)
            let stolen = try await leaseText(queue, owner: "w2", at: t0.addingTimeInterval(40))
            #expect(stolen == nil)
        }
    }

    @Test(arguments: Backend.available) func failuresBackOffThenDie(_ backend: Backend) async throws {
        try await withQueue(on: backend, settings) { queue, _ in
            _ = try await queue.enqueue([makeEvent(1), makeEvent(9, conversation: "other", ts: 2_000_000_000_000)])
            var now = t0
            for (attempt, delay) in [(1, 10.0), (2, 20.0)] {
                let leased = try #require(try await queue.lease(owner: "w", now: now, duration: 30))
                #expect(leased.event.conversation.id == "c1")
                #expect(leased.attempt == attempt)
                try await queue.fail(id: leased.id, owner: "w", error: "HTTP 503", permanent: false, now: now)
                let stored = try #require(try await queue.event(id: leased.id))
                #expect(stored.job.state == .retry)
                #expect(stored.job.availableAt == now.addingTimeInterval(delay))
                // During the backoff only the other conversation is served.
                let during = try await queue.lease(owner: "x", now: now.addingTimeInterval(delay - 1), duration: 1, kinds: nil, limit: 5)
                #expect(during.allSatisfy { $0.event.conversation.id == "other" })
                if let other = during.first { try await queue.complete(id: other.id, owner: "x", now: now) }
                now = now.addingTimeInterval(delay)
            }
            let last = try #require(try await queue.lease(owner: "w", now: now, duration: 30))
            #expect(last.attempt == 3)
            try await queue.fail(id: last.id, owner: "w", error: "HTTP 503", permanent: false, now: now)
            let dead = try #require(try await queue.event(id: last.id))
            #expect(dead.job.state == .dead)
            #expect(dead.job.lastError == "HTTP 503 (gave up after 3 attempts)")
        }
    }

    @Test(arguments: Backend.available) func aRetryingEventHoldsBackItsConversation(_ backend: Backend) async throws {
        try await withQueue(on: backend, settings) { queue, _ in
            _ = try await queue.enqueue([makeEvent(1, ts: 100), makeEvent(2, ts: 200)])
            let first = try #require(try await queue.lease(owner: "w", now: t0, duration: 30))
            try await queue.fail(id: first.id, owner: "w", error: "timeout", permanent: false, now: t0)
            let blocked = try await leaseText(queue, at: t0.addingTimeInterval(5))
            #expect(blocked == nil)
            let retried = try await leaseText(queue, at: t0.addingTimeInterval(10))
            #expect(retried == "message 1")
        }
    }

    @Test(arguments: Backend.available) func aDeadEventNoLongerHoldsBackItsConversation(_ backend: Backend) async throws {
        try await withQueue(on: backend, settings) { queue, _ in
            _ = try await queue.enqueue([makeEvent(1, ts: 100), makeEvent(2, ts: 200)])
            let first = try #require(try await queue.lease(owner: "w", now: t0, duration: 30))
            try await queue.fail(id: first.id, owner: "w", error: "131047", permanent: true, now: t0)
            let next = try await leaseText(queue)
            #expect(next == "message 2")
        }
    }

    @Test(arguments: Backend.available) func aPoisonEventThatKeepsExpiringDies(_ backend: Backend) async throws {
        try await withQueue(on: backend, settings) { queue, _ in
            _ = try await queue.enqueue([makeEvent(1, ts: 100), makeEvent(2, ts: 200)])
            var now = t0
            for attempt in 1...3 {
                let leased = try #require(try await queue.lease(owner: "w\(attempt)", now: now, duration: 30))
                #expect(leased.event.text == "message 1")
                now = now.addingTimeInterval(31)
            }
            // The third lease expired on the last attempt: dead, and the conversation moves on.
            let next = try await leaseText(queue, at: now)
            #expect(next == "message 2")
            let stats = try await queue.stats(now: now)
            #expect(stats.counts[.dead] == 1)
        }
    }

    @Test(arguments: Backend.available) func answersForUnknownOrUnleasedEventsAreErrors(_ backend: Backend) async throws {
        try await withQueue(on: backend, settings) { queue, _ in
            _ = try await queue.enqueue([makeEvent(1)])
            await #expect(throws: QueueError.eventNotFound(id: 99)) {
                try await queue.complete(id: 99, owner: "w", now: t0)
            }
            await #expect(throws: QueueError.rejected(id: 1, .notLeased(.queued))) {
                try await queue.fail(id: 1, owner: "w", error: "x", permanent: false, now: t0)
            }
        }
    }

    @Test(arguments: Backend.available) func concurrentWorkersNeverShareAConversation(_ backend: Backend) async throws {
        try await withQueue(on: backend, settings) { queue, _ in
            var events: [InboundEvent] = []
            for c in 0..<20 {
                for n in 0..<5 { events.append(makeEvent(c * 10 + n, conversation: "c\(c)", ts: Int64(n * 100 + c))) }
            }
            _ = try await queue.enqueue(events)
            let leased = try await withThrowingTaskGroup(of: [LeasedEvent].self) { group in
                for worker in 0..<8 {
                    group.addTask { try await queue.lease(owner: "w\(worker)", now: t0, duration: 30, kinds: nil, limit: 4) }
                }
                return try await group.reduce(into: [LeasedEvent]()) { $0 += $1 }
            }
            let conversations = leased.map(\.event.conversation.id)
            #expect(leased.count == 20, "8 workers × 4 ask for more than the 20 conversations")
            #expect(Set(conversations).count == conversations.count, "a conversation was leased twice")
            #expect(leased.allSatisfy { $0.event.timestamp < 100 }, "only heads are handed out")
        }
    }
}
