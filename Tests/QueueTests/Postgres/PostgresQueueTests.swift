import ChorusCore
import Foundation
import PostgresNIO
import Testing
@testable import Queue
@testable import QueuePostgres

/// What only the PostgreSQL backend has: URL configuration, connection errors, migrations raced by
/// several servers, and backpressure while the server is slow. The rest runs on both backends.
@Suite struct PostgresQueueTests {
    @Test func theURLSetsServerPoolSchemaAndTLS() throws {
        let configuration = try PostgresQueueConfiguration(
            url: "postgresql://queue%40ops:p%3Ass%2Fw@db.internal:6543/chorus?sslmode=require&pool=32&schema=tenant_1")
        #expect(configuration.client.host == "db.internal")
        #expect(configuration.client.port == 6543)
        #expect(configuration.client.username == "queue@ops")
        #expect(configuration.client.password == "p:ss/w")
        #expect(configuration.client.database == "chorus")
        #expect(configuration.poolSize == 32)
        #expect(configuration.client.options.maximumConnections == 32)
        #expect(configuration.schema == "tenant_1")
        #expect(configuration.description == "postgresql://queue%40ops:***@db.internal:6543/chorus?sslmode=require&pool=32&schema=tenant_1")
        let defaults = try PostgresQueueConfiguration(url: "postgres://u@localhost")
        #expect(defaults.client.port == 5432)
        #expect(defaults.client.database == "u")
        #expect(defaults.poolSize == 10)
        #expect(defaults.schema == "public")
    }

    @Test(arguments: [
        "postgres://:secret@host/db",                            // no user
        "postgres://u:secret@/db",                               // no host
        "postgres://u:secret@host/db?pool=0",                    // bad pool
        "postgres://u:secret@host/db?pool=many",
        "postgres://u:secret@host/db?schema=x;drop",             // not an identifier
        "postgres://u:secret@host/db?sslmode=sometimes",
        "postgres://u:secret@host/db?colour=blue",               // unknown option
    ])
    func badURLsAreClearErrorsWithoutThePassword(_ url: String) {
        #expect {
            _ = try PostgresQueueConfiguration(url: url)
        } throws: { error in
            let text = "\(error)"
            return error is QueueLocationError && !text.contains("secret") && text.contains("***")
        }
    }

    @Test(.enabled(if: Backend.postgresURL != nil)) func aWrongPasswordFailsAtOnceAndIsNotShown() async throws {
        let url = try #require(Backend.postgresURL)
        let wrong = url.replacingOccurrences(of: #"://([^:/@]+):[^@]*@"#, with: "://$1:not-the-password@", options: .regularExpression)
        // The server's own reason, from the direct first connection: through the pool it would be
        // a circuit-breaker error after about a minute of retries.
        await #expect {
            _ = try await PostgresQueue(url: wrong)
        } throws: { error in
            let text = "\(error)"
            return error is PostgresQueueError && text.contains("password authentication failed") && text.contains("28P01")
                && !text.contains("not-the-password")
        }
    }

    @Test(.enabled(if: Backend.postgresURL != nil)) func serversStartingTogetherMigrateOnce() async throws {
        let fixture = try QueueFixture(.postgres)
        defer { Task { await fixture.remove() } }
        let configuration = try PostgresQueueConfiguration(url: fixture.location)
        let applied = try await withThrowingTaskGroup(of: [String].self) { group in
            for _ in 0..<4 {
                group.addTask {
                    let queue = try await PostgresQueue(configuration: configuration, migrate: false)
                    defer { try? queue.close() }
                    return try await queue.migrate()
                }
            }
            return try await group.reduce(into: [String]()) { $0 += $1 }
        }
        #expect(applied == PostgresQueue.migrations.map(\.name), "each migration ran exactly once, in order")
        await fixture.remove()
    }

    @Test(.enabled(if: Backend.postgresURL != nil)) func pastThePendingLimitEnqueueIsOverloaded() async throws {
        try await withQueue(on: .postgres, QueueSettings(maxPendingEvents: 5)) { queue, fixture in
            let queue = try #require(queue as? PostgresQueue)
            let locker = try #require(try await fixture.open() as? PostgresQueue)
            defer { try? locker.close() }
            // Another session holds the event table: inserts wait, as behind a slow disk.
            let holding = Flag(), release = Flag()
            let lock = Task {
                try await locker.transaction("hold") { connection in
                    try await connection.query("LOCK TABLE event IN EXCLUSIVE MODE", logger: locker.logger)
                    holding.set()
                    while !release.isSet { try await Task.sleep(for: .milliseconds(5)) }
                }
            }
            #expect(await eventually { holding.isSet })
            let first = Task { try await queue.enqueue((1...4).map { makeEvent($0) }) }
            #expect(await eventually { queue.pendingEvents == 4 })
            await #expect(throws: QueueError.overloaded(pending: 4, limit: 5)) {
                try await queue.enqueue([makeEvent(10), makeEvent(11)])
            }
            release.set()
            try await lock.value
            let firstResult = try await first.value
            #expect(firstResult.inserted == 4)
            let later = try await queue.enqueue([makeEvent(10), makeEvent(11)])
            #expect(later.inserted == 2, "room frees up once the server caught up")
        }
    }

    @Test(.enabled(if: Backend.postgresURL != nil)) func aCallPastItsTimeoutFailsAndMetasRetryStoresItOnce() async throws {
        try await withQueue(on: .postgres) { _, fixture in
            // Already migrated by the fixture's queue; the short timeout is for the enqueue below.
            let queue = try await PostgresQueue(configuration: PostgresQueueConfiguration(url: fixture.location.replacingOccurrences(of: "timeout=120", with: "timeout=1")),
                                                migrate: false)
            defer { try? queue.close() }
            let locker = try #require(try await fixture.open() as? PostgresQueue)
            defer { try? locker.close() }
            let holding = Flag(), release = Flag()
            let lock = Task {
                try await locker.transaction("hold") { connection in
                    try await connection.query("LOCK TABLE event IN EXCLUSIVE MODE", logger: locker.logger)
                    holding.set()
                    while !release.isSet { try await Task.sleep(for: .milliseconds(5)) }
                }
            }
            #expect(await eventually { holding.isSet })
            let started = ContinuousClock.now
            await #expect {
                _ = try await queue.enqueue([makeEvent(1)])
            } throws: { error in
                "\(error)".contains("enqueue timed out after 1.0 seconds")
            }
            #expect(ContinuousClock.now - started < .seconds(3), "the caller is answered at the deadline")
            release.set()
            try await lock.value
            // The timed-out call was cancelled; its insert may still have committed once the lock
            // was gone, or may have been rolled back. Either way Meta's retry of the body the
            // ingress answered 503 leaves the event stored exactly once.
            let retried = try await queue.enqueue([makeEvent(1)])
            #expect(retried.inserted + retried.duplicates == 1)
            let total = try await queue.stats().total
            #expect(total == 1)
        }
    }

    @Test func postgresIsTestedInCI() {
        // scripts/test.sh starts a cluster and sets the URL; in CI a missing one is a failure, not a skip.
        if ProcessInfo.processInfo.environment["CI"] == "true" {
            #expect(Backend.postgresURL != nil, "CHORUS_TEST_POSTGRES_URL is not set: the PostgreSQL half of the queue tests did not run")
        }
    }
}
