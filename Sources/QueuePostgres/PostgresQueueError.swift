import PostgresNIO

/// A PostgreSQL failure as operators see it: what the queue was doing, the server's message and
/// SQLSTATE, or why the connection failed. Never holds the password (the location is masked).
public struct PostgresQueueError: Error, Sendable, CustomStringConvertible {
    /// What the queue was doing (`enqueue`, `lease`, `migrate`, …).
    public let operation: String
    /// The server's SQLSTATE, when the server answered.
    public let sqlState: String?
    /// One sentence.
    public let description: String

    /// An operation that did not finish within `limit`.
    init(timeout operation: String, after limit: Duration, location: String) {
        self.operation = operation
        sqlState = nil
        description = "PostgreSQL \(operation) timed out after \(limit) at \(location)"
    }

    /// A failure that is not the server's answer (pool, connection).
    init(_ operation: String, message: String, location: String) {
        self.operation = operation
        sqlState = nil
        description = "PostgreSQL \(operation) failed at \(location): \(message)"
    }

    /// Describes `error` raised while doing `operation` on the database at `location` (masked).
    init(_ operation: String, _ error: PSQLError, location: String) {
        self.operation = operation
        if let info = error.serverInfo {
            let state = info[.sqlState]
            sqlState = state
            let message = info[.message] ?? "error"
            let detail = info[.detail].map { " (\($0))" } ?? ""
            description = "PostgreSQL \(operation) failed at \(location): \(message)\(detail) [SQLSTATE \(state ?? "?")]"
        } else {
            sqlState = nil
            let underlying = error.underlying.map { ": \($0)" } ?? ""
            description = "PostgreSQL \(operation) failed at \(location): \(error.code)\(underlying)"
        }
    }
}
