import Foundation
import Simulator
import Testing

/// Secrets never appear in logs, errors, `chorus queue show` or metrics.
@Suite("Secrets stay secret", .serialized)
struct SecretsTests {
    @Test("app secret, verify token and access token appear nowhere an operator looks")
    func nowhere() async throws {
        try await Harness.with(arguments: ["--log-level", "trace"]) { harness in
            let options = harness.chorus.options
            let secrets = [options.appSecret, options.verifyToken, options.accessToken]
            let ana = MetaSimulator.Person(id: "15550009999", name: "Ana")
            try await harness.simulator.say("Hello, is anyone there?", from: ana, on: .whatsapp)
            _ = await harness.delivered(1)
            _ = try await harness.idle()
            // Hostile and failed requests too: a wrong token, a bad signature, a quarantined body.
            let port = harness.chorus.port
            _ = try await HTTPConnection.send(port: port, method: "GET",
                                              path: "/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1")
            _ = try await HTTPConnection.send(port: port, method: "POST", path: "/webhooks/whatsapp",
                                              headers: [("X-Hub-Signature-256", "sha256=00")], body: Array("{}".utf8))
            _ = try await harness.simulator.deliver(Array("{not json".utf8), platform: .messenger)
            let metrics = try await HTTPConnection.send(port: port, method: "GET", path: "/metrics")
            #expect(metrics.status == 200)
            let metricsText = String(decoding: metrics.body, as: UTF8.self)
            #expect(metricsText.contains("chorus_webhooks_received_total"))
            #expect(metricsText.contains("chorus_webhooks_rejected_total"))
            #expect(metricsText.contains("reason=\"bad_signature\""))
            #expect(metricsText.contains("chorus_queue_events"))
            #expect(metricsText.contains("chorus_gate_decisions_total"))
            let events = try await harness.store().list(state: nil, limit: 10, offset: 0)
            let (_, shown) = try OperatorCommandTests.chorus(["queue", "show", "\(events[0].id)", "--database", harness.chorus.database])
            let (_, stats) = try OperatorCommandTests.chorus(["queue", "stats", "--database", harness.chorus.database])
            harness.chorus.stop()
            let log = try String(contentsOf: harness.chorus.logFile, encoding: .utf8)
            #expect(log.contains("chorus serving"), "the log was captured")
            // Structured logs name the event and its conversation (never the text).
            let handled = log.split(separator: "\n").filter { $0.contains("event handled") }
            #expect(handled.contains { $0.contains("conversation=whatsapp:") && $0.contains("event=\(events[0].id)") && $0.contains("decision=answered") },
                    "no 'event handled' line with ids: \(handled)")
            #expect(!handled.contains { $0.contains("Hello, is anyone there") }, "message text in the log")
            for secret in secrets {
                #expect(!log.contains(secret), "a secret leaked into the log")
                #expect(!metricsText.contains(secret), "a secret leaked into /metrics")
                #expect(!shown.contains(secret) && !stats.contains(secret), "a secret leaked into chorus queue")
            }
        }
    }
}
