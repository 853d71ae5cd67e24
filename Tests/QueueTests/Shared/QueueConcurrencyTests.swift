import ChorusCore
import Foundation
import Synchronization
import Testing
@testable import Queue

/// Several processes on one queue: each `fixture.open()` is another pool of connections (another
/// `DatabasePool` on the SQLite file, another `PostgresClient` on the server), as separate
/// `chorus serve` processes would have.
@Suite struct QueueConcurrencyTests {
    /// Who holds which conversation right now, and every overlap seen.
    final class Holders: Sendable {
        private struct State {
            var holder: [String: String] = [:]
            var overlaps: [String] = []
            var handled: [String: [Int64]] = [:]
        }
        private let state = Mutex(State())

        func take(_ conversation: String, by worker: String) {
            state.withLock {
                if let other = $0.holder[conversation] { $0.overlaps.append("\(conversation): \(other) and \(worker)") }
                $0.holder[conversation] = worker
            }
        }

        func release(_ conversation: String, ts: Int64) {
            state.withLock {
                $0.holder[conversation] = nil
                $0.handled[conversation, default: []].append(ts)
            }
        }

        var overlaps: [String] { state.withLock { $0.overlaps } }
        /// Items released so far.
        var count: Int { state.withLock { $0.handled.values.map(\.count).reduce(0, +) } }
        var handled: [String: [Int64]] { state.withLock { $0.handled } }
    }

    /// With `olderArrivesLater`, each new event of a conversation is older than the ones before it
    /// (Meta redelivering old messages): the head changes under the leasers, which is where two
    /// snapshots could disagree on it. Order is then only checked for overlaps.
    @Test(arguments: Backend.available, [false, true])
    func workersOnTwoProcessesNeverShareAConversation(_ backend: Backend, olderArrivesLater: Bool) async throws {
        try await withQueue(on: backend) { first, fixture in
            let second = try await fixture.open()
            defer { try? second.close() }
            let processes: [any QueueBackend] = [first, second]
            let conversations = 12, perConversation = 8
            let holders = Holders()
            // Enqueued while the workers run, half through each process, in timestamp order per
            // conversation (so the expected order is the order of ts).
            let producer = Task {
                for n in 0..<perConversation {
                    let events = (0..<conversations).map { c in
                        makeEvent(c * 100 + n, conversation: "c\(c)", ts: Int64(1_000 + (olderArrivesLater ? -n : n) * 10 + c % 3))
                    }
                    _ = try await processes[n % 2].enqueue(Array(events[..<(conversations / 2)]))
                    _ = try await processes[(n + 1) % 2].enqueue(Array(events[(conversations / 2)...]))
                }
            }
            let total = conversations * perConversation
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<6 {
                    let queue = processes[worker % 2]
                    let name = "w\(worker)"
                    group.addTask {
                        let deadline = Date().addingTimeInterval(300)  // generous: the whole suite can starve these tasks
                        while holders.count < total, Date() < deadline {
                            let leased = try await queue.lease(owner: name, now: Date(), duration: 900, kinds: nil, limit: 3)
                            if leased.isEmpty { try await Task.sleep(for: .milliseconds(2)); continue }
                            for event in leased { holders.take(event.event.conversation.id, by: name) }
                            try await Task.sleep(for: .milliseconds(1))
                            for event in leased {
                                holders.release(event.event.conversation.id, ts: event.event.timestamp)
                                try await queue.complete(id: event.id, owner: name, now: Date())
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
            try await producer.value
            #expect(holders.overlaps.isEmpty, "a conversation was leased twice at once: \(holders.overlaps.prefix(5))")
            let handled = holders.handled
            #expect(handled.values.map(\.count).reduce(0, +) == total, "every event handled exactly once")
            for (conversation, order) in handled {
                if !olderArrivesLater { #expect(order == order.sorted(), "\(conversation) handled out of order: \(order)") }
                #expect(Set(order).count == perConversation)
            }
            let stats = try await first.stats()
            #expect(stats.counts[.done] == total)
        }
    }

    @Test(arguments: Backend.available) func sendersOnTwoProcessesKeepOneSendInFlightPerConversation(_ backend: Backend) async throws {
        try await withQueue(on: backend) { first, fixture in
            let second = try await fixture.open()
            defer { try? second.close() }
            let conversations = 8, sendsEach = 6
            _ = try await first.enqueue((0..<conversations).map { makeEvent($0, conversation: "c\($0)") })
            let leased = try await first.lease(owner: "w", now: Date(), duration: 900, kinds: nil, limit: conversations)
            #expect(leased.count == conversations)
            for event in leased {
                let sends = (0..<sendsEach).map { n in
                    OutboxDraft(platform: .whatsapp, kind: .text, path: "p", body: Data("\(n)".utf8))
                }
                try await first.finish(eventID: event.id, owner: "w", note: "{}", history: [], sends: sends, language: nil, now: Date())
            }
            let holders = Holders()
            let total = conversations * sendsEach
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<6 {
                    let queue: any QueueBackend = worker % 2 == 0 ? first : second
                    let name = "s\(worker)"
                    group.addTask {
                        let deadline = Date().addingTimeInterval(300)  // generous: the whole suite can starve these tasks
                        while holders.count < total, Date() < deadline {
                            let items = try await queue.leaseSends(owner: name, now: Date(), duration: 900, limit: 3)
                            if items.isEmpty { try await Task.sleep(for: .milliseconds(2)); continue }
                            for item in items { holders.take(item.conversationKey, by: name) }
                            try await Task.sleep(for: .milliseconds(1))
                            for item in items {
                                holders.release(item.conversationKey, ts: Int64(String(decoding: item.body, as: UTF8.self)) ?? -1)
                                try await queue.markSent(id: item.id, messageID: "out-\(item.id)", now: Date())
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
            #expect(holders.overlaps.isEmpty, "two sends of one conversation in flight: \(holders.overlaps.prefix(5))")
            for (conversation, order) in holders.handled {
                #expect(order == Array(0..<Int64(sendsEach)), "\(conversation) sent out of order: \(order)")
            }
            #expect(try await second.outboxCounts() == [.sent: total])
        }
    }

    @Test(arguments: Backend.available) func concurrentEnqueuesOfTheSameEventsStoreEachOnce(_ backend: Backend) async throws {
        try await withQueue(on: backend) { first, fixture in
            let second = try await fixture.open()
            defer { try? second.close() }
            // Meta delivers the same body twice, to two front ends, at once.
            let results = try await withThrowingTaskGroup(of: EnqueueResult.self) { group in
                for caller in 0..<8 {
                    let queue: any QueueBackend = caller % 2 == 0 ? first : second
                    group.addTask { try await queue.enqueue((0..<20).map { makeEvent($0) }) }
                }
                return try await group.reduce(into: [EnqueueResult]()) { $0.append($1) }
            }
            #expect(results.map(\.inserted).reduce(0, +) == 20)
            #expect(results.map(\.duplicates).reduce(0, +) == 7 * 20)
            #expect(try await first.stats().total == 20)
        }
    }
}
