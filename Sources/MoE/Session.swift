/// One sequence of tokens on a `Model` (a conversation): its KV cache, position and scratch buffers.
///
/// Not thread-safe: use a sequence from one thread at a time (different sequences may run
/// concurrently). Token ids must be in `0..<config.vocabSize` and the total number of tokens
/// must stay within `maxTokens` (checked: violating either is a programming error and traps).
public final class Session {
    /// The model this sequence runs on.
    public let model: Model
    /// Positions available in the KV cache.
    public let maxTokens: Int
    /// Tokens processed so far (the position of the next token).
    public internal(set) var position = 0
    let kv: KVCache
    let state: RunState

    init(model: Model, maxTokens: Int, batchSize: Int) {
        self.model = model
        self.maxTokens = max(1, maxTokens)
        let c = model.config
        kv = KVCache(layers: c.layerCount, maxTokens: self.maxTokens, kvDim: c.kvHeadCount * c.headDim)
        state = RunState(config: c, capacity: max(1, min(batchSize, self.maxTokens)), maxTokens: self.maxTokens, workers: model.workers)
    }

    /// Positions left.
    public var remaining: Int { maxTokens - position }

    /// Forgets everything (position 0); the cache is reused.
    public func reset() { position = 0 }

    /// Drops tokens after `position` (e.g. to reuse a shared prompt prefix).
    public func truncate(to newPosition: Int) {
        precondition(newPosition >= 0 && newPosition <= position, "truncate: \(newPosition) is outside 0...\(position)")
        position = newPosition
    }

    /// Feeds `tokens` (in batches) and returns logits: one row per token if `allLogits`,
    /// else only the last token's (empty input returns []).
    public func prefill(_ tokens: [Int32], allLogits: Bool = false) -> [[Float]] {
        precondition(tokens.count <= remaining, "prefill: \(tokens.count) tokens exceed the \(remaining) positions left")
        var out: [[Float]] = []
        var i = 0
        while i < tokens.count {
            let n = min(state.capacity, tokens.count - i)
            let last = i + n == tokens.count
            let f = Forward(model: model, state: state, rows: .prompt(kv, start: position, count: n))
            out += tokens[i..<i + n].withUnsafeBufferPointer { f.run($0, wantLogits: allLogits ? .all : (last ? .last : .none)) }
            position += n
            i += n
        }
        return out
    }

    /// Feeds one token and returns its logits.
    public func decode(_ token: Int32) -> [Float] {
        precondition(remaining > 0, "decode: the sequence is full (\(maxTokens) tokens)")
        let f = Forward(model: model, state: state, rows: .prompt(kv, start: position, count: 1))
        defer { position += 1 }
        return [token].withUnsafeBufferPointer { f.run($0, wantLogits: .last) }[0]
    }
}
