import Queue
import Testing

@Suite struct RetryPolicyTests {
    @Test func delaysGrowExponentiallyUpToTheCap() {
        let policy = RetryPolicy(maxAttempts: 10, baseDelay: 5, multiplier: 2, maxDelay: 60)
        #expect((1...6).map { policy.delay(afterAttempt: $0) } == [5, 10, 20, 40, 60, 60])
    }

    @Test func hugeAttemptCountsStayCapped() {
        let policy = RetryPolicy(maxAttempts: 10, baseDelay: 5, multiplier: 2, maxDelay: 600)
        #expect(policy.delay(afterAttempt: 10_000) == 600)
    }

    @Test func nonsenseSettingsAreClamped() {
        let policy = RetryPolicy(maxAttempts: 0, baseDelay: -1, multiplier: 0.5, maxDelay: 10)
        #expect(policy.maxAttempts == 1)
        #expect(policy.delay(afterAttempt: 3) == 0)
    }
}
