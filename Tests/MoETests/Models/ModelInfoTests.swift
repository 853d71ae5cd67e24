import Testing
@testable import MoE

@Suite struct ModelInfoTests {
    @Test func describesQwen3MoEFixture() throws {
        let info = try ModelInfo(path: Reference.modelPath("qwen3moe-tiny.f32"))
        #expect(info.architecture == "qwen3moe")
        #expect(info.family == "Qwen3-MoE")
        #expect(info.layers == 2 && info.embedding == 64 && info.experts == 8 && info.expertsUsed == 2)
        #expect(info.headDim == 32 && info.kvHeads == 2)
        #expect(info.tiedOutput == true)
        #expect(info.quantization.map(\.type) == ["F32"])
        #expect(info.quantization[0].tensors == 26)
        #expect(info.tokenizerModel == "gpt2" && info.tokenizerPre == "qwen2" && info.hasChatTemplate)
        #expect(info.problem == nil)
        // Active: everything but the unused experts (and the embedding table, tied as LM head).
        let experts = 2 * 3 * 64 * 32 * 8
        #expect(info.activeParameters! < info.totalParameters - experts * 6 / 8 + 1)
    }

    @Test func llama4HasSharedExpertAndDenseLayers() throws {
        let info = try ModelInfo(path: Reference.modelPath("llama4-tiny.f32"))
        #expect(info.sharedExpert == true)
        #expect(info.moeLayers == 2 && info.layers == 4)
        #expect(info.denseFFN == 128 && info.expertFFN == 64)
    }

    @Test func unsupportedArchitectureIsAProblemNotACrash() throws {
        var b = GGUFBuilder()
        b.add("general.architecture", .str("gpt-oss"))
        let info = try ModelInfo(path: try b.write())
        #expect(info.problem?.contains("gpt-oss") == true)
        #expect(throws: GGUFError.self) { try Model.load(path: try b.write()) }
    }
}
