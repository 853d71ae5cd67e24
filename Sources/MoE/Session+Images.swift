/// Prompts with images (Llama 4): images become their token layout, and the `<|patch|>`
/// positions take the image embeddings instead of the token embedding (transformers'
/// `Llama4ForConditionalGeneration.forward`: `inputs_embeds.masked_scatter(special_image_mask, …)`).
extension Session {
    /// Feeds `segments` in order and returns logits as `prefill(_:allLogits:)` does. Image token ids
    /// come from `imageTokens`, or from the model's vocabulary when nil. Throws `SessionError` when
    /// the prompt does not fit, an embedding's width is not the model's, or the vocabulary lacks
    /// the image tokens.
    public func prefill(_ segments: [PromptSegment], imageTokens: ImageTokenIDs? = nil, allLogits: Bool = false) throws -> [[Float]] {
        let e = model.config.embedding
        var tokens: [Int32] = []
        var source: [Int32] = []   // per position: row of `embeddings`, or −1 for the token's own
        var embeddings: [Float] = []
        var ids = imageTokens
        for seg in segments {
            switch seg {
            case .tokens(let t):
                tokens += t
                source += [Int32](repeating: -1, count: t.count)
            case .image(let img):
                guard img.width == e else {
                    throw SessionError("image embeddings are \(img.width) wide; the model's embeddings are \(e)")
                }
                if ids == nil { ids = try ImageTokenIDs(file: model.file) }
                let layout = ids!.layout(img)
                var row = Int32(embeddings.count / e)
                for t in layout {
                    tokens.append(t)
                    if t == ids!.patch { source.append(row); row += 1 } else { source.append(-1) }
                }
                precondition(Int(row) - embeddings.count / e == img.embeddingCount)
                embeddings += img.values
            }
        }
        try check(tokens)
        let started = EngineUsage.now()
        defer { model.usage.addPrompt(tokens: tokens.count, nanoseconds: EngineUsage.now() &- started) }
        var out: [[Float]] = []
        embeddings.withUnsafeBufferPointer { emb in
            var i = 0
            while i < tokens.count {
                let n = min(state.capacity, tokens.count - i)
                let last = i + n == tokens.count
                let f = Forward(model: model, state: state, rows: .prompt(kv, start: position, count: n))
                let first = i
                let pick: (Int) -> UnsafePointer<Float>? = { t in
                    let r = source[first + t]
                    return r < 0 ? nil : emb.baseAddress! + Int(r) * e
                }
                out += tokens[i..<i + n].withUnsafeBufferPointer { f.run($0, wantLogits: allLogits ? .all : (last ? .last : .none), embeddings: pick) }
                position += n
                i += n
            }
        }
        return out
    }
}
