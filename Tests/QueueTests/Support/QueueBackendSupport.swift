import ChorusCore
import Foundation
import PostgresNIO
import Testing
@testable import Queue
@testable import QueuePostgres

/// The backends the shared queue tests run on: SQLite always, PostgreSQL when
/// `CHORUS_TEST_POSTGRES_URL` names a server (`scripts/test.sh` starts one; see `scripts/postgres.sh`).
enum Backend: String, Sendable, CaseIterable, CustomTestStringConvertible {
    case sqlite
    case postgres

    /// The PostgreSQL server for tests, if any.
    static var postgresURL: String? {
        ProcessInfo.processInfo.environment["CHORUS_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The backends this run can test.
    static var available: [Backend] { postgresURL == nil ? [.sqlite] : [.sqlite, .postgres] }

    var testDescription: String { rawValue }
}

/// What a shared test sets on its queue, whatever the backend.
struct QueueSettings: Sendable {
    var retryPolicy = RetryPolicy()
    var maxPendingEvents = 10_000
    var clock: @Sendable () -> Date = { Date() }
}

/// A fresh, empty queue of one backend: a SQLite file in a temporary folder, or a PostgreSQL
/// schema of its own (so tests run in parallel on one server).
final class QueueFixture: Sendable {
    let backend: Backend
    let settings: QueueSettings
    /// The SQLite file or the PostgreSQL URL (with `schema=`).
    let location: String
    private let directory: TemporaryDirectory?

    init(_ backend: Backend, settings: QueueSettings = QueueSettings()) throws {
        self.backend = backend
        self.settings = settings
        switch backend {
        case .sqlite:
            let directory = try TemporaryDirectory()
            self.directory = directory
            location = directory.path("queue.sqlite")
        case .postgres:
            let url = try #require(Backend.postgresURL, "CHORUS_TEST_POSTGRES_URL is not set")
            directory = nil
            location = Self.url(url, schema: "t" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased())
        }
    }

    /// `url` with `schema`, a small pool and a generous call timeout set in its query (the whole
    /// suite runs in parallel on 2 cores: the server and the test process starve at times).
    static func url(_ url: String, schema: String, pool: Int = 4) -> String {
        url + (url.contains("?") ? "&" : "?") + "schema=\(schema)&pool=\(pool)&timeout=120"
    }

    /// Opens (another connection to) the queue; each call is like another process.
    func open() async throws -> any QueueBackend {
        switch backend {
        case .sqlite:
            return try SQLiteQueue(path: location, configuration: SQLiteQueue.Configuration(
                maxPendingEvents: settings.maxPendingEvents, retryPolicy: settings.retryPolicy, clock: settings.clock))
        case .postgres:
            let configuration = try PostgresQueueConfiguration(
                url: location, maxPendingEvents: settings.maxPendingEvents, retryPolicy: settings.retryPolicy, clock: settings.clock)
            return try await PostgresQueue(configuration: configuration)
        }
    }

    /// Makes the insert of dedup key `poison` fail (a trigger), standing in for a failing write.
    func installPoison(_ queue: any QueueBackend) async throws {
        switch queue {
        case let queue as SQLiteQueue:
            try await queue.dbPool.write { db in
                try db.execute(sql: """
                    CREATE TEMP TRIGGER poison BEFORE INSERT ON main.event WHEN NEW.dedup_key = 'poison'
                    BEGIN SELECT RAISE(ABORT, 'poisoned'); END
                    """)
            }
        case let queue as PostgresQueue:
            try await queue.run("""
                CREATE FUNCTION poison() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN IF NEW.dedup_key = 'poison' THEN RAISE EXCEPTION 'poisoned'; END IF; RETURN NEW; END $$
                """)
            try await queue.run("CREATE TRIGGER poison BEFORE INSERT ON event FOR EACH ROW EXECUTE FUNCTION poison()")
        default:
            Issue.record("unknown backend \(type(of: queue))")
        }
    }

    /// Deletes the file or drops the schema.
    func remove() async {
        switch backend {
        case .sqlite:
            directory?.remove()
        case .postgres:
            guard let queue = try? await open() as? PostgresQueue else { return }
            try? await queue.dropSchema()
            try? queue.close()
        }
    }
}

/// Runs `body` with a fresh queue of `backend`, then closes and deletes it.
func withQueue<T>(on backend: Backend, _ settings: QueueSettings = QueueSettings(),
                  _ body: (any QueueBackend, QueueFixture) async throws -> T) async throws -> T {
    let fixture = try QueueFixture(backend, settings: settings)
    let queue = try await fixture.open()
    do {
        let result = try await body(queue, fixture)
        try? queue.close()
        await fixture.remove()
        return result
    } catch {
        try? queue.close()
        await fixture.remove()
        throw error
    }
}

extension PostgresQueue {
    /// Runs one SQL statement in the queue's schema (tests: triggers, locks).
    func run(_ sql: String) async throws {
        try await execute("test statement") { connection in
            try await connection.query(PostgresQuery(unsafeSQL: sql), logger: self.logger)
        }
    }
}
