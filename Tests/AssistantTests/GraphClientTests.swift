import Assistant
import Foundation
import Testing

@Suite("Classifying Graph API answers")
struct GraphClientTests {
    static func error(_ code: Int, subcode: Int? = nil) -> Data {
        let sub = subcode.map { ",\"error_subcode\":\($0)" } ?? ""
        return Data("{\"error\":{\"message\":\"m\",\"type\":\"OAuthException\",\"code\":\(code)\(sub),\"fbtrace_id\":\"x\"}}".utf8)
    }

    @Test("2xx is sent, with WhatsApp's or Messenger's message id")
    func sent() {
        #expect(GraphClient.classify(status: 200, body: Data(#"{"messages":[{"id":"wamid.A"}]}"#.utf8), retryAfter: nil) == .sent(messageID: "wamid.A"))
        #expect(GraphClient.classify(status: 200, body: Data(#"{"recipient_id":"1","message_id":"m_B"}"#.utf8), retryAfter: nil) == .sent(messageID: "m_B"))
    }

    @Test("rate limits and server errors are retried; Retry-After is kept",
          arguments: [(429, 130429), (400, 131056), (400, 613), (500, 2), (503, 1), (400, 4), (400, 80006)])
    func transient(status: Int, code: Int) {
        guard case .retry = GraphClient.classify(status: status, body: Self.error(code), retryAfter: 7) else {
            Issue.record("status \(status) code \(code) should be retried")
            return
        }
        if status == 429 { #expect(GraphClient.classify(status: 429, body: Self.error(code), retryAfter: 7) == .retry(after: 7, reason: "Graph error \(code) OAuthException: m")) }
    }

    @Test("window, token, undeliverable and invalid requests are permanent",
          arguments: [131047, 190, 131026, 100, 10])
    func permanent(code: Int) {
        guard case .permanent(let reason) = GraphClient.classify(status: 400, body: Self.error(code), retryAfter: nil) else {
            Issue.record("code \(code) should be permanent")
            return
        }
        #expect(reason.contains("\(code)"))
    }

    @Test("backoff grows, is capped, jittered, and never below Retry-After")
    func schedule() {
        let schedule = RetrySchedule(base: 1, cap: 10, maxAttempts: 5)
        #expect(schedule.delay(afterAttempt: 1, retryAfter: nil, random: 1) == 1)
        #expect(schedule.delay(afterAttempt: 3, retryAfter: nil, random: 1) == 4)
        #expect(schedule.delay(afterAttempt: 3, retryAfter: nil, random: 0) == 2)
        #expect(schedule.delay(afterAttempt: 20, retryAfter: nil, random: 1) == 10)
        #expect(schedule.delay(afterAttempt: 1, retryAfter: 30, random: 0.3) == 30)
    }
}
