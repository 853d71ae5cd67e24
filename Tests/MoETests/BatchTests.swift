import Testing
@testable import MoE

/// `BatchDecoder` against llama.cpp's greedy continuations: every prompt of a reference file
/// decoded together, with sessions joining the batch at different steps.
@Suite struct BatchTests {
    @Test(arguments: ["qwen3moe-tiny.f32", "llama4-tiny.f32", "mixtral-tiny.f32", "qwen3moe-k.q4_k_m", "llama4-k.q4_k_m"])
    func batchedGreedyMatchesReference(_ name: String) throws {
        guard let ref = try Reference.load(name) else { return }
        let model = try Model.load(path: Reference.modelPath(name), threads: 2)
        let prompts = ref.prompts
        let maxTokens = prompts.map { $0.tokens.count + $0.greedy.count }.max()!
        let decoder = BatchDecoder(model: model, maxBatch: 3, maxTokens: maxTokens)   // 5 prompts: steps split in two passes
        var sessions: [Session] = []
        var last: [[Float]] = []
        var step: [Int] = []           // next greedy index per session
        var worstLogit: Float = 0
        var mismatches = 0, total = 0
        // Session i joins at step i (continuous batching), after its own prefill.
        var s = 0
        while true {
            if s < prompts.count {
                let session = model.makeSession(maxTokens: maxTokens)
                last.append(try session.prefill(prompts[s].tokens)[0])
                sessions.append(session); step.append(0)
            }
            let active = sessions.indices.filter { step[$0] < prompts[$0].greedy.count }
            if active.isEmpty && s >= prompts.count { break }
            var tokens: [Int32] = []
            for i in active {
                let expected = prompts[i].greedy[step[i]]
                total += 1
                if Int32(argmax(last[i])) != expected { mismatches += 1 }
                tokens.append(expected)
            }
            let rows = try decoder.step(active.map { sessions[$0] }, tokens)
            for (j, i) in active.enumerated() {
                last[i] = rows[j]
                if let ml = prompts[i].greedy_max_logit { worstLogit = max(worstLogit, abs(ml[step[i]] - rows[j].max()!)) }
                step[i] += 1
            }
            s += 1
        }
        print("\(name) batched: greedy mismatches \(mismatches)/\(total), max-logit |Δ| \(worstLogit)")
        let f32 = name.hasSuffix("f32")
        #expect(mismatches == 0)
        #expect(worstLogit <= (f32 ? 1e-4 : 0.1))
    }

    @Test func batchStepEqualsSeparateDecodes() throws {
        let model = try Model.load(path: Reference.modelPath("llama4-tiny.f32"))
        let prompts: [[Int32]] = [[456, 295, 220], [456, 40, 268, 78, 412, 376], [456]]
        let a = try prompts.map { p -> Session in let s = model.makeSession(maxTokens: 16); _ = try s.prefill(p); return s }
        let b = try prompts.map { p -> Session in let s = model.makeSession(maxTokens: 16); _ = try s.prefill(p); return s }
        let decoder = BatchDecoder(model: model, maxBatch: 8, maxTokens: 16)
        for tok in [Int32(7), 300, 12] {
            let batched = try decoder.step(a, [tok, tok + 1, tok + 2])
            for (i, s) in b.enumerated() {
                let single = try s.decode(tok + Int32(i))
                #expect(zip(batched[i], single).allSatisfy { abs($0 - $1) <= 1e-5 })
                #expect(a[i].position == s.position)
            }
        }
    }
}

/// Invalid requests are errors, not crashes (also in -Ounchecked release builds).
@Suite struct SessionErrorTests {
    @Test func badTokensAndFullContextThrow() throws {
        let model = try Model.load(path: Reference.modelPath("qwen3moe-tiny.f32"))
        let s = model.makeSession(maxTokens: 3)
        #expect(throws: SessionError.self) { try s.prefill([1, Int32(model.config.vocabSize)]) }
        #expect(throws: SessionError.self) { try s.decode(-1) }
        #expect(s.position == 0)
        _ = try s.prefill([1, 2, 3])
        #expect(throws: SessionError.self) { try s.decode(4) }
        s.truncate(to: 1)
        #expect(s.position == 1)
        let d = BatchDecoder(model: model, maxBatch: 2, maxTokens: 3)
        #expect(throws: SessionError.self) { try d.step([s, s], [1, 2]) }
        #expect(throws: SessionError.self) { try d.step([s], [1, 2]) }
        #expect(s.position == 1)
    }
}

@Suite struct SessionForkTests {
    @Test func forkContinuesLikeTheOriginal() throws {
        let model = try Model.load(path: Reference.modelPath("mixtral-tiny.f32"))
        let a = model.makeSession(maxTokens: 16)
        _ = try a.prefill([1, 20, 30, 40])
        let b = a.fork()
        #expect(b.position == 4)
        let la = try a.prefill([50, 60]), lb = try b.prefill([50, 60])
        #expect(la == lb)
        let fresh = model.makeSession(maxTokens: 16)
        let whole = try fresh.prefill([1, 20, 30, 40, 50, 60])[0]
        #expect(zip(whole, la[0]).allSatisfy { abs($0 - $1) <= 1e-5 })
    }
}
