/// GGUF metadata keys and tensor names the engine reads (llama.cpp src/llama-arch.cpp,
/// gguf-py/gguf/constants.py). Compute code never spells these strings; it gets typed
/// values from `ModelConfig` and `ModelWeights`.
enum GGUFKey {
    static let architecture = "general.architecture"
    static let name = "general.name"
    static let fileType = "general.file_type"
    static let alignment = "general.alignment"

    static func contextLength(_ a: String) -> String { "\(a).context_length" }
    static func embeddingLength(_ a: String) -> String { "\(a).embedding_length" }
    static func blockCount(_ a: String) -> String { "\(a).block_count" }
    static func feedForwardLength(_ a: String) -> String { "\(a).feed_forward_length" }
    static func expertFeedForwardLength(_ a: String) -> String { "\(a).expert_feed_forward_length" }
    static func expertCount(_ a: String) -> String { "\(a).expert_count" }
    static func expertUsedCount(_ a: String) -> String { "\(a).expert_used_count" }
    static func expertWeightsScale(_ a: String) -> String { "\(a).expert_weights_scale" }
    static func interleaveMoeLayerStep(_ a: String) -> String { "\(a).interleave_moe_layer_step" }
    static func headCount(_ a: String) -> String { "\(a).attention.head_count" }
    static func headCountKV(_ a: String) -> String { "\(a).attention.head_count_kv" }
    static func keyLength(_ a: String) -> String { "\(a).attention.key_length" }
    static func valueLength(_ a: String) -> String { "\(a).attention.value_length" }
    static func rmsEpsilon(_ a: String) -> String { "\(a).attention.layer_norm_rms_epsilon" }
    static func slidingWindow(_ a: String) -> String { "\(a).attention.sliding_window" }
    static func slidingWindowPattern(_ a: String) -> String { "\(a).attention.sliding_window_pattern" }
    static func ropeFreqBase(_ a: String) -> String { "\(a).rope.freq_base" }
    static func ropeDimensionCount(_ a: String) -> String { "\(a).rope.dimension_count" }
    static func ropeScalingType(_ a: String) -> String { "\(a).rope.scaling.type" }
    static func ropeScalingFactor(_ a: String) -> String { "\(a).rope.scaling.factor" }
    static func vocabSize(_ a: String) -> String { "\(a).vocab_size" }

    static let tokenizerModel = "tokenizer.ggml.model"
    static let tokenizerPre = "tokenizer.ggml.pre"
    static let tokenizerTokens = "tokenizer.ggml.tokens"
    static let chatTemplate = "tokenizer.chat_template"
    static let bosTokenID = "tokenizer.ggml.bos_token_id"
    static let eosTokenID = "tokenizer.ggml.eos_token_id"
}

/// Tensor names (llama.cpp `LLM_TENSOR_*` → "blk.%d.attn_q" etc.), all with the `.weight` suffix.
enum TensorName {
    static let tokenEmbedding = "token_embd.weight"
    static let outputNorm = "output_norm.weight"
    static let output = "output.weight"
    static let ropeFreqs = "rope_freqs.weight"

    static func attnNorm(_ i: Int) -> String { "blk.\(i).attn_norm.weight" }
    static func attnQ(_ i: Int) -> String { "blk.\(i).attn_q.weight" }
    static func attnK(_ i: Int) -> String { "blk.\(i).attn_k.weight" }
    static func attnV(_ i: Int) -> String { "blk.\(i).attn_v.weight" }
    static func attnOutput(_ i: Int) -> String { "blk.\(i).attn_output.weight" }
    static func attnQNorm(_ i: Int) -> String { "blk.\(i).attn_q_norm.weight" }
    static func attnKNorm(_ i: Int) -> String { "blk.\(i).attn_k_norm.weight" }
    static func ffnNorm(_ i: Int) -> String { "blk.\(i).ffn_norm.weight" }
    static func ffnGate(_ i: Int) -> String { "blk.\(i).ffn_gate.weight" }
    static func ffnUp(_ i: Int) -> String { "blk.\(i).ffn_up.weight" }
    static func ffnDown(_ i: Int) -> String { "blk.\(i).ffn_down.weight" }
    static func ffnRouter(_ i: Int) -> String { "blk.\(i).ffn_gate_inp.weight" }
    static func ffnGateExperts(_ i: Int) -> String { "blk.\(i).ffn_gate_exps.weight" }
    static func ffnUpExperts(_ i: Int) -> String { "blk.\(i).ffn_up_exps.weight" }
    static func ffnDownExperts(_ i: Int) -> String { "blk.\(i).ffn_down_exps.weight" }
    static func ffnGateShared(_ i: Int) -> String { "blk.\(i).ffn_gate_shexp.weight" }
    static func ffnUpShared(_ i: Int) -> String { "blk.\(i).ffn_up_shexp.weight" }
    static func ffnDownShared(_ i: Int) -> String { "blk.\(i).ffn_down_shexp.weight" }
}

extension GGUFFile {
    /// A required integer key, or a `GGUFError` naming it.
    func requireInt(_ key: String) throws -> Int {
        guard let v = metadata[key] else { throw GGUFError("missing metadata key \(key)") }
        guard let i = v.intValue else { throw GGUFError("metadata key \(key) is not an integer (\(v.summary))") }
        return i
    }
    /// A required float key, or a `GGUFError` naming it.
    func requireFloat(_ key: String) throws -> Float {
        guard let v = metadata[key] else { throw GGUFError("missing metadata key \(key)") }
        guard let f = v.floatValue ?? v.intValue.map(Float.init) else { throw GGUFError("metadata key \(key) is not a number (\(v.summary))") }
        return f
    }
}
