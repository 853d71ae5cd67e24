import ChorusCore
import Foundation

/// An event as the queue holds it: the normalized event plus its lifecycle.
public struct StoredEvent: Sendable, Hashable, Identifiable {
    /// The queue's id for the event (stable, never reused).
    public var id: Int64
    /// The normalized event, `raw` included.
    public var event: InboundEvent
    /// Its lifecycle fields.
    public var job: Job
    /// When the queue first stored it.
    public var createdAt: Date
    /// When its lifecycle last changed.
    public var updatedAt: Date

    /// Creates a stored event.
    public init(id: Int64, event: InboundEvent, job: Job, createdAt: Date, updatedAt: Date) {
        self.id = id
        self.event = event
        self.job = job
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// An event a worker holds until `expiresAt`; answer with `complete` or `fail` (or `renew` first).
public struct LeasedEvent: Sendable, Hashable, Identifiable {
    /// The queue's id for the event: pass it back to `complete`, `fail`, `renew`.
    public var id: Int64
    /// The normalized event, `raw` included.
    public var event: InboundEvent
    /// Which try this is, from 1.
    public var attempt: Int
    /// The worker that holds the lease.
    public var owner: String
    /// When the lease runs out and the event goes back to the queue.
    public var expiresAt: Date
    /// Why the previous try failed, if one did.
    public var lastError: String?

    /// Creates a leased event.
    public init(id: Int64, event: InboundEvent, attempt: Int, owner: String, expiresAt: Date, lastError: String? = nil) {
        self.id = id
        self.event = event
        self.attempt = attempt
        self.owner = owner
        self.expiresAt = expiresAt
        self.lastError = lastError
    }
}
