import ChorusCore
import Foundation
import Testing
@testable import Queue

/// Runs on every backend (`Backend.available`).
@Suite struct QueueEnqueueTests {
    @Test(arguments: Backend.available) func storesEveryFieldAndReadsTheEventBack(_ backend: Backend) async throws {
        try await withQueue(on: backend) { queue, _ in
            let event = makeEvent(1, conversation: "g1", group: true)
            let result = try await queue.enqueue([event])
            #expect(result == EnqueueResult(inserted: 1, duplicates: 0))
            let stored = try await queue.list(state: nil, limit: 10, offset: 0)
            #expect(stored.map(\.event) == [event], "event_json plus raw rebuild the whole InboundEvent")
            #expect(stored.first?.job.state == .queued)
        }
    }

    @Test(arguments: Backend.available) func duplicatesWithinOneBatchAreCountedOnce(_ backend: Backend) async throws {
        try await withQueue(on: backend) { queue, _ in
            let event = makeEvent(1)
            let result = try await queue.enqueue([event, makeEvent(2), event])
            #expect(result == EnqueueResult(inserted: 2, duplicates: 1))
            let total = try await queue.stats().total
            #expect(total == 2)
        }
    }

    @Test(arguments: Backend.available) func duplicatesAcrossCallsAreNotReinserted(_ backend: Backend) async throws {
        try await withQueue(on: backend) { queue, _ in
            _ = try await queue.enqueue([makeEvent(1), makeEvent(2)])
            // Meta redelivers with different surrounding data; the dedup key decides.
            var redelivered = makeEvent(2)
            redelivered.text = "changed"
            let result = try await queue.enqueue([redelivered, makeEvent(3)])
            #expect(result == EnqueueResult(inserted: 1, duplicates: 1))
            let texts = try await queue.list(state: nil, limit: 10, offset: 0).map(\.event.text)
            #expect(texts == ["message 1", "message 2", "message 3"])
        }
    }

    @Test(arguments: Backend.available) func dedupSurvivesAReopen(_ backend: Backend) async throws {
        try await withQueue(on: backend) { queue, fixture in
            _ = try await queue.enqueue([makeEvent(1), makeEvent(2)])
            try queue.close()
            let reopened = try await fixture.open()
            defer { try? reopened.close() }
            let result = try await reopened.enqueue([makeEvent(2), makeEvent(1), makeEvent(3)])
            #expect(result == EnqueueResult(inserted: 1, duplicates: 2))
            let total = try await reopened.stats().total
            #expect(total == 3)
        }
    }

    @Test(arguments: Backend.available) func oneEnqueueIsAllOrNone(_ backend: Backend) async throws {
        try await withQueue(on: backend) { queue, fixture in
            try await fixture.installPoison(queue)
            await #expect(throws: (any Error).self) {
                try await queue.enqueue([makeEvent(1), makeEvent(2, dedup: "poison"), makeEvent(3)])
            }
            let total = try await queue.stats().total
            #expect(total == 0, "the events before the failing one were rolled back")
            let retried = try await queue.enqueue([makeEvent(1), makeEvent(3)])
            #expect(retried == EnqueueResult(inserted: 2, duplicates: 0))
        }
    }

    @Test(arguments: Backend.available) func textWithNULIsStoredAndReadBack(_ backend: Backend) async throws {
        try await withQueue(on: backend) { queue, _ in
            var event = makeEvent(1)
            event.text = "a\u{0}b"
            _ = try await queue.enqueue([event])
            let stored = try await queue.list(state: nil, limit: 10, offset: 0).map(\.event)
            #expect(stored == [event], "the event's JSON keeps the NUL escaped")
        }
    }

    @Test(arguments: Backend.available) func quarantineKeepsTheExactBody(_ backend: Backend) async throws {
        let clock = TestClock()
        try await withQueue(on: backend, QueueSettings(clock: clock.read)) { queue, _ in
            let body: [UInt8] = Array(#"{"object":"whatsapp_business_account","entry":[{"bad":"\u00e9"}]}"#.utf8) + [0xFF, 0x00]
            try await queue.quarantine(platform: .whatsapp, body: body, reason: "no decoder for field x")
            let kept = try await queue.quarantined(limit: 10, offset: 0)
            #expect(kept == [QuarantinedBody(id: 1, platform: "whatsapp", receivedAt: clock.now, reason: "no decoder for field x", body: body)])
            let count = try await queue.stats().quarantined
            #expect(count == 1)
        }
    }
}
