import Foundation

/// How often a failing event is tried and how long it waits between tries.
///
/// The delay before try `n + 1` after `n` failed tries is `min(maxDelay, baseDelay × multiplier^(n-1))`:
/// with the defaults 5 s, 10 s, 20 s, … capped at 10 min; after `maxAttempts` tries the event is dead.
/// Deterministic on purpose (the state machine is pure); callers who want jitter add it to `now`.
public struct RetryPolicy: Sendable, Hashable {
    /// Tries (leases) an event gets before it is dead-lettered. At least 1.
    public var maxAttempts: Int
    /// The wait after the first failed try.
    public var baseDelay: TimeInterval
    /// The growth of the wait per further failed try.
    public var multiplier: Double
    /// The longest wait.
    public var maxDelay: TimeInterval

    /// Creates a policy; `maxAttempts` below 1 is treated as 1.
    public init(maxAttempts: Int = 8, baseDelay: TimeInterval = 5, multiplier: Double = 2, maxDelay: TimeInterval = 600) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = max(0, baseDelay)
        self.multiplier = max(1, multiplier)
        self.maxDelay = max(0, maxDelay)
    }

    /// The wait after `failedAttempts` failed tries (1 for the first failure).
    public func delay(afterAttempt failedAttempts: Int) -> TimeInterval {
        let exponent = Double(max(0, failedAttempts - 1))
        // pow overflows to +inf for large exponents; min() then caps it.
        return min(maxDelay, baseDelay * pow(multiplier, exponent))
    }
}
