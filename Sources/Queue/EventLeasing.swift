import ChorusCore
import Foundation

/// The worker's side of the queue: take events, one conversation at a time, and answer for them.
///
/// Order: within a conversation events are handed out one at a time, oldest first (by timestamp,
/// then by arrival), and the next one only once the previous is done or dead. A `retry` event
/// holds back its conversation until it succeeds or dies. Expired leases are handed out again,
/// so a crashed worker's events resume.
public protocol EventLeasing: Sendable {
    /// Leases up to `limit` events from `limit` distinct conversations, oldest first.
    ///
    /// With `kinds`, only those kinds are considered, and order is kept among those kinds only
    /// (so a worker for messages is not held back by receipts nobody leases).
    func lease(owner: String, now: Date, duration: TimeInterval, kinds: Set<InboundEvent.Kind>?, limit: Int) async throws -> [LeasedEvent]
    /// Extends a held lease to `now + duration`; throws `QueueError.rejected` if the lease was lost.
    func renew(id: Int64, owner: String, now: Date, duration: TimeInterval) async throws
    /// Marks a held event done; throws `QueueError.rejected` if the lease was lost.
    func complete(id: Int64, owner: String, now: Date) async throws
    /// Reports a failed try: retried after a backoff, or dead when `permanent` or out of attempts.
    func fail(id: Int64, owner: String, error: String, permanent: Bool, now: Date) async throws
}

extension EventLeasing {
    /// Leases the oldest available event whose conversation is free, or nil.
    public func lease(owner: String, now: Date = Date(), duration: TimeInterval,
                      kinds: Set<InboundEvent.Kind>? = nil) async throws -> LeasedEvent? {
        try await lease(owner: owner, now: now, duration: duration, kinds: kinds, limit: 1).first
    }

    /// Marks a held event done, now.
    public func complete(id: Int64, owner: String) async throws {
        try await complete(id: id, owner: owner, now: Date())
    }

    /// Reports a failed try, now.
    public func fail(id: Int64, owner: String, error: String, permanent: Bool = false) async throws {
        try await fail(id: id, owner: owner, error: error, permanent: permanent, now: Date())
    }
}
