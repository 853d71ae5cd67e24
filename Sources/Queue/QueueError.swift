/// Errors the queue reports to its callers.
public enum QueueError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Too many events wait for the disk; the ingress answers 503 so Meta retries later.
    case overloaded(pending: Int, limit: Int)
    /// No database file at this path (opened with `createIfMissing: false`).
    case databaseNotFound(path: String)
    /// No event with this id.
    case eventNotFound(id: Int64)
    /// A lifecycle event does not apply to the event's current state (see `JobStateMachine`).
    case rejected(id: Int64, JobStateMachine.Rejection)
    /// A stored row could not be read back (corrupt JSON, unknown state).
    case corruptRow(id: Int64, reason: String)

    /// A sentence for logs and the command line.
    public var description: String {
        switch self {
        case .overloaded(let pending, let limit):
            "queue overloaded: \(pending) events waiting to be written (limit \(limit)); retry later"
        case .databaseNotFound(let path):
            "no queue database at \(path); pass --database PATH or set CHORUS_DATABASE"
        case .eventNotFound(let id):
            "no event with id \(id); `chorus queue list` shows the ids"
        case .rejected(let id, let rejection):
            "event \(id): \(rejection)"
        case .corruptRow(let id, let reason):
            "event \(id) cannot be read: \(reason)"
        }
    }
}
