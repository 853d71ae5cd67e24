import Foundation
import Logging
import Queue
import QueuePostgres

/// Opens the queue named by `--database` / `CHORUS_DATABASE`: the composition root's one choice of
/// backend, so everything else holds an `any QueueBackend`.
enum QueueBackends {
    /// Opens the queue at `location`: a SQLite path or `sqlite:PATH`, or a `postgres://` URL.
    ///
    /// With `migrate` the schema is brought up to date first (what `serve` does). With
    /// `createIfMissing` false nothing is created: a missing SQLite file, or a PostgreSQL database
    /// without the queue's schema, is an error (a typo must not yield an empty queue).
    static func open(_ location: String, createIfMissing: Bool = true, migrate: Bool = true,
                     logger: Logger = Logger(label: "chorus.queue")) async throws -> any QueueBackend {
        switch try QueueLocation(location) {
        case .sqlite(let path):
            var configuration = SQLiteQueue.Configuration(createIfMissing: createIfMissing)
            configuration.migrateOnOpen = migrate
            return try SQLiteQueue(path: path, configuration: configuration, logger: logger)
        case .postgres(let url):
            let queue = try await PostgresQueue(configuration: PostgresQueueConfiguration(url: url),
                                                migrate: migrate && createIfMissing, logger: logger)
            if !createIfMissing, try await queue.appliedMigrations().isEmpty {
                try? queue.close()
                throw QueueLocationError(
                    "no Chorus queue in \(queue.location): run `chorus queue migrate --database URL` or start `chorus serve` on it first")
            }
            return queue
        }
    }
}
