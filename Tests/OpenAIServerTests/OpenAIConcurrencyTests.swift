import Foundation
import OpenAIServer
import Testing
@testable import Assistant
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Concurrent requests share the engine's batched decoder; past the bound they get a 503.
@Suite(.serialized) struct OpenAIConcurrencyTests {
    /// Four long streams at once decode together: far fewer steps than tokens.
    @Test func concurrentStreamsDecodeTogether() async throws {
        // Its own engine: other suites' requests must not count in its steps.
        let engine = try MoEReplyEngine(path: EngineHost.modelPath, streamingBatch: 4)
        try await EngineHost.with(engine: engine) { host in
            let before = engine.streamingDecodeCounts
            let tokens = 400
            let replies = try await withThrowingTaskGroup(of: EngineHost.Reply.self) { group in
                for seed in 1...4 {
                    group.addTask {
                        try await host.request(body: EngineHost.body(maxTokens: tokens, seed: seed, temperature: 0.8, stream: true,
                                                                     extra: ["min_tokens": tokens]))
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let after = engine.streamingDecodeCounts
            for reply in replies {
                #expect(reply.status == 200)
                let usage = try reply.events().dropLast().compactMap {
                    try JSONDecoder().decode(ChatCompletionChunk.self, from: Data($0.utf8)).usage
                }.first
                #expect(usage?.completionTokens == tokens)
            }
            let steps = after.steps - before.steps, rows = after.rows - before.rows
            // Each reply's last token needs no decode step.
            #expect(rows == 4 * (tokens - 1))
            #expect(Double(rows) / Double(steps) > 2, "mean batch \(Double(rows) / Double(steps)) over \(steps) steps")
        }
    }

    /// With one place decoding and none waiting, a second request is refused with a 503 and
    /// Retry-After; when the first client goes away, its place comes back.
    @Test func pastTheBoundRequestsGet503UntilAPlaceFrees() async throws {
        let engine = try MoEReplyEngine(path: EngineHost.modelPath, contextTokens: 4096, streamingBatch: 1)
        var settings = OpenAIServerSettings(modelName: "tiny")
        settings.maxQueue = 0
        try await EngineHost.with(engine: engine, settings: settings) { host in
            let transport = StreamingTransport(connections: 4)
            var long = URLRequest(url: URL(string: "http://127.0.0.1:\(host.port)/v1/chat/completions")!)
            long.httpMethod = "POST"
            long.httpBody = Data(EngineHost.body(maxTokens: 4000, stream: true, extra: ["min_tokens": 4000]).utf8)
            let (parts, cancel) = transport.start(long)
            var iterator = parts.makeAsyncIterator()
            var sawText = false
            while !sawText, let part = try await iterator.next() {
                if case .body(let data) = part, String(decoding: data, as: UTF8.self).contains("content") { sawText = true }
            }
            #expect(sawText)
            let refused = try await host.request(body: EngineHost.body(maxTokens: 2))
            #expect(refused.status == 503)
            #expect(refused.headers["retry-after"] == "1")
            let error = try refused.json(APIErrorBody.self).error
            #expect(error.code == "overloaded")
            #expect(error.type == "server_error")
            cancel()
            var status = 0
            let deadline = ContinuousClock.now + .seconds(20)
            while status != 200, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
                status = try await host.request(body: EngineHost.body(maxTokens: 2)).status
            }
            #expect(status == 200, "the cancelled stream gave its place back")
        }
    }

    /// With a projector, a data-URL picture reaches the model (its tokens count in the prompt).
    @Test func imagesReachTheModelWithAProjector() async throws {
        let root = EngineHost.fixtures.deletingLastPathComponent()
        let model = root.appendingPathComponent("Models/chorus-tiny-llama4.gguf").path
        let mmproj = root.appendingPathComponent("Models/chorus-tiny-llama4.mmproj.gguf").path
        try #require(FileManager.default.fileExists(atPath: mmproj))
        let engine = try MoEReplyEngine(path: model, mmproj: mmproj, contextTokens: 4096)
        let png = try Data(contentsOf: EngineHost.fixtures.appendingPathComponent("MoETests/Fixtures/vision/mtmd-336.png"))
        try await EngineHost.with(engine: engine) { host in
            let parts: [[String: Any]] = [["type": "text", "text": "What is in this picture?"],
                                          ["type": "image_url", "image_url": ["url": "data:image/png;base64,\(png.base64EncodedString())"]]]
            let withImage = try await host.request(body: EngineHost.body(maxTokens: 4, extra: ["messages": [["role": "user", "content": parts]]]))
            #expect(withImage.status == 200, "\(withImage.text)")
            let textOnly = try await host.request(body: EngineHost.body(maxTokens: 4, extra: ["messages": [["role": "user", "content": "What is in this picture?"]]]))
            let imageTokens = try withImage.json(ChatCompletion.self).usage!.promptTokens - textOnly.json(ChatCompletion.self).usage!.promptTokens
            #expect(imageTokens > 100, "a 336-pixel tile is many tokens, got \(imageTokens)")
            let garbage = try await host.request(body: EngineHost.body(maxTokens: 4, extra: ["messages": [["role": "user", "content": [
                ["type": "image_url", "image_url": ["url": "data:image/png;base64,aGVsbG8gd29ybGQ="]]]]]]))
            #expect(garbage.status == 400, "\(garbage.text)")
            let remote = try await host.request(body: EngineHost.body(maxTokens: 4, extra: ["messages": [["role": "user", "content": [
                ["type": "image_url", "image_url": ["url": "https://example.com/cat.png"]]]]]]))
            #expect(remote.status == 400)
            #expect(try remote.json(APIErrorBody.self).error.message.contains("data: URL"))
        }
    }
}
