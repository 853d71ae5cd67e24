import Foundation
import MoE
import Simulator
import Testing

/// `/metrics` of a real `chorus serve` shows the engine's token counters and expert routing.
@Suite("Engine metrics", .serialized)
struct EngineMetricsTests {
    /// `name{labels} value` lines of a Prometheus text page whose name is `name`.
    static func samples(_ text: String, _ name: String) -> [(labels: String, value: Double)] {
        text.split(separator: "\n").compactMap { line in
            guard line.hasPrefix(name), !line.hasPrefix("#") else { return nil }
            let rest = line.dropFirst(name.count)
            guard rest.first == " " || rest.first == "{" else { return nil }
            let parts = rest.split(separator: " ")
            guard let value = parts.last.flatMap({ Double($0) }) else { return nil }
            return (rest.first == "{" ? String(parts[0]) : "", value)
        }
    }

    @Test("after a reply, token counters and per-layer expert counters add up")
    func countersAfterAReply() async throws {
        try await Harness.with { harness in
            let ana = MetaSimulator.Person(id: "15550004242", name: "Ana")
            try await harness.simulator.say("Hello, what can you do?", from: ana, on: .whatsapp)
            _ = await harness.delivered(1)
            _ = try await harness.idle()
            let page = try await HTTPConnection.send(port: harness.chorus.port, method: "GET", path: "/metrics")
            #expect(page.status == 200)
            let text = String(decoding: page.body, as: UTF8.self)
            let prompt = Self.samples(text, "chorus_engine_prompt_tokens_total").first?.value ?? 0
            let generated = Self.samples(text, "chorus_engine_generated_tokens_total").first?.value ?? 0
            let steps = Self.samples(text, "chorus_engine_decode_steps_total").first?.value ?? 0
            let decodeSeconds = Self.samples(text, "chorus_engine_decode_seconds_total").first?.value ?? 0
            #expect(prompt > 0 && generated > 0 && steps > 0 && decodeSeconds > 0, "\(text)")
            #expect(steps <= generated)

            // Every MoE layer routed each processed position to top-k experts.
            let model = try Model.load(path: Harness.model, warm: false)
            let experts = Self.samples(text, "chorus_engine_expert_tokens_total")
            #expect(!experts.isEmpty && experts.allSatisfy { $0.value > 0 })
            for layer in model.usage.moeLayers {
                let sum = experts.filter { $0.labels.contains("layer=\"\(layer)\"") }.map(\.value).reduce(0, +)
                #expect(sum == (prompt + generated) * Double(model.config.expertsUsed), "layer \(layer)")
            }
            #expect(experts.allSatisfy { e in model.usage.moeLayers.contains { e.labels.contains("layer=\"\($0)\"") } })

            // A second scrape with nothing computed in between adds nothing (increases are published once).
            let again = String(decoding: try await HTTPConnection.send(port: harness.chorus.port, method: "GET", path: "/metrics").body, as: UTF8.self)
            #expect(Self.samples(again, "chorus_engine_generated_tokens_total").first?.value == generated)
            #expect(Self.samples(again, "chorus_engine_expert_tokens_total").map(\.value).reduce(0, +) == experts.map(\.value).reduce(0, +))
        }
    }
}
