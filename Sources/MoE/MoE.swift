/// The inference engine: GGUF Mixture-of-Experts models (Llama 4, Qwen3-MoE, Mixtral) in
/// Swift over OpenBLAS, matching llama.cpp's logits (F32 within 1e-5; quantized files with
/// llama.cpp's activation rounding). Knows nothing about chat platforms.
///
/// Layout (DESIGN.md):
/// - `GGUF/`: the mmap reader (`GGUFFile`), the ggml type table (`GGMLType`) and, apart from
///   compute, every metadata key and tensor name (`GGUFKeys.swift`).
/// - `Models/`: one file per architecture turning metadata into a `ModelConfig`
///   (`Llama4.swift`, `Qwen3MoE.swift`, `Mixtral.swift`) and the registry (`Architecture.swift`).
/// - `ModelConfig`, `ModelWeights` (views into the mmap, every shape commented), `RunState`
///   (all scratch sized up front), `KVCache` (per session): llama2.c's three structs.
/// - `Forward.swift`: the one forward pass, over a batch of rows (`BatchRows`): a prompt of one
///   session, or one token each of many sessions (`BatchDecoder`, `Batch.swift`).
/// - `Kernels/`: dequantization (F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q5_K, Q6_K), integer row dots
///   on quantized activations and F32 rows (C: `Sources/CKernels`), the `Linear` products (those
///   kernels, OpenBLAS where none fits), the worker threads, norms, RoPE, softmax, SiLU.
/// - `Tokenizer/`, `ChatTemplate*`, `Sampler*`: text ↔ tokens, prompts and sampling;
///   `Conversation`: a multi-turn chat on one session whose KV cache carries over between turns.
/// - `LoadProgress` (what `Model.load` reports) and `EngineUsage` (`model.usage`: tokens, seconds
///   and expert routing counted by the engine, read with `snapshot()`).
///
/// Use:
/// ```swift
/// let model = try Model.load(path: "model.gguf", threads: 2)      // throws GGUFError
/// let session = model.makeSession(maxTokens: 4096)
/// var logits = try session.prefill(promptTokens)[0]                // last position's logits
/// logits = try session.decode(nextToken)                         // throws SessionError
/// let forked = session.fork()                                     // shares the prefix's KV, copied
/// let batch = BatchDecoder(model: model, maxBatch: 8, maxTokens: 4096)
/// let rows = try batch.step([sessionA, sessionB], [tokenA, tokenB]) // one pass, experts read once
/// ```
public enum MoE {}
