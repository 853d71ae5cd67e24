/// Qwen3-MoE (llama.cpp src/models/qwen3moe.cpp).
///
/// Per-head RMSNorm with weights on q and k before NEOX RoPE; every layer MoE; router softmax
/// over all experts, top-k, renormalized, weights scale the expert outputs; no shared expert.
enum Qwen3MoE: ArchitectureDefinition {
    static let ggufNames = ["qwen3moe"]

    static func config(from f: GGUFFile, arch: String) throws -> ModelConfig {
        var c = try ModelConfig.common(f, arch: arch, family: "Qwen3-MoE")
        guard c.expertCount > 0, c.expertsUsed > 0 else { throw GGUFError("\(GGUFKey.expertCount(arch)) must be positive for qwen3moe") }
        c.ropeNeox = true
        c.gating = .softmax
        c.renormalizeExpertWeights = true
        var spec = ModelConfig.LayerSpec()
        spec.isMoE = true
        spec.qkNormWeights = true
        c.layers = Array(repeating: spec, count: c.layerCount)
        return c
    }
}
