import Foundation

/// One durable queue as the whole server sees it, whatever stores it (SQLite file or PostgreSQL):
/// the ingress's `EventQueue`, the worker's `EventLeasing` and `ConversationStore`, the operator's
/// `QueueAdministration`, and the few calls the composition root and `/metrics` make beside those.
public protocol QueueBackend: EventQueue, EventLeasing, QueueAdministration, ConversationStore {
    /// Where the queue lives, safe to log (a URL's password is masked).
    var location: String { get }
    /// Hands back every event and send leased by `owner` (a restarted worker with a stable name).
    @discardableResult
    func releaseLeases(owner: String, now: Date) async throws -> (events: Int, sends: Int)
    /// Outbox counts by state (for stats and metrics).
    func outboxCounts() async throws -> [OutboxItem.State: Int]
    /// The note the assistant stored with an event (its answer and gate decisions, JSON).
    func note(eventID: Int64) async throws -> String?
    /// The note of the newest event carrying platform message id `messageID`.
    func note(messageID: String) async throws -> String?
    /// Applies the schema migrations not yet applied; returns their names (empty when up to date).
    @discardableResult
    func migrate() async throws -> [String]
    /// The names of the migrations applied so far, oldest first.
    func appliedMigrations() async throws -> [String]
    /// Releases the connections; later calls fail. Call it once callers are done.
    func close() throws
}
