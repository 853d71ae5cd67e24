/// Decodes one token for each of several sessions in a single forward pass (continuous
/// batching): sessions join or leave between steps simply by being passed or not.
///
/// All rows share each weight read: projections are matrix products over the step's rows and
/// the rows routed to an expert run together, so an expert's weights are read once per step
/// however many sessions chose it (ENGINE.md: 8 sequences touch ~21 of 32 experts per layer).
/// Attention stays per session, against its own KV cache. Use from one thread at a time; the
/// sessions must not be used elsewhere during a step.
public final class BatchDecoder {
    /// The model all sessions run on.
    public let model: Model
    /// Rows per forward pass; larger steps are split.
    public let maxBatch: Int
    /// Longest session cache this decoder serves.
    public let maxTokens: Int
    let state: RunState

    /// A decoder for up to `maxBatch` sessions per pass, each with at most `maxTokens` positions.
    public init(model: Model, maxBatch: Int, maxTokens: Int) {
        self.model = model
        self.maxBatch = max(1, maxBatch)
        self.maxTokens = max(1, maxTokens)
        state = RunState(config: model.config, capacity: self.maxBatch, maxTokens: self.maxTokens, workers: model.workers)
    }

    /// Feeds `tokens[i]` to `sessions[i]` (distinct sessions of this model, each with room for
    /// one more token) and returns each session's next-token logits, in order. Throws
    /// `SessionError` (and changes nothing) if any input is invalid.
    public func step(_ sessions: [Session], _ tokens: [Int32]) throws -> [[Float]] {
        guard sessions.count == tokens.count else { throw SessionError("step: \(sessions.count) sessions but \(tokens.count) tokens") }
        guard Set(sessions.map(ObjectIdentifier.init)).count == sessions.count else { throw SessionError("step: a session appears twice") }
        for (s, t) in zip(sessions, tokens) {
            guard s.model === model else { throw SessionError("step: a session belongs to another model") }
            guard s.maxTokens <= maxTokens else {
                throw SessionError("step: a session's cache (\(s.maxTokens)) exceeds the decoder's maxTokens (\(maxTokens))")
            }
            try s.check([t])
        }
        var out: [[Float]] = []
        out.reserveCapacity(sessions.count)
        var i = 0
        while i < sessions.count {
            let started = EngineUsage.now()
            let part = Array(sessions[i..<min(i + maxBatch, sessions.count)])
            let rows = BatchRows.decode(caches: part.map(\.kv), positions: part.map(\.position))
            let f = Forward(model: model, state: state, rows: rows)
            out += tokens[i..<i + part.count].withUnsafeBufferPointer { f.run($0, wantLogits: .all) }
            for s in part { s.position += 1 }
            model.usage.addDecode(tokens: part.count, nanoseconds: EngineUsage.now() &- started)
            i += part.count
        }
        return out
    }
}
