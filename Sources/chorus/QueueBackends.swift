import Foundation
import Logging
import Queue

/// Opens the queue named by `--database` / `CHORUS_DATABASE`: the composition root's one choice of
/// backend, so everything else holds an `any QueueBackend`.
enum QueueBackends {
    /// Opens (and migrates) the queue at `location`: a SQLite path or `sqlite:PATH`, or a
    /// `postgres://` URL. With `createIfMissing` false a missing SQLite file is an error.
    static func open(_ location: String, createIfMissing: Bool = true,
                     logger: Logger = Logger(label: "chorus.queue")) async throws -> any QueueBackend {
        switch try QueueLocation(location) {
        case .sqlite(let path):
            return try SQLiteQueue(path: path, configuration: SQLiteQueue.Configuration(createIfMissing: createIfMissing),
                                   logger: logger)
        case .postgres:
            throw QueueLocationError("this build has no PostgreSQL queue backend")
        }
    }
}
