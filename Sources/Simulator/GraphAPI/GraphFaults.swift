import Foundation

/// Misbehaviour the fake Graph API can play, to test retries, backoff and dead letters.
public struct GraphFaults: Sendable, Codable, Hashable {
    /// One scripted answer, used once, in order, before the random faults apply.
    public enum Scripted: Sendable, Codable, Hashable {
        /// HTTP 500 with a transient Graph error (code 2).
        case serverError
        /// HTTP 429 with `Retry-After` seconds and the platform's rate-limit code.
        case rateLimited(retryAfter: Int)
        /// HTTP 400 with this Graph error code (e.g. 131047, 190, 131026).
        case graphError(code: Int)
        /// Answer only after this many milliseconds.
        case slow(milliseconds: Int)
    }

    /// Share of message sends answered with 500.
    public var errorRate: Double = 0
    /// Share of message sends answered with 429.
    public var rateLimitRate: Double = 0
    /// `Retry-After` seconds on random 429s.
    public var retryAfterSeconds: Int = 1
    /// Extra latency on every answer, in milliseconds.
    public var latencyMilliseconds: Int = 0
    /// Share of sends that hang for `hangMilliseconds` (the client should time out).
    public var timeoutRate: Double = 0
    /// How long a hanging answer waits.
    public var hangMilliseconds: Int = 30_000
    /// Extra latency on media downloads (`/_media/…`), in milliseconds.
    public var mediaLatencyMilliseconds: Int = 0
    /// Answers to give next, in order, before the rates apply.
    public var script: [Scripted] = []

    /// No faults.
    public init() {}
}
