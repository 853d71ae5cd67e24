import Foundation

/// Exponential backoff with jitter for sends: attempt n waits base·2ⁿ⁻¹ capped, then a random
/// share between half and all of it (so many conversations do not retry in lockstep), and never
/// less than the server's `Retry-After`.
public struct RetrySchedule: Sendable {
    /// First delay in seconds.
    public var base: TimeInterval = 1
    /// Longest delay in seconds.
    public var cap: TimeInterval = 300
    /// Attempts before a transient failure is dead-lettered anyway.
    public var maxAttempts: Int = 12

    /// Creates a schedule.
    public init(base: TimeInterval = 1, cap: TimeInterval = 300, maxAttempts: Int = 12) {
        self.base = base
        self.cap = cap
        self.maxAttempts = maxAttempts
    }

    /// The delay before attempt `attempt + 1`, after `attempt` failures.
    public func delay(afterAttempt attempt: Int, retryAfter: TimeInterval?, random: Double = Double.random(in: 0...1)) -> TimeInterval {
        let exponential = min(cap, base * pow(2, Double(max(attempt - 1, 0))))
        let jittered = exponential * (0.5 + 0.5 * random)
        return max(jittered, retryAfter ?? 0)
    }
}
