import Testing
@testable import MoE

/// Per-layer behaviour each architecture derives from metadata (ENGINE.md, llama.cpp src/models/).
@Suite struct ArchitectureConfigTests {
    static func llama4(experts: Int, step: Int, layers: Int = 8, extra: [(String, GGUFBuilder.KV)] = []) throws -> ModelConfig {
        var b = GGUFBuilder()
        for (k, v) in [("llama4.embedding_length", GGUFBuilder.KV.u32(64)), ("llama4.block_count", .u32(UInt32(layers))),
                       ("llama4.attention.head_count", .u32(4)), ("llama4.attention.head_count_kv", .u32(2)),
                       ("llama4.attention.layer_norm_rms_epsilon", .f32(1e-5)), ("llama4.expert_count", .u32(UInt32(experts))),
                       ("llama4.expert_used_count", .u32(1)), ("llama4.interleave_moe_layer_step", .u32(UInt32(step))),
                       ("llama4.feed_forward_length", .u32(128)), ("llama4.expert_feed_forward_length", .u32(64))] + extra {
            b.add(k, v)
        }
        return try Llama4.config(from: GGUFFile(path: try b.write()), arch: "llama4")
    }

    @Test func scoutLayout() throws {
        let c = try Self.llama4(experts: 16, step: 1)
        #expect(c.layers.allSatisfy { $0.isMoE && $0.sharedExpert })
        #expect(c.layers.map(\.rope) == [true, true, true, false, true, true, true, false])
        #expect(c.layers.map(\.chunkedAttention) == c.layers.map(\.rope))
        #expect(c.layers.map(\.qkUnitNorm) == c.layers.map(\.rope))
        #expect(c.layers.map(\.temperature) == c.layers.map { !$0.rope })
        #expect(c.attentionChunk == 8192 && c.gating == .sigmoid && c.weightExpertInput && !c.renormalizeExpertWeights)
        #expect(!c.ropeNeox)
    }

    @Test func maverickLayout() throws {
        let c = try Self.llama4(experts: 128, step: 2)
        #expect(c.layers.map(\.isMoE) == [false, true, false, true, false, true, false, true])
        #expect(c.layers.allSatisfy { !$0.qkUnitNorm })   // 128 experts: no L2 norm of q, k
    }

    @Test func noSlidingWindowMeansRopeEverywhereButLast() throws {
        let c = try Self.llama4(experts: 16, step: 1, extra: [("llama4.attention.sliding_window", .u32(0))])
        #expect(c.layers.map(\.rope) == [true, true, true, true, true, true, true, false])
        #expect(c.layers.allSatisfy { !$0.chunkedAttention })
        #expect(c.attentionTemperature == nil)
    }

    @Test func qwen3AndMixtral() throws {
        var q = GGUFBuilder()
        for (k, v) in [("qwen3moe.embedding_length", GGUFBuilder.KV.u32(64)), ("qwen3moe.block_count", .u32(2)),
                       ("qwen3moe.attention.head_count", .u32(4)), ("qwen3moe.attention.key_length", .u32(128)),
                       ("qwen3moe.attention.layer_norm_rms_epsilon", .f32(1e-6)), ("qwen3moe.expert_count", .u32(128)),
                       ("qwen3moe.expert_used_count", .u32(8)), ("qwen3moe.expert_feed_forward_length", .u32(768))] {
            q.add(k, v)
        }
        let c = try Qwen3MoE.config(from: GGUFFile(path: try q.write()), arch: "qwen3moe")
        #expect(c.headDim == 128 && c.kvHeadCount == 4 && c.ropeNeox && c.gating == .softmax && c.renormalizeExpertWeights)
        #expect(c.layers.allSatisfy { $0.isMoE && $0.qkNormWeights && !$0.sharedExpert })

        var m = GGUFBuilder()
        for (k, v) in [("llama.embedding_length", GGUFBuilder.KV.u32(64)), ("llama.block_count", .u32(2)),
                       ("llama.attention.head_count", .u32(4)), ("llama.attention.head_count_kv", .u32(2)),
                       ("llama.attention.layer_norm_rms_epsilon", .f32(1e-5)), ("llama.expert_count", .u32(8)),
                       ("llama.expert_used_count", .u32(2)), ("llama.feed_forward_length", .u32(96))] {
            m.add(k, v)
        }
        let x = try Mixtral.config(from: GGUFFile(path: try m.write()), arch: "llama")
        #expect(x.expertFFN == 96 && !x.ropeNeox && x.family == "Mixtral" && x.layers.allSatisfy(\.isMoE))
    }
}
