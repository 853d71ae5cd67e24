/// Mixtral: llama.cpp's `llama` architecture with experts (src/models/llama.cpp).
///
/// NORM RoPE (adjacent pairs, optional `rope_freqs`); softmax over the experts, top-2,
/// renormalized, weights scale the outputs. With `expert_count` 0 it is a dense Llama.
enum Mixtral: ArchitectureDefinition {
    static let ggufNames = ["llama"]

    static func config(from f: GGUFFile, arch: String) throws -> ModelConfig {
        var c = try ModelConfig.common(f, arch: arch, family: "Mixtral")
        if c.expertCount == 0 { c.family = "Llama" }
        // llama's experts use feed_forward_length (there is no expert_feed_forward_length).
        c.expertFFN = c.denseFFN
        c.gating = .softmax
        c.renormalizeExpertWeights = true
        var spec = ModelConfig.LayerSpec()
        spec.isMoE = c.expertCount > 0
        spec.ffn = c.denseFFN
        c.layers = Array(repeating: spec, count: c.layerCount)
        return c
    }
}
