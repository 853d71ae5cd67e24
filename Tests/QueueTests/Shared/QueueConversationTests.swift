import ChorusCore
import Foundation
import Testing
@testable import Queue

/// History, outbox, language and notes (`ConversationStore`), on every backend.
@Suite struct QueueConversationTests {
    let clock = TestClock()
    var settings: QueueSettings { QueueSettings(retryPolicy: RetryPolicy(maxAttempts: 3, baseDelay: 10), clock: clock.read) }
    var t0: Date { clock.now }

    func turn(_ conversation: String, _ role: HistoryEntry.Role, _ text: String, at ts: Int64) -> HistoryEntry {
        HistoryEntry(conversationKey: conversation, role: role, speakerID: role == .user ? "u" : "bot", speakerName: nil,
                     text: text, messageID: role == .user ? "in-\(ts)" : nil, timestamp: ts)
    }

    func send(_ text: String, kind: OutboxItem.Kind = .text) -> OutboxDraft {
        OutboxDraft(platform: .whatsapp, kind: kind, path: "123/messages", body: Data(#"{"text":"\#(text)"}"#.utf8))
    }

    /// Enqueues and leases one event per conversation; returns the leases by conversation id.
    func leaseOne(_ queue: any QueueBackend, conversations: [String]) async throws -> [String: LeasedEvent] {
        _ = try await queue.enqueue(conversations.enumerated().map { makeEvent($0.offset, conversation: $0.element) })
        let leased = try await queue.lease(owner: "w", now: t0, duration: 30, kinds: nil, limit: conversations.count)
        return Dictionary(uniqueKeysWithValues: leased.map { ($0.event.conversation.id, $0) })
    }

    @Test(arguments: Backend.available) func finishStoresEverythingInOneStep(_ backend: Backend) async throws {
        try await withQueue(on: backend, settings) { queue, _ in
            let event = try #require(try await leaseOne(queue, conversations: ["c1"])["c1"])
            let key = event.event.conversation.key
            try await queue.finish(eventID: event.id, owner: "w", note: #"{"decision":"answer"}"#,
                                   history: [turn(key, .user, "hi", at: 1), turn(key, .assistant, "hello", at: 2)],
                                   sends: [send("typing", kind: .typing), send("hello")], language: #"{"language":"en"}"#, now: t0)
            let stored = try await queue.event(id: event.id)
            #expect(stored?.job.state == .done)
            #expect(try await queue.note(eventID: event.id) == #"{"decision":"answer"}"#)
            #expect(try await queue.note(messageID: try #require(event.event.messageID)) == #"{"decision":"answer"}"#)
            let history = try await queue.history(conversation: key, limit: 10)
            #expect(history.map(\.text) == ["hi", "hello"])
            #expect(try await queue.languageState(conversation: key) == #"{"language":"en"}"#)
            let sends = try await queue.sends(eventID: event.id)
            #expect(sends.map(\.kind) == [.typing, .text])
            #expect(sends.allSatisfy { $0.state == .pending && $0.conversationKey == key && $0.attempts == 0 })
            #expect(sends.last?.body == Data(#"{"text":"hello"}"#.utf8))
            let summaries = try await queue.conversations(limit: 10)
            #expect(summaries == [ConversationSummary(key: key, turns: 2, lastTimestamp: 2, language: #"{"language":"en"}"#)])
        }
    }

    @Test(arguments: Backend.available) func finishWithALostLeaseChangesNothing(_ backend: Backend) async throws {
        try await withQueue(on: backend, settings) { queue, _ in
            let event = try #require(try await leaseOne(queue, conversations: ["c1"])["c1"])
            let key = event.event.conversation.key
            let taken = try #require(try await queue.lease(owner: "w2", now: t0.addingTimeInterval(31), duration: 30))
            #expect(taken.id == event.id)
            await #expect(throws: QueueError.rejected(id: event.id, .leaseLost(currentOwner: "w2"))) {
                try await queue.finish(eventID: event.id, owner: "w", note: "{}", history: [turn(key, .user, "hi", at: 1)],
                                       sends: [send("late")], language: "{}", now: t0.addingTimeInterval(32))
            }
            #expect(try await queue.history(conversation: key, limit: 10).isEmpty)
            #expect(try await queue.sends(eventID: event.id).isEmpty)
            #expect(try await queue.languageState(conversation: key) == nil)
            #expect(try await queue.note(eventID: event.id) == nil)
        }
    }

    @Test(arguments: Backend.available) func historyKeepsTheLastTurnsOldestFirst(_ backend: Backend) async throws {
        try await withQueue(on: backend, settings) { queue, _ in
            let event = try #require(try await leaseOne(queue, conversations: ["c1"])["c1"])
            let key = event.event.conversation.key
            let turns = (1...6).map { turn(key, $0 % 2 == 1 ? .user : .assistant, "t\($0)", at: Int64($0)) }
            try await queue.finish(eventID: event.id, owner: "w", note: "{}", history: turns, sends: [], language: nil, now: t0)
            #expect(try await queue.history(conversation: key, limit: 3).map(\.text) == ["t4", "t5", "t6"])
            #expect(try await queue.history(conversation: "other", limit: 3).isEmpty)
        }
    }

    @Test(arguments: Backend.available) func sendsGoOutOnePerConversationInOrder(_ backend: Backend) async throws {
        try await withQueue(on: backend, settings) { queue, _ in
            let leases = try await leaseOne(queue, conversations: ["a", "b"])
            for (conversation, lease) in leases.sorted(by: { $0.key < $1.key }) {
                let key = lease.event.conversation.key
                try await queue.finish(eventID: lease.id, owner: "w", note: "{}",
                                       history: [turn(key, .user, "q", at: 1), turn(key, .assistant, "\(conversation)1 \(conversation)2", at: 2)],
                                       sends: [send("\(conversation)1"), send("\(conversation)2")], language: nil, now: t0)
            }
            let first = try await queue.leaseSends(owner: "s", now: t0, duration: 30, limit: 10)
            #expect(first.map { String(decoding: $0.body, as: UTF8.self) } == [#"{"text":"a1"}"#, #"{"text":"b1"}"#])
            #expect(first.allSatisfy { $0.state == .sending && $0.attempts == 1 })
            #expect(try await queue.leaseSends(owner: "s2", now: t0, duration: 30, limit: 10).isEmpty, "one send in flight per conversation")
            let a1 = try #require(first.first)
            try await queue.markSent(id: a1.id, messageID: "out-a1", now: t0)
            let next = try await queue.leaseSends(owner: "s", now: t0, duration: 30, limit: 10)
            #expect(next.map { String(decoding: $0.body, as: UTF8.self) } == [#"{"text":"a2"}"#])
            #expect(try await queue.isBotMessage(conversation: a1.conversationKey, messageID: "out-a1"))
            #expect(try await !queue.isBotMessage(conversation: a1.conversationKey, messageID: "in-1"))
            let history = try await queue.history(conversation: a1.conversationKey, limit: 10)
            #expect(history.last?.messageID == "out-a1", "the assistant turn takes the id of its first text send")
            #expect(try await queue.outboxCounts() == [.sent: 1, .sending: 2, .pending: 1])
        }
    }

    @Test(arguments: Backend.available) func aFailedSendWaitsThenDiesAndCanBeRetried(_ backend: Backend) async throws {
        try await withQueue(on: backend, settings) { queue, _ in
            let lease = try #require(try await leaseOne(queue, conversations: ["c1"])["c1"])
            try await queue.finish(eventID: lease.id, owner: "w", note: "{}", history: [], sends: [send("x")], language: nil, now: t0)
            let item = try #require(try await queue.leaseSends(owner: "s", now: t0, duration: 30, limit: 1).first)
            try await queue.markSendFailed(id: item.id, error: "HTTP 429", retryAt: t0.addingTimeInterval(5), now: t0)
            #expect(try await queue.leaseSends(owner: "s", now: t0.addingTimeInterval(4), duration: 30, limit: 1).isEmpty)
            let again = try #require(try await queue.leaseSends(owner: "s", now: t0.addingTimeInterval(5), duration: 30, limit: 1).first)
            #expect(again.id == item.id)
            #expect(again.attempts == 2)
            #expect(again.lastError == "HTTP 429")
            try await queue.markSendFailed(id: item.id, error: "131047", retryAt: nil, now: t0)
            #expect(try await queue.sends(eventID: lease.id).map(\.state) == [.dead])
            #expect(try await queue.leaseSends(owner: "s", now: t0.addingTimeInterval(60), duration: 30, limit: 1).isEmpty)
            #expect(try await queue.retrySends(eventID: lease.id, now: t0) == 1)
            let retried = try #require(try await queue.sends(eventID: lease.id).first)
            #expect(retried.state == .pending && retried.attempts == 0)
        }
    }

    @Test(arguments: Backend.available) func anExpiredSendLeaseIsTakenOver(_ backend: Backend) async throws {
        try await withQueue(on: backend, settings) { queue, _ in
            let lease = try #require(try await leaseOne(queue, conversations: ["c1"])["c1"])
            try await queue.finish(eventID: lease.id, owner: "w", note: "{}", history: [], sends: [send("x")], language: nil, now: t0)
            let item = try #require(try await queue.leaseSends(owner: "crashed", now: t0, duration: 30, limit: 1).first)
            #expect(try await queue.leaseSends(owner: "s", now: t0.addingTimeInterval(29), duration: 30, limit: 1).isEmpty)
            let taken = try await queue.leaseSends(owner: "s", now: t0.addingTimeInterval(30), duration: 30, limit: 1)
            #expect(taken.map(\.id) == [item.id])
        }
    }

    @Test(arguments: Backend.available) func releaseLeasesHandsBackEventsAndSendsOfOneOwner(_ backend: Backend) async throws {
        try await withQueue(on: backend, settings) { queue, _ in
            let leases = try await leaseOne(queue, conversations: ["a", "b"])
            let a = try #require(leases["a"])
            try await queue.finish(eventID: a.id, owner: "w", note: "{}", history: [], sends: [send("x")], language: nil, now: t0)
            _ = try await queue.leaseSends(owner: "w", now: t0, duration: 30, limit: 1)
            _ = try await queue.enqueue([makeEvent(9, conversation: "c")])
            _ = try await queue.lease(owner: "other", now: t0, duration: 30, kinds: nil, limit: 1)
            let released = try await queue.releaseLeases(owner: "w", now: t0)
            #expect(released.events == 1 && released.sends == 1)
            let stats = try await queue.stats(now: t0)
            #expect(stats.counts[.leased] == 1, "the other owner's lease stays")
            #expect(try await queue.outboxCounts() == [.pending: 1])
            let b = try #require(try await queue.lease(owner: "w", now: t0, duration: 30))
            #expect(b.id == leases["b"]?.id)
            #expect(b.attempt == 2, "attempts already counted stay counted")
        }
    }

    @Test(arguments: Backend.available) func languageAndForget(_ backend: Backend) async throws {
        try await withQueue(on: backend, settings) { queue, _ in
            let lease = try #require(try await leaseOne(queue, conversations: ["c1"])["c1"])
            let key = lease.event.conversation.key
            try await queue.setLanguageState(conversation: key, state: #"{"language":"fr"}"#, now: t0)
            try await queue.setLanguageState(conversation: key, state: #"{"language":"en"}"#, now: t0)
            #expect(try await queue.languageState(conversation: key) == #"{"language":"en"}"#)
            try await queue.finish(eventID: lease.id, owner: "w", note: "{}",
                                   history: [turn(key, .user, "a", at: 1), turn(key, .assistant, "b", at: 2)], sends: [],
                                   language: nil, now: t0)
            #expect(try await queue.forget(conversation: key) == 2)
            #expect(try await queue.history(conversation: key, limit: 10).isEmpty)
            #expect(try await queue.languageState(conversation: key) == nil)
            #expect(try await queue.conversations(limit: 10).isEmpty)
        }
    }

    @Test(arguments: Backend.available) func migrationsAreVersionedAndAppliedOnce(_ backend: Backend) async throws {
        try await withQueue(on: backend, settings) { queue, fixture in
            let names = try await queue.appliedMigrations()
            #expect(names == ["v1: event and quarantine", "v2: history, outbox, conversation, event note",
                              "v3: leased events per conversation"])
            #expect(try await queue.migrate().isEmpty, "already up to date")
            let second = try await fixture.open()
            defer { try? second.close() }
            #expect(try await second.appliedMigrations() == names)
        }
    }
}
