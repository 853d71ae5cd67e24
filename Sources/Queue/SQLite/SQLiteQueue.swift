import ChorusCore
import Foundation
import GRDB
import Logging

/// The durable queue on one SQLite file (GRDB `DatabasePool`, WAL, `synchronous = FULL`).
///
/// `enqueue` returns only after its events are on disk; concurrent calls share one transaction
/// (see `GroupCommitter`), each request in its own savepoint so that one bad request fails alone. Leasing, completion and the operator's calls are small transactions on
/// the same single writer; reads run beside it (WAL).
public final class SQLiteQueue: QueueBackend {
    /// How the queue behaves.
    public struct Configuration: Sendable {
        /// Events accepted but not yet on disk; past it `enqueue` throws `QueueError.overloaded`.
        public var maxPendingEvents: Int
        /// How long a write waits for a lock held by another process before failing.
        public var busyTimeout: TimeInterval
        /// Attempts and backoff for failing events.
        public var retryPolicy: RetryPolicy
        /// Whether to create the file when missing; when false, a missing file throws `QueueError.databaseNotFound`.
        public var createIfMissing: Bool
        /// The time source for what the caller does not date itself (`created_at`, `updated_at`).
        public var clock: @Sendable () -> Date
        /// WAL pages (4 KiB) written before a commit also checkpoints; the WAL grows to about this size.
        public var walAutocheckpointPages: Int
        /// Whether opening applies pending migrations (`chorus queue migrate` opens without, to report them).
        public var migrateOnOpen = true

        /// Creates a configuration; the defaults suit the server.
        public init(maxPendingEvents: Int = 10_000, busyTimeout: TimeInterval = 5, retryPolicy: RetryPolicy = RetryPolicy(),
                    createIfMissing: Bool = true, clock: @escaping @Sendable () -> Date = { Date() },
                    walAutocheckpointPages: Int = 4000) {
            self.maxPendingEvents = maxPendingEvents
            self.busyTimeout = busyTimeout
            self.retryPolicy = retryPolicy
            self.createIfMissing = createIfMissing
            self.clock = clock
            self.walAutocheckpointPages = walAutocheckpointPages
        }
    }

    /// The database file.
    public let path: String
    /// The database file (a path has no secret to mask).
    public var location: String { path }
    /// How the queue behaves.
    public let configuration: Configuration
    let dbPool: DatabasePool
    let logger: Logger
    private let committer: GroupCommitter<EventRow.Insert, Result<EnqueueResult, any Error>>

    /// Opens (or creates) the queue at `path` and migrates its schema.
    public init(path: String, configuration: Configuration = Configuration(),
                logger: Logger = Logger(label: "chorus.queue")) throws {
        if !configuration.createIfMissing, !FileManager.default.fileExists(atPath: path) {
            throw QueueError.databaseNotFound(path: path)
        }
        var config = GRDB.Configuration()
        config.label = "chorus.queue"
        config.busyMode = .timeout(configuration.busyTimeout)
        let dbPool = try DatabasePool(path: path, configuration: config)
        try dbPool.writeWithoutTransaction { db in
            // FULL makes every commit fsync the WAL: an event acknowledged to Meta survives power
            // loss, not only a crash of this process. Set after opening because GRDB's WAL setup
            // switches the writer to NORMAL (GRDB `Database.setUpWALMode`); the writer is one
            // long-lived connection, so this holds for every later commit.
            try db.execute(sql: "PRAGMA synchronous = FULL")
            // A checkpoint runs inside the commit that crosses the threshold and stalls every
            // caller of its group; SQLite's default (1000 pages) cost about a third of the enqueue
            // benchmark's throughput. A larger WAL checkpoints less often and copies each hot
            // index page once per checkpoint; the size limit trims the file back afterwards.
            let pages = max(1, configuration.walAutocheckpointPages)
            try db.execute(sql: "PRAGMA wal_autocheckpoint = \(pages)")
            try db.execute(sql: "PRAGMA journal_size_limit = \(Int64(pages) * 4096 * 2)")
        }
        if configuration.migrateOnOpen { try Self.migrator.migrate(dbPool) }

        self.path = path
        self.configuration = configuration
        self.dbPool = dbPool
        self.logger = logger
        let clock = configuration.clock
        self.committer = GroupCommitter(limit: configuration.maxPendingEvents) { groups in
            try await dbPool.write { db in try EventRow.insert(groups, now: clock(), db: db) }
        }
    }

    /// Closes the database; later calls fail. Waits for nothing: call it once writers are done.
    public func close() throws {
        try dbPool.close()
    }

    /// Events accepted by `enqueue` and not yet acknowledged (for metrics).
    public var pendingEvents: Int { committer.pendingItems }

    /// Transactions `enqueue` has run so far; each holds every request that waited (for metrics).
    public var groupCommits: Int { committer.commits }

    // MARK: EventQueue

    /// Durably stores the events of one webhook body, all or none, deduplicated by `dedupKey`.
    ///
    /// Throws `QueueError.overloaded` at once when too many events wait for the disk.
    public func enqueue(_ events: [InboundEvent]) async throws -> EnqueueResult {
        guard !events.isEmpty else { return EnqueueResult(inserted: 0, duplicates: 0) }
        // Encode here, in the caller's task, so the single writer only binds and inserts.
        let rows = events.map(EventRow.Insert.init)
        do {
            // The outer error: the shared transaction failed (nobody in the group is acknowledged);
            // the inner one: this request's own inserts failed and were rolled back alone.
            return try await committer.submit(rows).get()
        } catch let error as QueueError {
            // Debug only: under overload this fires per request, and the caller answers 503 and logs.
            logger.debug("enqueue refused", metadata: ["error": "\(error)"])
            throw error
        } catch {
            logger.error("enqueue failed; nothing acknowledged", metadata: ["events": "\(events.count)", "error": "\(error)"])
            throw error
        }
    }

    /// Durably keeps a signed body we could not decode, with the reason.
    public func quarantine(platform: Platform, body: [UInt8], reason: String) async throws {
        let now = configuration.clock().millis
        try await dbPool.write { db in
            try db.execute(
                sql: "INSERT INTO quarantine (platform, received_at, reason, body) VALUES (?, ?, ?, ?)",
                arguments: [platform.rawValue, now, reason, Data(body)])
        }
    }
}

extension Date {
    /// Milliseconds since 1970, as the schema stores times.
    var millis: Int64 { Int64((timeIntervalSince1970 * 1000).rounded()) }

    /// The date `millis` milliseconds after 1970.
    init(millis: Int64) { self.init(timeIntervalSince1970: TimeInterval(millis) / 1000) }
}
