import Foundation

/// A stored event's lifecycle, `queued → leased → done | retry | dead`, as a pure state machine.
///
/// No I/O and no clock: every event carries its `now`, and `handle` returns what to persist.
/// Modeled on async-http-client's `HTTP1ConnectionStateMachine`: the store owns the I/O and
/// only ever writes what an `Action` tells it, so each rule below is unit-tested without a database.
///
/// Rules:
/// - `lease` takes a `queued` or `retry` event whose `availableAt` has passed, counts one attempt,
///   and records owner and expiry. An expired lease must first be ended with `leaseExpired`.
/// - `complete` and `fail` need the lease's owner; a lease that expired but was not taken by another
///   worker still counts (the work was done).
/// - `fail` dead-letters a permanent error or the last allowed attempt, else schedules a retry
///   after the policy's backoff.
/// - `leaseExpired` (crash recovery) makes the event available at once, or dead when its attempts
///   are spent, so a poison event that crashes every worker stops after `maxAttempts`.
/// - `operatorRetry` brings a `dead` or `retry` event back to `queued` with fresh attempts.
public struct JobStateMachine: Sendable {
    /// Something that happens to a job.
    public enum Event: Sendable, Hashable {
        /// A worker asks for the job for `duration` seconds.
        case lease(owner: String, now: Date, duration: TimeInterval)
        /// The lease holder extends its lease to `now + duration` (long generations).
        case renew(owner: String, now: Date, duration: TimeInterval)
        /// The lease holder finished the job.
        case complete(owner: String, now: Date)
        /// The lease holder failed; `permanent` errors are not retried.
        case fail(owner: String, error: String, permanent: Bool, now: Date)
        /// The lease ran out without an answer (the worker crashed or hung).
        case leaseExpired(now: Date)
        /// An operator asks for another round of tries.
        case operatorRetry(now: Date)
    }

    /// What a transition did, beyond the new fields: for logs, metrics and callers.
    public enum Effect: Sendable, Hashable {
        /// Leased for try number `attempt`, until `expiresAt`.
        case leased(attempt: Int, expiresAt: Date)
        /// The lease now runs until `expiresAt`.
        case renewed(expiresAt: Date)
        /// Done.
        case completed
        /// Will be tried again after `delay` seconds, at `availableAt`.
        case scheduledRetry(delay: TimeInterval, availableAt: Date)
        /// Dead-lettered, with the reason kept as `lastError`.
        case deadLettered(reason: String)
        /// An expired lease was ended; available again at once.
        case released
        /// An operator put it back in the queue.
        case requeued
    }

    /// Why an event does not apply to the job as it is.
    public enum Rejection: Error, Sendable, Hashable {
        /// Only `queued` and `retry` jobs are leased (an expired lease needs `leaseExpired` first).
        case notLeasable(JobState)
        /// A `retry` (or requeued) job's backoff has not passed.
        case notYetAvailable(until: Date)
        /// `renew`, `complete`, `fail` or `leaseExpired` on a job that is not leased.
        case notLeased(JobState)
        /// The lease belongs to another worker (ours expired and was taken over).
        case leaseLost(currentOwner: String?)
        /// `leaseExpired` before the lease's end.
        case leaseNotExpired(until: Date)
        /// `operatorRetry` on a job that is not `dead` or `retry`.
        case notRetryable(JobState)
    }

    /// What the caller must do.
    public enum Action: Sendable, Hashable {
        /// Persist `job` (the new fields, already applied to the machine); `effect` says what happened.
        case update(Job, Effect)
        /// Change nothing.
        case reject(Rejection)
    }

    /// The job's current fields.
    public private(set) var job: Job
    /// Attempts and backoff.
    public let policy: RetryPolicy

    /// Starts from a job's stored fields.
    public init(job: Job, policy: RetryPolicy = RetryPolicy()) {
        self.job = job
        self.policy = policy
    }

    /// Applies `event`; on `.update` the machine's `job` is the new fields.
    public mutating func handle(_ event: Event) -> Action {
        let action = Self.transition(job, on: event, policy: policy)
        if case .update(let next, _) = action { job = next }
        return action
    }

    /// The transition table: the action for `event` on `job`, without mutating anything.
    public static func transition(_ job: Job, on event: Event, policy: RetryPolicy) -> Action {
        switch event {
        case .lease(let owner, let now, let duration):
            guard job.state == .queued || job.state == .retry else { return .reject(.notLeasable(job.state)) }
            guard job.availableAt <= now else { return .reject(.notYetAvailable(until: job.availableAt)) }
            var next = job
            next.state = .leased
            next.attempts += 1
            next.leaseOwner = owner
            next.leasedAt = now
            next.leaseExpiresAt = now.addingTimeInterval(max(0, duration))
            return .update(next, .leased(attempt: next.attempts, expiresAt: next.leaseExpiresAt!))

        case .renew(let owner, let now, let duration):
            if let rejection = Self.checkHolder(job, owner) { return .reject(rejection) }
            var next = job
            next.leaseExpiresAt = now.addingTimeInterval(max(0, duration))
            return .update(next, .renewed(expiresAt: next.leaseExpiresAt!))

        case .complete(let owner, _):
            if let rejection = Self.checkHolder(job, owner) { return .reject(rejection) }
            var next = job.clearingLease()
            next.state = .done
            return .update(next, .completed)

        case .fail(let owner, let error, let permanent, let now):
            if let rejection = Self.checkHolder(job, owner) { return .reject(rejection) }
            var next = job.clearingLease()
            if permanent {
                next.state = .dead
                next.lastError = error
                return .update(next, .deadLettered(reason: error))
            }
            if job.attempts >= policy.maxAttempts {
                let reason = "\(error) (gave up after \(job.attempts) attempts)"
                next.state = .dead
                next.lastError = reason
                return .update(next, .deadLettered(reason: reason))
            }
            let delay = policy.delay(afterAttempt: job.attempts)
            next.state = .retry
            next.lastError = error
            next.availableAt = now.addingTimeInterval(delay)
            return .update(next, .scheduledRetry(delay: delay, availableAt: next.availableAt))

        case .leaseExpired(let now):
            guard job.state == .leased else { return .reject(.notLeased(job.state)) }
            let expiresAt = job.leaseExpiresAt ?? .distantPast
            guard expiresAt <= now else { return .reject(.leaseNotExpired(until: expiresAt)) }
            let owner = job.leaseOwner ?? "?"
            var next = job.clearingLease()
            if job.attempts >= policy.maxAttempts {
                let reason = "lease of \(owner) expired on the last of \(job.attempts) attempts"
                next.state = .dead
                next.lastError = reason
                return .update(next, .deadLettered(reason: reason))
            }
            next.state = .queued
            next.availableAt = now
            next.lastError = "lease of \(owner) expired"
            return .update(next, .released)

        case .operatorRetry(let now):
            guard job.state == .dead || job.state == .retry else { return .reject(.notRetryable(job.state)) }
            var next = job.clearingLease()
            next.state = .queued
            next.attempts = 0
            next.availableAt = now
            return .update(next, .requeued)
        }
    }

    /// Nil when `owner` holds `job`'s lease, else why not.
    private static func checkHolder(_ job: Job, _ owner: String) -> Rejection? {
        guard job.state == .leased else { return .notLeased(job.state) }
        guard job.leaseOwner == owner else { return .leaseLost(currentOwner: job.leaseOwner) }
        return nil
    }
}
