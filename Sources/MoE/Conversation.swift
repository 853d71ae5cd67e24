/// A multi-turn chat with a model on one session whose KV cache carries over between turns.
///
/// Each turn renders the whole history in the model's chat format (`ChatTemplate`), keeps the
/// longest prefix the cache already holds and processes only the rest: the new user message and
/// whatever the re-rendered previous reply differs in (a reply that tokenizes back to the tokens
/// sampled costs nothing). Replies stream as valid UTF-8 (`StreamingDetokenizer`). When the
/// history no longer fits, the oldest turns are dropped (the system message stays). Sampling is
/// reseeded each turn, so a turn's reply equals a one-shot generation of the same prompt, seed and
/// settings. Not thread-safe.
public final class Conversation {
    /// Why a reply ended.
    public enum Ending: String, Sendable {
        /// The model ended its turn (a stop token).
        case endOfTurn
        /// `maxTokens` or the context was reached.
        case length
        /// `shouldStop` said so.
        case interrupted
    }

    /// One turn's figures.
    public struct Turn: Sendable {
        /// The reply's text.
        public var text: String
        /// The reply's tokens.
        public var tokens: [Int32]
        /// Prompt positions processed this turn.
        public var promptTokens: Int
        /// Prompt positions reused from the cache.
        public var reusedTokens: Int
        /// Why the reply ended.
        public var ending: Ending
        /// Seconds processing the prompt.
        public var promptSeconds: Double
        /// Seconds generating.
        public var generateSeconds: Double
    }

    /// The model.
    public let model: Model
    /// Its tokenizer.
    public let tokenizer: Tokenizer
    /// Its chat format.
    public let template: ChatTemplate
    /// The system message, if any.
    public let system: String?
    /// Sampling for the next replies.
    public var sampling: SamplerSettings
    /// The messages so far, the system message first.
    public private(set) var messages: [ChatMessage] = []
    /// Prompt positions processed over all turns since the conversation began.
    public private(set) var promptTokensProcessed = 0
    /// Positions the cache can hold.
    public var contextTokens: Int { session.maxTokens }

    private let session: Session
    private let imageTokens: ImageTokenIDs?
    /// Images of each message, parallel to `messages`, with a number unique in this conversation.
    private var images: [[(serial: Int, embedding: ImageEmbedding)]] = []
    private var nextImage = 0
    /// What each cached position holds: a token id, or −(image serial · 2²⁰ + offset + 1) inside an image.
    private var cached: [Int64] = []

    /// A conversation on `model` with room for `contextTokens` positions. `imageTokens` is needed
    /// only for replies with images (Llama 4 vision).
    public init(model: Model, tokenizer: Tokenizer, template: ChatTemplate, system: String? = nil,
                sampling: SamplerSettings = .greedy, contextTokens: Int = 4096, imageTokens: ImageTokenIDs? = nil) {
        self.model = model
        self.tokenizer = tokenizer
        self.template = template
        self.system = system
        self.sampling = sampling
        self.imageTokens = imageTokens
        session = model.makeSession(maxTokens: contextTokens, batchSize: 256)
        reset()
    }

    /// Forgets every turn (the system message stays). The cache is kept: the next turn reuses
    /// the positions its prompt shares with it (BOS, the system message).
    public func reset() {
        messages = system.map { [ChatMessage(role: .system, content: $0)] } ?? []
        images = messages.map { _ in [] }
    }

    /// Adds the user's `text` (with `images` before it, as Llama 4's processor puts them), generates
    /// the reply and remembers it. `onText` receives the reply as it is generated, in pieces of
    /// whole characters; `shouldStop` is asked before each token. Throws `SessionError` when the
    /// message alone does not fit in the context.
    public func respond(to text: String, images newImages: [ImageEmbedding] = [], maxTokens: Int,
                        shouldStop: () -> Bool = { false }, onText: (String) -> Void = { _ in }) throws -> Turn {
        if !newImages.isEmpty && imageTokens == nil { throw SessionError("images need the model's image tokens (a Llama 4 vision model)") }
        let content = String(repeating: "<|image|>", count: newImages.count) + text
        messages.append(ChatMessage(role: .user, content: content))
        images.append(newImages.map { e in defer { nextImage += 1 }; return (nextImage, e) })
        var prompt = try render()
        let room = max(1, min(maxTokens, contextTokens / 2))
        while prompt.keys.count + room > contextTokens, dropOldestTurn() { prompt = try render() }
        guard prompt.keys.count < contextTokens else {
            messages.removeLast(); images.removeLast()
            throw SessionError("the message needs \(prompt.keys.count) positions; the context holds \(contextTokens)")
        }

        let clock = ContinuousClock(), started = clock.now
        var reuse = zip(cached, prompt.keys).prefix { $0 == $1 }.count
        reuse = min(reuse, prompt.keys.count - 1)     // at least one position is fed, for logits
        reuse = prompt.segmentStart(containing: reuse)  // never cut an image in two
        session.truncate(to: reuse)
        cached.removeLast(cached.count - reuse)
        var logits = try session.prefill(prompt.segments(from: reuse), imageTokens: imageTokens)[0]
        cached += prompt.keys[reuse...]
        promptTokensProcessed += prompt.keys.count - reuse
        let prefilled = clock.now

        var sampler = Sampler(settings: sampling)
        sampler.accept(contentsOf: prompt.ids)
        var detokenizer = StreamingDetokenizer(tokenizer: tokenizer)
        var out: [Int32] = [], reply = "", ending = Ending.length
        while out.count < maxTokens {
            if shouldStop() { ending = .interrupted; break }
            let next = sampler.sample(logits)
            if template.isStop(next) || tokenizer.isEndOfGeneration(next) { ending = .endOfTurn; break }
            sampler.accept(next)
            out.append(next)
            let piece = detokenizer.append(next)
            reply += piece
            onText(piece)
            if out.count == maxTokens || session.remaining == 0 { break }
            logits = try session.decode(next)
            cached.append(Int64(next))
        }
        let rest = detokenizer.finish()
        reply += rest
        onText(rest)
        messages.append(ChatMessage(role: .assistant, content: reply))
        images.append([])
        func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }
        return Turn(text: reply, tokens: out, promptTokens: prompt.keys.count - reuse, reusedTokens: reuse, ending: ending,
                    promptSeconds: seconds(prefilled - started), generateSeconds: seconds(clock.now - prefilled))
    }

    /// Drops the oldest user turn and its reply (never the system message or the last message).
    private func dropOldestTurn() -> Bool {
        let first = system == nil ? 0 : 1
        guard messages.count - first > 1 else { return false }
        var end = first + 1
        while end < messages.count - 1 && messages[end].role != .user { end += 1 }
        messages.removeSubrange(first..<end)
        images.removeSubrange(first..<end)
        return true
    }

    /// The prompt for the current messages, ending where the assistant's reply begins.
    private func render() throws -> RenderedPrompt {
        let all = images.flatMap { $0 }
        let text = template.format.render(messages, addGenerationPrompt: true)
        let segments = all.isEmpty ? [PromptSegment.tokens(tokenizer.encode(text, addSpecial: true, parseSpecial: true))]
            : try PromptSegment.segments(text: text, images: all.map(\.embedding), tokenizer: tokenizer)
        var out = RenderedPrompt()
        var next = 0
        for segment in segments {
            out.starts.append(out.keys.count)
            out.parts.append(segment)
            switch segment {
            case .tokens(let ids):
                out.keys += ids.map(Int64.init)
                out.ids += ids
            case .image(let embedding):
                let serial = Int64(all[next].serial)
                next += 1
                let layout = imageTokens!.layout(embedding)
                out.keys += layout.indices.map { -(serial << 20 + Int64($0) + 1) }
                out.ids += layout
            }
        }
        return out
    }
}

/// A rendered prompt: its segments, and per position a key (token id, or image serial and offset)
/// and the token id.
private struct RenderedPrompt {
    var parts: [PromptSegment] = []
    var starts: [Int] = []
    var keys: [Int64] = []
    var ids: [Int32] = []

    /// `position`, moved back to the start of the image it falls inside (unchanged in text).
    func segmentStart(containing position: Int) -> Int {
        guard let i = starts.lastIndex(where: { $0 <= position }) else { return position }
        if case .image = parts[i] { return starts[i] }
        return position
    }

    /// The segments from `position` on (which is not inside an image).
    func segments(from position: Int) -> [PromptSegment] {
        var out: [PromptSegment] = []
        for (i, part) in parts.enumerated() {
            let start = starts[i]
            switch part {
            case .tokens(let ids):
                let end = start + ids.count
                if end <= position { continue }
                out.append(.tokens(Array(ids[max(0, position - start)...])))
            case .image:
                if start >= position { out.append(part) }
            }
        }
        return out
    }
}
