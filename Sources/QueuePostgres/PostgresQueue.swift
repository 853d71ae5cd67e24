import ChorusCore
import Foundation
import Logging
import PostgresNIO
import Queue
import Synchronization

/// The durable queue on a PostgreSQL server: any number of `chorus serve` processes, on any number
/// of hosts, share it safely.
///
/// The same semantics as `SQLiteQueue`: `enqueue` is one transaction per call (all or none) and
/// deduplicates with `INSERT … ON CONFLICT (dedup_key) DO NOTHING`; leasing walks conversation heads
/// with `FOR UPDATE SKIP LOCKED` and takes a per-conversation advisory lock before re-checking the
/// head, so two leasers (threads or hosts) never hold two events of one conversation at once (see
/// `PostgresQueue+Leasing.swift`); lifecycles go through `JobStateMachine`. Times are integer
/// milliseconds like SQLite's. Connections come from one `PostgresClient` pool per instance.
public final class PostgresQueue: QueueBackend {
    /// How the queue connects and behaves.
    public let configuration: PostgresQueueConfiguration
    /// The URL with its password masked.
    public var location: String { configuration.description }
    let client: PostgresClient
    let logger: Logger
    private let runTask: Task<Void, Never>
    private let pending = Mutex(0)

    /// Connects to the server named by `configuration` and, unless `migrate` is false, brings the
    /// schema up to date (`migrate()`). Throws a `PostgresQueueError` (password masked) when the
    /// server cannot be reached.
    public init(configuration: PostgresQueueConfiguration, migrate: Bool = true,
                logger: Logger = Logger(label: "chorus.queue")) async throws {
        self.configuration = configuration
        self.logger = logger
        let client = PostgresClient(configuration: configuration.client, backgroundLogger: logger)
        self.client = client
        self.runTask = Task { await client.run() }
        do {
            try await Self.probe(configuration, logger: logger)
            if migrate {
                let applied = try await self.migrate()
                if !applied.isEmpty {
                    logger.notice("queue schema migrated", metadata: ["database": "\(location)", "applied": "\(applied)"])
                }
            } else {
                _ = try await appliedMigrations()
            }
        } catch {
            runTask.cancel()
            throw error
        }
    }

    /// Parses `url` and connects (see `init(configuration:migrate:logger:)`).
    public convenience init(url: String, migrate: Bool = true, logger: Logger = Logger(label: "chorus.queue")) async throws {
        try await self.init(configuration: PostgresQueueConfiguration(url: url), migrate: migrate, logger: logger)
    }

    deinit { runTask.cancel() }

    /// Closes the pool's connections; later calls fail.
    public func close() throws {
        runTask.cancel()
    }

    /// Events inside `enqueue` calls not yet committed (for metrics).
    public var pendingEvents: Int { pending.withLock { $0 } }

    // MARK: EventQueue

    /// Durably stores the events of one webhook body in one transaction, all or none,
    /// deduplicated by `dedupKey`. Throws `QueueError.overloaded` at once when too many events are
    /// being written.
    public func enqueue(_ events: [InboundEvent]) async throws -> EnqueueResult {
        guard !events.isEmpty else { return EnqueueResult(inserted: 0, duplicates: 0) }
        let limit = configuration.maxPendingEvents
        let admitted: Int? = pending.withLock { count in
            if count > 0, count + events.count > limit { return count }
            count += events.count
            return nil
        }
        if let waiting = admitted { throw QueueError.overloaded(pending: waiting, limit: limit) }
        defer { pending.withLock { $0 -= events.count } }
        let rows = events.map(PostgresEventRow.Insert.init)
        let now = configuration.clock().millis
        do {
            let inserted = try await transaction("enqueue") { connection in
                var inserted = 0
                for row in rows {
                    let ids = try await connection.query(row.query(now: now), logger: self.logger).collect()
                    inserted += ids.count
                }
                return inserted
            }
            return EnqueueResult(inserted: inserted, duplicates: events.count - inserted)
        } catch {
            logger.error("enqueue failed; nothing acknowledged", metadata: ["events": "\(events.count)", "error": "\(error)"])
            throw error
        }
    }

    /// Durably keeps a signed body we could not decode, with the reason.
    public func quarantine(platform: Platform, body: [UInt8], reason: String) async throws {
        let now = configuration.clock().millis
        let bytes = Data(body)
        try await execute("quarantine") { connection in
            try await connection.query("""
                INSERT INTO quarantine (platform, received_at, reason, body)
                VALUES (\(platform.rawValue), \(now), \(reason.withoutNUL), \(bytes))
                """, logger: self.logger)
        }
    }

    // MARK: Connections

    /// Connects once, outside the pool, and runs `SELECT 1`: a wrong password, a missing database
    /// or an unreachable server fails here with the server's own reason.
    static func probe(_ configuration: PostgresQueueConfiguration, logger: Logger) async throws {
        do {
            let connection = try await PostgresConnection.connect(configuration: configuration.probe, id: 0, logger: logger)
            defer { Task { try? await connection.close() } }
            try await connection.query("SELECT 1", logger: logger)
        } catch let error as PSQLError {
            throw PostgresQueueError("connect", error, location: configuration.description)
        }
    }

    /// Runs `body` on a pooled connection inside BEGIN … COMMIT (ROLLBACK when it throws); errors
    /// from the server become `PostgresQueueError`s naming `what`, others pass through unchanged.
    @discardableResult
    func transaction<T: Sendable>(_ what: String, timeout: Duration? = nil,
                                  _ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        try await execute(what, timeout: timeout) { connection in
            try await connection.query("BEGIN", logger: self.logger)
            do {
                let value = try await body(connection)
                try await connection.query("COMMIT", logger: self.logger)
                return value
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: self.logger)
                throw error
            }
        }
    }

    /// Runs `body` on a pooled connection, translating server errors (see `transaction`), within
    /// `operationTimeout`: while the server is down the pool would otherwise hold callers until
    /// its circuit breaker trips (about a minute), and Meta's webhook would wait as long.
    /// `timeout` replaces it for the rare long calls (migrations).
    @discardableResult
    func execute<T: Sendable>(_ what: String, timeout: Duration? = nil,
                              _ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        let client = self.client, location = self.location, limit = timeout ?? configuration.operationTimeout
        return try await withDeadline(limit, onTimeout: { PostgresQueueError(timeout: what, after: limit, location: location) }) {
            do {
                return try await client.withConnection { connection in try await body(connection) }
            } catch let error as PSQLError {
                throw PostgresQueueError(what, error, location: location)
            } catch let error as PostgresTransactionError {
                throw PostgresQueueError(what, message: "\(error)", location: location)
            } catch let error as QueueError {
                throw error
            } catch let error as PostgresQueueError {
                throw error
            } catch {
                throw PostgresQueueError(what, message: Self.describe(error), location: location)
            }
        }
    }

    /// A pool or connection failure as one line (postgres-nio's own descriptions are generic on purpose).
    static func describe(_ error: any Error) -> String {
        let text = String(describing: error)
        if text.contains("connectionCreationCircuitBreakerTripped") { return "the server cannot be reached (the pool gave up connecting for now)" }
        if text.contains("poolShutdown") { return "the queue is closed" }
        return text
    }
}

extension Date {
    /// Milliseconds since 1970, as the schema stores times.
    var millis: Int64 { Int64((timeIntervalSince1970 * 1000).rounded()) }

    /// The date `millis` milliseconds after 1970.
    init(millis: Int64) { self.init(timeIntervalSince1970: TimeInterval(millis) / 1000) }
}

extension String {
    /// The text without NUL characters, which PostgreSQL's `text` cannot hold (JSON columns keep
    /// them escaped, so nothing the queue reads back is lost).
    var withoutNUL: String { contains("\u{0}") ? replacingOccurrences(of: "\u{0}", with: "") : self }
}
