/// One sequence of tokens on a `Model` (a conversation): its KV cache, position and scratch buffers.
///
/// Not thread-safe: use a session from one thread at a time (different sessions may run
/// concurrently). Token ids outside `0..<config.vocabSize` or more tokens than `remaining`
/// throw `SessionError` before anything is computed (the checks hold in -Ounchecked builds).
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

    /// Drops tokens after `newPosition` (e.g. to reuse a shared prompt prefix); clamped to 0...position.
    public func truncate(to newPosition: Int) {
        position = min(max(newPosition, 0), position)
    }

    /// A new session continuing from this one's tokens (its KV cache copied up to `position`),
    /// e.g. to prefill a shared system prompt once and fork it per conversation.
    public func fork(maxTokens newMax: Int? = nil) -> Session {
        let other = Session(model: model, maxTokens: max(newMax ?? maxTokens, position), batchSize: state.capacity)
        let n = position * kv.kvDim
        for l in 0..<kv.keys.count {
            other.kv.keys[l].p.update(from: kv.keys[l].p, count: n)
            other.kv.values[l].p.update(from: kv.values[l].p, count: n)
        }
        other.position = position
        return other
    }

    /// Feeds `tokens` (in batches) and returns logits: one row per token if `allLogits`,
    /// else only the last token's (empty input returns []).
    public func prefill(_ tokens: [Int32], allLogits: Bool = false) throws -> [[Float]] {
        try check(tokens)
        let started = EngineUsage.now()
        defer { model.usage.addPrompt(tokens: tokens.count, nanoseconds: EngineUsage.now() &- started) }
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
    public func decode(_ token: Int32) throws -> [Float] {
        try check([token])
        let started = EngineUsage.now()
        let f = Forward(model: model, state: state, rows: .prompt(kv, start: position, count: 1))
        defer {
            position += 1
            model.usage.addDecode(tokens: 1, nanoseconds: EngineUsage.now() &- started)
        }
        return [token].withUnsafeBufferPointer { f.run($0, wantLogits: .last) }[0]
    }

    /// Throws unless `tokens` are valid ids and fit in the cache.
    func check(_ tokens: [Int32]) throws {
        guard tokens.count <= remaining else {
            throw SessionError("\(tokens.count) tokens do not fit: \(remaining) of \(maxTokens) positions left")
        }
        let vocab = model.config.vocabSize
        if let bad = tokens.first(where: { $0 < 0 || Int($0) >= vocab }) {
            throw SessionError("token id \(bad) is outside the vocabulary (0..<\(vocab))")
        }
    }
}

/// A request a session cannot serve: a token id outside the vocabulary or a full context.
public struct SessionError: Error, CustomStringConvertible, Sendable {
    /// What is wrong.
    public let message: String
    init(_ message: String) { self.message = message }
    public var description: String { message }
}
