import ChorusCore
import Foundation

/// Paces sends per platform with a token bucket, so a burst of replies stays under each
/// platform's send rate (WhatsApp Cloud API: 80 messages/s per number by default; Messenger and
/// Instagram: a few hundred calls/s per page). Rate-limit answers (130429, 613) are still retried
/// with backoff; this keeps us from provoking them.
public actor SendRateLimiter {
    private struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }

    /// Sends per second allowed per platform (absent: unlimited).
    public let rates: [Platform: Double]
    /// How many sends may go at once after a quiet period.
    public let burst: Double
    private var buckets: [Platform: Bucket] = [:]

    /// The defaults: WhatsApp 80/s, Messenger 200/s, Instagram 100/s.
    public static let defaultRates: [Platform: Double] = [.whatsapp: 80, .messenger: 200, .instagram: 100]

    /// Creates a limiter.
    public init(rates: [Platform: Double] = SendRateLimiter.defaultRates, burst: Double = 10) {
        self.rates = rates.filter { $0.value > 0 }
        self.burst = max(1, burst)
    }

    /// Waits until a send on `platform` is allowed, and takes its token.
    public func acquire(_ platform: Platform) async {
        guard let rate = rates[platform] else { return }
        while true {
            let now = ContinuousClock.now
            var bucket = buckets[platform] ?? Bucket(tokens: burst, updated: now)
            let elapsed = Double((now - bucket.updated).components.attoseconds) / 1e18 + Double((now - bucket.updated).components.seconds)
            bucket.tokens = min(burst, bucket.tokens + elapsed * rate)
            bucket.updated = now
            if bucket.tokens >= 1 {
                bucket.tokens -= 1
                buckets[platform] = bucket
                return
            }
            buckets[platform] = bucket
            try? await Task.sleep(for: .milliseconds(max(1, Int((1 - bucket.tokens) / rate * 1000))))
        }
    }
}
