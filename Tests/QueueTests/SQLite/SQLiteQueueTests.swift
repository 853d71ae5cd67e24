import ChorusCore
import Dispatch
import Foundation
import GRDB
import Testing
@testable import Queue

/// Holds the queue's single writer until `release()`, so requests pile up behind it.
final class WriterGate: Sendable {
    private let semaphore = DispatchSemaphore(value: 0)
    private let task: Task<Void, any Error>

    /// Blocks `queue`'s writer and returns once it is held.
    init(_ queue: SQLiteQueue) async {
        let semaphore = semaphore, holding = Flag()
        task = Task {
            try await queue.dbPool.writeWithoutTransaction { _ in
                holding.set()
                semaphore.wait()  // blocks GRDB's writer queue, not a Swift concurrency thread
            }
        }
        _ = await eventually { holding.isSet }
    }

    func release() async {
        semaphore.signal()
        _ = try? await task.value
    }
}

/// What only SQLite has: WAL and fsync settings, the group commit, the missing-file check.
/// Everything else runs on both backends (Tests/QueueTests/Shared).
@Suite struct SQLiteQueueTests {
    @Test func opensInWALWithFullSynchronous() async throws {
        try await withQueue { queue, _ in
            let (mode, sync) = try await queue.dbPool.write { db in
                (try String.fetchOne(db, sql: "PRAGMA journal_mode"), try Int.fetchOne(db, sql: "PRAGMA synchronous"))
            }
            #expect(mode == "wal")
            #expect(sync == 2, "synchronous = FULL")
        }
    }

    @Test func storesEveryColumn() async throws {
        try await withQueue { queue, _ in
            let event = makeEvent(1, conversation: "g1", group: true)
            let result = try await queue.enqueue([event])
            #expect(result == EnqueueResult(inserted: 1, duplicates: 0))
            let stored = try await queue.list(state: nil, limit: 10, offset: 0)
            #expect(stored.map(\.event) == [event], "event_json plus raw rebuild the whole InboundEvent")
            #expect(stored.first?.job.state == .queued)
            let columns = try await queue.dbPool.read { db -> [String?] in
                let row = try #require(try Row.fetchOne(db, sql: """
                    SELECT conversation_key, CAST(is_group AS TEXT), sender_id, sender_name, message_id,
                           CAST(ts AS TEXT), raw, state FROM event
                    """))
                return (0..<row.count).map { row[$0] as String? }
            }
            #expect(columns == [event.conversation.key, "1", "user-g1", "User g1", "wamid.g1.1", "\(event.timestamp)", event.raw, "queued"])
        }
    }

    @Test func missingDatabaseIsNotCreatedWhenAskedNotTo() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("absent.sqlite")
        #expect(throws: QueueError.databaseNotFound(path: path)) {
            _ = try SQLiteQueue(path: path, configuration: .init(createIfMissing: false))
        }
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    /// A trigger that aborts the insert of one dedup key stands in for a failing disk write.
    func installPoison(_ queue: SQLiteQueue) async throws {
        try await queue.dbPool.write { db in
            try db.execute(sql: """
                CREATE TEMP TRIGGER poison BEFORE INSERT ON main.event WHEN NEW.dedup_key = 'poison'
                BEGIN SELECT RAISE(ABORT, 'poisoned'); END
                """)
        }
    }

    @Test func aFailingRequestFailsAloneInItsGroup() async throws {
        try await withQueue { queue, _ in
            try await installPoison(queue)
            let gate = await WriterGate(queue)
            // The filler is taken alone by the drain; the next two wait and form one group.
            let filler = Task { try await queue.enqueue([makeEvent(100)]) }
            #expect(await eventually { queue.pendingEvents == 1 })
            let good = Task { try await queue.enqueue([makeEvent(1)]) }
            let bad = Task { try await queue.enqueue([makeEvent(2), makeEvent(3, dedup: "poison")]) }
            #expect(await eventually { queue.pendingEvents == 4 })
            await gate.release()
            _ = try await filler.value
            let goodResult = try await good.value
            #expect(goodResult.inserted == 1)
            await #expect(throws: (any Error).self) { try await bad.value }
            #expect(queue.groupCommits == 2, "good and bad shared a transaction")
            let keys = try await queue.list(state: nil, limit: 10, offset: 0).map(\.event.dedupKey)
            #expect(keys == ["wamid.c1.100", "wamid.c1.1"], "the bad request's first event was rolled back with it")
        }
    }

    @Test func aFailedCommitAcknowledgesNobodyInTheGroup() async throws {
        try await withQueue { queue, _ in
            // A deferred foreign key violation passes every statement and fails only at COMMIT,
            // like a disk error would: the whole group must fail.
            try await queue.dbPool.write { db in
                try db.execute(sql: """
                    CREATE TEMP TABLE parent (id INTEGER PRIMARY KEY);
                    CREATE TEMP TABLE child (parent_id INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED);
                    CREATE TEMP TRIGGER break_commit AFTER INSERT ON main.event WHEN NEW.dedup_key = 'breaks-commit'
                    BEGIN INSERT INTO child VALUES (42); END
                    """)
            }
            let gate = await WriterGate(queue)
            let filler = Task { try await queue.enqueue([makeEvent(100)]) }
            #expect(await eventually { queue.pendingEvents == 1 })
            let good = Task { try await queue.enqueue([makeEvent(1)]) }
            let bad = Task { try await queue.enqueue([makeEvent(2, dedup: "breaks-commit")]) }
            #expect(await eventually { queue.pendingEvents == 3 })
            await gate.release()
            _ = try await filler.value
            await #expect(throws: (any Error).self) { try await good.value }
            await #expect(throws: (any Error).self) { try await bad.value }
            let keys = try await queue.list(state: nil, limit: 10, offset: 0).map(\.event.dedupKey)
            #expect(keys == ["wamid.c1.100"])
        }
    }

    @Test func concurrentEnqueuesAreGroupCommitted() async throws {
        try await withQueue { queue, _ in
            let gate = await WriterGate(queue)
            let results = try await withThrowingTaskGroup(of: EnqueueResult.self) { group in
                for caller in 0..<64 {
                    // Every caller also resends the previous caller's first event: 64 duplicates.
                    let events = (0..<10).map { makeEvent(caller * 10 + $0) } + (caller > 0 ? [makeEvent((caller - 1) * 10)] : [])
                    group.addTask { try await queue.enqueue(events) }
                }
                #expect(await eventually { queue.pendingEvents == 64 * 10 + 63 })
                await gate.release()
                return try await group.reduce(into: [EnqueueResult]()) { $0.append($1) }
            }
            #expect(results.map(\.inserted).reduce(0, +) == 640)
            #expect(results.map(\.duplicates).reduce(0, +) == 63)
            let total = try await queue.stats().total
            #expect(total == 640)
            #expect(queue.groupCommits <= 2, "64 callers should share at most two transactions, got \(queue.groupCommits)")
        }
    }

    @Test func pastThePendingLimitEnqueueIsOverloaded() async throws {
        try await withQueue(SQLiteQueue.Configuration(maxPendingEvents: 5)) { queue, _ in
            let gate = await WriterGate(queue)
            let first = Task { try await queue.enqueue((1...4).map { makeEvent($0) }) }
            #expect(await eventually { queue.pendingEvents == 4 })
            await #expect(throws: QueueError.overloaded(pending: 4, limit: 5)) {
                try await queue.enqueue([makeEvent(10), makeEvent(11)])
            }
            await gate.release()
            let firstResult = try await first.value
            #expect(firstResult.inserted == 4)
            let later = try await queue.enqueue([makeEvent(10), makeEvent(11)])
            #expect(later.inserted == 2, "room frees up once the disk caught up")
        }
    }

}
