import Foundation

/// The operator's side of the queue: look, retry, clean up, and check health.
public protocol QueueAdministration: Sendable {
    /// Counts by state, ages of the oldest waiting event and lease, quarantine size.
    func stats(now: Date) async throws -> QueueStats
    /// Events in `state` (all when nil), in queue order (by id), paged.
    func list(state: JobState?, limit: Int, offset: Int) async throws -> [StoredEvent]
    /// One event, or nil.
    func event(id: Int64) async throws -> StoredEvent?
    /// Puts a `dead` or `retry` event back in the queue with fresh attempts, available now.
    func retry(id: Int64, now: Date) async throws
    /// Deletes events in `states` last changed before `olderThan`, and quarantined bodies
    /// received before it when `quarantine` is set.
    ///
    /// Purged events lose their dedup key: keep at least Meta's retry window (7 days).
    func purge(states: Set<JobState>, olderThan: Date, quarantine: Bool) async throws -> PurgeResult
    /// Quarantined bodies, newest first, paged.
    func quarantined(limit: Int, offset: Int) async throws -> [QuarantinedBody]
    /// Whether the queue can take a write lock now (for `/readyz`); never throws.
    func isWritable() async -> Bool
}

extension QueueAdministration {
    /// A snapshot as of now.
    public func stats() async throws -> QueueStats {
        try await stats(now: Date())
    }

    /// Retries now.
    public func retry(id: Int64) async throws {
        try await retry(id: id, now: Date())
    }

    /// Deletes `done` events last changed before `olderThan`.
    public func purge(olderThan: Date) async throws -> PurgeResult {
        try await purge(states: [.done], olderThan: olderThan, quarantine: false)
    }
}
