import Testing
@testable import MoE

/// Logits of every architecture against llama.cpp's (scripts/make_references.py).
@Suite struct ReferenceTests {
    @Test(arguments: ["qwen3moe-tiny.f32", "llama4-tiny.f32", "mixtral-tiny.f32"])
    func f32MatchesLlamaCpp(_ name: String) throws {
        guard let cmp = try compare(model: name) else { return }
        print("\(name): \(cmp)")
        #expect(cmp.maxAbsDiff <= 1e-4, "\(name): \(cmp)")
        #expect(cmp.greedyMismatches == 0, "\(name): \(cmp)")
        #expect(cmp.greedyMaxLogitDiff <= 1e-4, "\(name): \(cmp)")
    }
}
