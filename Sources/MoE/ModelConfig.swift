/// Hyperparameters and per-layer behaviour of a model, read from GGUF metadata by the
/// architecture's definition (`Models/`). The forward pass reads only this, never GGUF keys.
public struct ModelConfig: Sendable {
    /// GGUF `general.architecture` ("llama4", "qwen3moe", "llama").
    public var architecture: String
    /// Display name of the family ("Llama 4", "Qwen3-MoE", "Mixtral").
    public var family: String
    /// Vocabulary size (rows of `token_embd`).
    public var vocabSize = 0
    /// Model width.
    public var embedding = 0
    /// Number of transformer blocks.
    public var layerCount = 0
    /// Query heads.
    public var headCount = 0
    /// Key/value heads (GQA: `headCount` is a multiple).
    public var kvHeadCount = 0
    /// Width of one head.
    public var headDim = 0
    /// Leading dimensions of each head that RoPE rotates.
    public var ropeDim = 0
    /// Training context length (informational).
    public var contextLength = 0
    /// Hidden width of dense FFN layers.
    public var denseFFN = 0
    /// Hidden width of each routed expert (and of Llama 4's shared expert).
    public var expertFFN = 0
    /// Routed experts per MoE layer (0: dense model).
    public var expertCount = 0
    /// Experts used per token.
    public var expertsUsed = 0
    /// RMSNorm epsilon.
    public var rmsEpsilon: Float = 1e-5
    /// RoPE base frequency.
    public var ropeBase: Float = 10000
    /// RoPE linear frequency scale (1 / rope.scaling.factor for linear scaling).
    public var ropeFreqScale: Float = 1
    /// Rotate adjacent pairs (NORM, Llama) or halves (NEOX, Qwen).
    public var ropeNeox = false
    /// How router logits become expert choices and weights.
    public var gating: ExpertGating = .softmax
    /// Divide the chosen experts' weights by their sum.
    public var renormalizeExpertWeights = true
    /// Multiply the chosen weights by this (1: none).
    public var expertWeightsScale: Float = 1
    /// Apply the expert weight to the expert's input instead of its output (Llama 4).
    public var weightExpertInput = false
    /// Chunk size of chunked attention (Llama 4: 8192); 0 = none.
    public var attentionChunk = 0
    /// Llama 4 NoPE-layer query temperature: q·(log(floor((pos+1)/floor)+1)·scale+1); nil = none.
    public var attentionTemperature: AttentionTemperature? = nil
    /// Per-layer behaviour.
    public var layers: [LayerSpec] = []

    /// Experts' routing rule.
    public enum ExpertGating: Sendable {
        /// Softmax over all experts, take the top k of the probabilities (Qwen3-MoE, Mixtral).
        case softmax
        /// Top k of the raw logits, weight = sigmoid(logit) (Llama 4).
        case sigmoid
    }

    /// Llama 4's attention temperature tuning constants.
    public struct AttentionTemperature: Sendable {
        public var floorScale: Float
        public var scale: Float
    }

    /// What one transformer block does.
    public struct LayerSpec: Sendable {
        /// Routed experts (else a dense FFN).
        public var isMoE = false
        /// A shared expert added to the routed output (Llama 4).
        public var sharedExpert = false
        /// RoPE applied (Llama 4's NoPE layers: false).
        public var rope = true
        /// Chunked attention (with `attentionChunk`).
        public var chunkedAttention = false
        /// Per-head RMSNorm with weights on q and k before RoPE (Qwen3).
        public var qkNormWeights = false
        /// Weightless RMS norm on q and k after RoPE (Llama 4, except 128-expert models).
        public var qkUnitNorm = false
        /// Query temperature tuning (Llama 4 NoPE layers).
        public var temperature = false
        /// Dense FFN width of this layer.
        public var ffn = 0
        public init() {}
    }

    /// Number of layers with routed experts.
    public var moeLayerCount: Int { layers.filter(\.isMoE).count }
}

extension ModelConfig {
    /// Reads the hyperparameters every supported architecture shares (`{arch}.*` keys).
    static func common(_ f: GGUFFile, arch: String, family: String) throws -> ModelConfig {
        var c = ModelConfig(architecture: arch, family: family)
        c.embedding = try f.requireInt(GGUFKey.embeddingLength(arch))
        c.layerCount = try f.requireInt(GGUFKey.blockCount(arch))
        c.headCount = try f.requireInt(GGUFKey.headCount(arch))
        c.kvHeadCount = f.int(GGUFKey.headCountKV(arch)) ?? c.headCount
        guard c.embedding > 0, c.embedding < 1 << 20 else { throw GGUFError("\(GGUFKey.embeddingLength(arch)) = \(c.embedding) is out of range") }
        guard c.layerCount > 0, c.layerCount < 4096 else { throw GGUFError("\(GGUFKey.blockCount(arch)) = \(c.layerCount) is out of range") }
        guard c.headCount > 0, c.headCount < 4096 else { throw GGUFError("\(GGUFKey.headCount(arch)) = \(c.headCount) is out of range") }
        guard c.kvHeadCount > 0, c.headCount % c.kvHeadCount == 0 else {
            throw GGUFError("\(GGUFKey.headCountKV(arch)) = \(c.kvHeadCount) does not divide head_count \(c.headCount)")
        }
        c.headDim = f.int(GGUFKey.keyLength(arch)) ?? c.embedding / c.headCount
        if let v = f.int(GGUFKey.valueLength(arch)), v != c.headDim {
            throw GGUFError("\(GGUFKey.valueLength(arch)) = \(v) differs from key_length \(c.headDim) (unsupported)")
        }
        guard c.headDim > 0, c.headDim % 2 == 0, c.headDim <= 1024 else { throw GGUFError("\(GGUFKey.keyLength(arch)) = \(c.headDim) is out of range") }
        c.ropeDim = f.int(GGUFKey.ropeDimensionCount(arch)) ?? c.headDim
        guard c.ropeDim > 0, c.ropeDim % 2 == 0, c.ropeDim <= c.headDim else {
            throw GGUFError("\(GGUFKey.ropeDimensionCount(arch)) = \(c.ropeDim) must be even and ≤ head size \(c.headDim)")
        }
        c.contextLength = f.int(GGUFKey.contextLength(arch)) ?? 0
        c.denseFFN = f.int(GGUFKey.feedForwardLength(arch)) ?? 0
        c.expertCount = f.int(GGUFKey.expertCount(arch)) ?? 0
        c.expertsUsed = f.int(GGUFKey.expertUsedCount(arch)) ?? 0
        c.expertFFN = f.int(GGUFKey.expertFeedForwardLength(arch)) ?? c.denseFFN
        guard c.expertCount >= 0, c.expertCount <= 1024, c.expertsUsed >= 0, c.expertsUsed <= c.expertCount else {
            throw GGUFError("\(GGUFKey.expertUsedCount(arch)) = \(c.expertsUsed) with expert_count \(c.expertCount) is invalid")
        }
        guard c.denseFFN >= 0, c.denseFFN < 1 << 20, c.expertFFN >= 0, c.expertFFN < 1 << 20 else {
            throw GGUFError("\(GGUFKey.feedForwardLength(arch)) is out of range")
        }
        c.rmsEpsilon = try f.requireFloat(GGUFKey.rmsEpsilon(arch))
        c.ropeBase = f.float(GGUFKey.ropeFreqBase(arch)) ?? 10000
        if let type = f.string(GGUFKey.ropeScalingType(arch)), type != "none" {
            guard type == "linear", let factor = f.float(GGUFKey.ropeScalingFactor(arch)), factor > 0 else {
                throw GGUFError("\(GGUFKey.ropeScalingType(arch)) = \(type) is not supported (only linear)")
            }
            c.ropeFreqScale = 1 / factor
        }
        if let s = f.float(GGUFKey.expertWeightsScale(arch)), s != 0 { c.expertWeightsScale = s }
        return c
    }
}
