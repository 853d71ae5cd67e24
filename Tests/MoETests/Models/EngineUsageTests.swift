import Testing
@testable import MoE

/// `EngineUsage`: tokens, steps and expert routing counted on the fixture models of all three
/// architectures, through `Session` and `BatchDecoder`.
@Suite struct EngineUsageTests {
    static let fixtures = ["llama4-tiny.f32", "qwen3moe-tiny.f32", "mixtral-tiny.f32"]

    static func tokens(_ n: Int, vocab: Int, seed: Int = 1) -> [Int32] {
        (0..<n).map { Int32((($0 + seed) * 7919 + 13) % vocab) }
    }

    @Test(arguments: fixtures)
    func promptRoutingSumsToTokensTimesTopKAndMatchesTheRouter(_ name: String) throws {
        let model = try Model.load(path: Reference.modelPath(name))
        let c = model.config, k = c.expertsUsed, n = 37
        #expect(!model.usage.moeLayers.isEmpty)
        let session = model.makeSession(maxTokens: 64)
        let before = model.usage.snapshot()
        _ = try session.prefill(Self.tokens(n, vocab: c.vocabSize))
        let d = model.usage.snapshot().since(before)
        #expect(d.promptTokens == UInt64(n))
        #expect(d.decodedTokens == 0 && d.decodeSteps == 0)
        #expect(d.promptSeconds > 0)
        for l in 0..<c.layerCount {
            let sum = d.expertTokens[l].reduce(0, +)
            #expect(sum == (c.layers[l].isMoE ? UInt64(n * k) : 0), "layer \(l)")
            #expect(d.expertTokens[l].count == c.expertCount)
        }
        // The last MoE layer's choices are still in the run state: the counts are their histogram.
        let last = model.usage.moeLayers.last!
        var histogram = [UInt64](repeating: 0, count: c.expertCount)
        for i in 0..<(n * k) { histogram[Int(session.state.chosen[i])] += 1 }
        #expect(d.expertTokens[last] == histogram)
    }

    @Test(arguments: fixtures)
    func decodeAndBatchStepsCountTokensStepsAndRoutes(_ name: String) throws {
        let model = try Model.load(path: Reference.modelPath(name))
        let c = model.config, k = c.expertsUsed
        let sessions = (0..<3).map { _ in model.makeSession(maxTokens: 32) }
        for (i, s) in sessions.enumerated() { _ = try s.prefill(Self.tokens(5 + i, vocab: c.vocabSize, seed: i)) }
        let next = Self.tokens(3, vocab: c.vocabSize, seed: 9)

        // One token each through Session.decode: one step per token, each token routed k ways per layer.
        let forks = sessions.map { $0.fork() }
        let s0 = model.usage.snapshot()
        for (s, t) in zip(forks, next) { _ = try s.decode(t) }
        let single = model.usage.snapshot().since(s0)
        #expect(single.decodedTokens == 3 && single.decodeSteps == 3 && single.promptTokens == 0)
        #expect(single.decodeSeconds > 0)

        // The same tokens in one BatchDecoder step: one step, the same routes.
        let decoder = BatchDecoder(model: model, maxBatch: 4, maxTokens: 32)
        let s1 = model.usage.snapshot()
        _ = try decoder.step(sessions, next)
        let batched = model.usage.snapshot().since(s1)
        #expect(batched.decodedTokens == 3 && batched.decodeSteps == 1)
        for l in model.usage.moeLayers {
            #expect(batched.expertTokens[l].reduce(0, +) == UInt64(3 * k))
            #expect(batched.expertTokens[l] == single.expertTokens[l], "layer \(l): batched and one-by-one routing differ")
            #expect(batched.expertTokens[l].allSatisfy { $0 <= 3 }, "a token is routed to an expert at most once")
        }
    }

    @Test func sinceSubtractsAndClampsAtZero() throws {
        let model = try Model.load(path: Reference.modelPath("qwen3moe-tiny.f32"))
        let s = model.makeSession(maxTokens: 16)
        let a = model.usage.snapshot()
        _ = try s.prefill(Self.tokens(4, vocab: model.config.vocabSize))
        let b = model.usage.snapshot()
        #expect(b.since(a).promptTokens == 4)
        #expect(a.since(b).promptTokens == 0)
        #expect(a.since(b).expertTokens.allSatisfy { $0.allSatisfy { $0 == 0 } })
    }
}
