import Foundation

/// The lifecycle fields of one stored event: everything `JobStateMachine` reads and writes.
///
/// Backend-neutral: a store loads these columns, lets the machine decide, and writes them back.
public struct Job: Sendable, Hashable {
    /// Where the event is in its life.
    public var state: JobState
    /// Leases taken so far (each lease is one try); reset by an operator's retry.
    public var attempts: Int
    /// The worker holding the lease, while leased.
    public var leaseOwner: String?
    /// When the current lease was taken, while leased.
    public var leasedAt: Date?
    /// When the current lease runs out, while leased.
    public var leaseExpiresAt: Date?
    /// The earliest time the event may be leased (a retry's backoff).
    public var availableAt: Date
    /// Why the last try failed, or why the event is dead.
    public var lastError: String?

    /// Creates the fields; a new event is `Job(availableAt: receivedAt)`.
    public init(state: JobState = .queued, attempts: Int = 0, leaseOwner: String? = nil, leasedAt: Date? = nil,
                leaseExpiresAt: Date? = nil, availableAt: Date, lastError: String? = nil) {
        self.state = state
        self.attempts = attempts
        self.leaseOwner = leaseOwner
        self.leasedAt = leasedAt
        self.leaseExpiresAt = leaseExpiresAt
        self.availableAt = availableAt
        self.lastError = lastError
    }

    /// Whether a worker may lease it at `now` (ignoring its conversation's order).
    public func isLeasable(at now: Date) -> Bool {
        switch state {
        case .queued, .retry: availableAt <= now
        case .leased: (leaseExpiresAt ?? .distantPast) <= now
        case .done, .dead: false
        }
    }

    /// The same fields with the lease cleared.
    func clearingLease() -> Job {
        var job = self
        job.leaseOwner = nil
        job.leasedAt = nil
        job.leaseExpiresAt = nil
        return job
    }
}
