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
    /// The engine's one compute thread: batch generation and the streaming scheduler take turns on it.
    let queue = DispatchQueue(label: "chorus.engine")
    /// Streamed requests join and leave the decode batch between steps (`stream(_:)`).
    let batcher: ContinuousBatcher
    /// The most replies `stream(_:)` decodes together; more wait their turn.
    public var streamingBatch: Int { batcher.maxBatch }
    /// The vision encoder (`--mmproj`), if loaded.
    public let vision: VisionEncoder?
    private let imageTokens: ImageTokenIDs?
    private let embeddings = ImageEmbeddingCache(capacity: 32)

    public var seesImages: Bool { vision != nil }

    /// Loads `path` (and the vision projector `mmproj`, if given) with `threads` compute threads;
    /// `progress` follows the load (`Model.load`).
    public init(path: String, mmproj: String? = nil, threads: Int = 1,
                sampling: SamplerSettings = SamplerSettings(temperature: 0.7, topK: 40, topP: 0.9,
                minP: 0.05, repetitionPenalty: 1.1), contextTokens: Int = 2048, streamingBatch: Int = 8,
                progress: ((LoadProgress) -> Void)? = nil) throws {
        batcher = ContinuousBatcher(maxBatch: streamingBatch)
        model = try Model.load(path: path, threads: threads, progress: progress)
        if let mmproj {
            vision = try VisionEncoder(mmproj: mmproj, threads: threads)
            imageTokens = try ImageTokenIDs(file: model.file)
        } else {
            vision = nil
            imageTokens = nil
        }
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
                continuation.resume(with: Result { try self.generateBatch(requests) })
            }
        }
    }

    /// One reply being generated: its session, sampler, output so far and next logits.
    struct Stream {
        let session: Session
        var sampler: Sampler
        let maxTokens: Int
        let minTokens: Int
        var logits: [Float]
        var output: [Int32] = []
        var done = false
        /// Why it ended: a stop token, or its length.
        var finish: GenerationEvent.Finish?
        /// Prompt positions (tokens plus image tokens).
        var promptTokens = 0
    }

    /// Every request is prefilled on its own session; then all replies decode together, one
    /// token each per step, through `BatchDecoder` (the step's tokens grouped per expert, so each
    /// expert's weights are read once per step). Finished replies leave the batch.
    func generateBatch(_ requests: [GenerationRequest]) throws -> [String] {
        var streams = try requests.map(start)
        let longest = streams.map { $0.session.maxTokens }.max() ?? 1
        let decoder = BatchDecoder(model: model, maxBatch: max(1, streams.count), maxTokens: longest)
        while true {
            var active: [Int] = []
            var tokens: [Int32] = []
            for index in streams.indices where !streams[index].done {
                guard let next = choose(&streams[index]) else { continue }
                active.append(index)
                tokens.append(next)
            }
            guard !active.isEmpty else { break }
            let logits = try decoder.step(active.map { streams[$0].session }, tokens)
            for (row, index) in active.enumerated() { streams[index].logits = logits[row] }
        }
        return streams.map { tokenizer.decode($0.output, special: false) }
    }

    /// Samples a stream's next token; nil (and done) when it stops or reaches its length.
    func choose(_ stream: inout Stream) -> Int32? {
        var next = stream.sampler.sample(stream.logits)
        if stream.output.count < stream.minTokens, isStop(next) {
            // A reply is never shorter than `minTokens` (at least one: never empty), as
            // OpenAI-compatible servers' `min_tokens`: stop tokens are masked until then.
            for id in template.stopTokenIDs.union(tokenizer.endOfGenerationIDs) where Int(id) < stream.logits.count {
                stream.logits[Int(id)] = -.infinity
            }
            next = stream.sampler.sample(stream.logits)
        }
        if isStop(next) {
            stream.done = true
            stream.finish = .stop
            return nil
        }
        stream.output.append(next)
        stream.sampler.accept(next)
        if stream.output.count >= stream.maxTokens {
            stream.done = true
            stream.finish = .length
            return nil
        }
        return next
    }

    /// The prompt in the model's chat format, prefilled; ready to sample the first token.
    func start(_ request: GenerationRequest) throws -> Stream {
        var messages = request.turns.map { turn in
            ChatMessage(role: ChatRole(rawValue: turn.role.rawValue) ?? .user, content: defuse(turn.text))
        }
        // Pictures go first in the last user turn, where Llama 4's processor puts them: one
        // `<|image|>` marker each, replaced by the image's laid-out tokens and embeddings.
        let images = try encodeImages(request.images)
        if !images.isEmpty, let last = messages.lastIndex(where: { $0.role == .user }) {
            messages[last].content = String(repeating: "<|image|>", count: images.count) + messages[last].content
        }
        var prompt = template.encode(messages, tokenizer: tokenizer)
        let room = contextTokens - request.maxTokens
        if !request.truncatesPrompt, prompt.count > room {
            throw GenerationError.contextExceeded(prompt: prompt.count, reply: request.maxTokens, context: contextTokens)
        }
        if images.isEmpty, prompt.count > room { prompt = Array(prompt.suffix(max(room, 1))) }
        let segments = segment(prompt, images: images)
        let length = segments.reduce(0) { total, segment in
            switch segment {
            case .tokens(let ids): total + ids.count
            case .image(let embedding): total + embedding.tokenCount
            }
        }
        let session = model.makeSession(maxTokens: length + request.maxTokens, batchSize: 128)
        var settings = sampling
        settings.seed = request.seed
        if let temperature = request.temperature { settings.temperature = temperature }
        if let topP = request.topP { settings.topP = topP }
        var sampler = Sampler(settings: settings)
        sampler.accept(contentsOf: prompt)
        let logits = images.isEmpty ? try session.prefill(prompt)[0]
            : try session.prefill(segments, imageTokens: imageTokens)[0]
        return Stream(session: session, sampler: sampler, maxTokens: request.maxTokens,
                      minTokens: max(1, min(request.minTokens, request.maxTokens)), logits: logits, promptTokens: length)
    }

    /// Decodes and encodes pictures, each once per sha256 (the cache keeps recent embeddings).
    private func encodeImages(_ inputs: [ImageInput]) throws -> [ImageEmbedding] {
        guard let vision, !inputs.isEmpty else { return [] }
        return try inputs.map { input in
            try embeddings.embedding(for: input.key) {
                try vision.encode(image: try ImageDecoder.decode(Data(input.data)))
            }
        }
    }

    /// Splits the prompt at each `<|image|>` marker we put in, in order, into token and image segments.
    private func segment(_ prompt: [Int32], images: [ImageEmbedding]) -> [PromptSegment] {
        guard let marker = imageTokens?.image, !images.isEmpty else { return [.tokens(prompt)] }
        var segments: [PromptSegment] = []
        var current: [Int32] = []
        var next = 0
        for id in prompt {
            if id == marker, next < images.count {
                if !current.isEmpty { segments.append(.tokens(current)) }
                segments.append(.image(images[next]))
                next += 1
                current = []
            } else {
                current.append(id)
            }
        }
        if !current.isEmpty { segments.append(.tokens(current)) }
        return segments
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
