import Foundation
import MoE

/// The in-process MoE engine as the assistant's `ReplyEngine`: the model's own chat format,
/// sampling with a per-reply seed, stop tokens from the file. The engine is synchronous and
/// CPU-bound, so it runs on its own thread, never on Swift's cooperative pool.
public final class MoEReplyEngine: ReplyEngine, @unchecked Sendable {
    /// The model.
    public let model: Model
    /// Its tokenizer.
    public let tokenizer: Tokenizer
    /// Its chat format.
    public let template: ChatTemplate
    /// Sampling (the seed is replaced per request).
    public let sampling: SamplerSettings
    /// Context length per reply (prompt plus reply).
    public let contextTokens: Int
    private let specialTexts: [String]
    private let queue = DispatchQueue(label: "chorus.engine")

    /// Loads `path` with `threads` compute threads.
    public init(path: String, threads: Int = 1, sampling: SamplerSettings = SamplerSettings(temperature: 0.7, topK: 40, topP: 0.9,
                minP: 0.05, repetitionPenalty: 1.1), contextTokens: Int = 2048) throws {
        model = try Model.load(path: path, threads: threads)
        tokenizer = try Tokenizer(gguf: model.file)
        template = try ChatTemplate(gguf: model.file, tokenizer: tokenizer)
        self.sampling = sampling
        self.contextTokens = contextTokens
        var texts: [String] = []
        for id in 0..<Int32(tokenizer.vocabularySize) where tokenizer.isControl(id) {
            if let text = tokenizer.storedText(id), text.count > 2 { texts.append(text) }
        }
        specialTexts = texts
    }

    public func tokenCount(_ text: String) -> Int {
        tokenizer.encode(text, addSpecial: false, parseSpecial: false).count
    }

    public func generate(_ requests: [GenerationRequest]) async throws -> [String] {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result { try requests.map(self.generateOne) })
            }
        }
    }

    /// One reply: prompt in the model's chat format, prefill, sample until a stop token.
    func generateOne(_ request: GenerationRequest) throws -> String {
        let messages = request.turns.map { turn in
            ChatMessage(role: ChatRole(rawValue: turn.role.rawValue) ?? .user, content: defuse(turn.text))
        }
        var prompt = template.encode(messages, tokenizer: tokenizer)
        let room = contextTokens - request.maxTokens
        if prompt.count > room { prompt = Array(prompt.suffix(max(room, 1))) }
        let session = model.makeSession(maxTokens: prompt.count + request.maxTokens, batchSize: 128)
        var settings = sampling
        settings.seed = request.seed
        var sampler = Sampler(settings: settings)
        sampler.accept(contentsOf: prompt)
        var logits = try session.prefill(prompt)[0]
        var output: [Int32] = []
        while output.count < request.maxTokens {
            var next = sampler.sample(logits)
            if output.isEmpty, isStop(next) {
                // A reply is never empty: the first token may not end it (llama.cpp's `min_keep`
                // idea applied to stop tokens; small models otherwise stop at once now and then).
                for id in template.stopTokenIDs.union(tokenizer.endOfGenerationIDs) where Int(id) < logits.count {
                    logits[Int(id)] = -.infinity
                }
                next = sampler.sample(logits)
            }
            if isStop(next) { break }
            output.append(next)
            sampler.accept(next)
            if output.count == request.maxTokens { break }
            logits = try session.decode(next)
        }
        return tokenizer.decode(output, special: false)
    }

    private func isStop(_ id: Int32) -> Bool { template.isStop(id) || tokenizer.isEndOfGeneration(id) }

    /// People's words must not become control tokens: a message containing `<|eot|>` or
    /// `[INST]` is text, not a turn boundary (the prompt is tokenized with special tokens parsed).
    func defuse(_ text: String) -> String {
        guard text.contains("<") || text.contains("[") else { return text }
        var text = text
        for special in specialTexts where text.contains(special) {
            let first = special.prefix(1)
            text = text.replacingOccurrences(of: special, with: first + "\u{2060}" + special.dropFirst())
        }
        return text
    }
}
