/// Llama 4 (llama.cpp src/models/llama4.cpp, src/llama-graph.cpp build_moe_ffn).
///
/// - Layer i is MoE iff (i+1) % interleave_moe_layer_step == 0, dense FFN otherwise.
/// - Router: top-1 on raw logits, weight = sigmoid(logit), not renormalized, multiplied into
///   the expert's *input*; the shared expert sees the unweighted input; output = routed + shared.
/// - Layers with (i+1) % 4 == 0 are NoPE with full attention and query temperature tuning
///   log(floor((pos+1)/8192)+1)·0.1+1; the others use NORM RoPE (with rope_freqs), chunked
///   attention (chunk 8192) and a weightless RMS norm of q and k after RoPE, except in
///   128-expert models (Maverick). A file with `attention.sliding_window` = 0 has no chunking
///   and RoPE on every layer but the last (llama.cpp sets the NoPE step to n_layer); an integer
///   `attention.sliding_window_pattern` n makes layer i chunked iff i % n < n − 1.
enum Llama4: ArchitectureDefinition {
    static let ggufNames = ["llama4"]

    static func config(from f: GGUFFile, arch: String) throws -> ModelConfig {
        var c = try ModelConfig.common(f, arch: arch, family: "Llama 4")
        guard c.expertCount > 0 else { throw GGUFError("\(GGUFKey.expertCount(arch)) must be positive for llama4") }
        let step = try f.requireInt(GGUFKey.interleaveMoeLayerStep(arch))
        guard step >= 0 else { throw GGUFError("\(GGUFKey.interleaveMoeLayerStep(arch)) = \(step) is negative") }
        c.gating = .sigmoid
        c.renormalizeExpertWeights = false
        c.weightExpertInput = true
        c.ropeNeox = false
        var noRopeStep = 4
        if let window = f.int(GGUFKey.slidingWindow(arch)), window == 0 {
            noRopeStep = c.layerCount
        } else {
            c.attentionChunk = 8192
            c.attentionTemperature = .init(floorScale: 8192, scale: 0.1)
        }
        // llama.cpp load_swa_pattern: chunked iff i % n < n − 1 (default n = 4, the NoPE step).
        let chunkPattern = max(1, f.int(GGUFKey.slidingWindowPattern(arch)) ?? 4)
        let unitNorm = c.expertCount != 128
        c.layers = (0..<c.layerCount).map { i in
            var s = ModelConfig.LayerSpec()
            s.isMoE = step > 0 && (i + 1) % step == 0
            s.sharedExpert = s.isMoE
            s.ffn = c.denseFFN
            s.rope = (i + 1) % noRopeStep != 0
            s.chunkedAttention = c.attentionChunk > 0 && i % chunkPattern < chunkPattern - 1
            s.qkUnitNorm = s.rope && unitNorm
            s.temperature = !s.rope && c.attentionTemperature != nil
            return s
        }
        return c
    }
}
