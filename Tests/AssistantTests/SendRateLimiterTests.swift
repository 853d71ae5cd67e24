import Assistant
import ChorusCore
import Testing

@Suite("Send pacing per platform")
struct SendRateLimiterTests {
    @Test("a burst passes at once; past it, sends are paced at the platform's rate")
    func paces() async {
        let limiter = SendRateLimiter(rates: [.whatsapp: 50], burst: 5)
        let clock = ContinuousClock()
        let start = clock.now
        for _ in 0..<5 { await limiter.acquire(.whatsapp) }
        let burst = clock.now - start
        for _ in 0..<10 { await limiter.acquire(.whatsapp) }
        let paced = clock.now - start
        #expect(burst < .milliseconds(50))
        #expect(paced >= .milliseconds(180), "10 sends at 50/s past the burst take about 200 ms, took \(paced)")
        // A platform without a rate is not paced.
        let free = clock.now
        for _ in 0..<100 { await limiter.acquire(.messenger) }
        #expect(clock.now - free < .milliseconds(50))
    }
}
