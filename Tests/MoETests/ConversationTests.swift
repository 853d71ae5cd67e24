import Testing
@testable import MoE

/// `Conversation` on the bundled model: each turn's reply equals a one-shot greedy generation of
/// the whole rendered history, while only the new positions are processed.
@Suite struct ConversationTests {
    /// The one-shot greedy reply to `messages`: a fresh session, the whole prompt prefilled.
    static func oneShot(_ messages: [ChatMessage], model: Model, tokenizer: Tokenizer, template: ChatTemplate,
                        maxTokens: Int) throws -> (text: String, prompt: [Int32]) {
        let prompt = template.encode(messages, tokenizer: tokenizer)
        let session = model.makeSession(maxTokens: prompt.count + maxTokens)
        var logits = try session.prefill(prompt)[0]
        var out: [Int32] = []
        var sampler = Sampler(settings: .greedy)
        while out.count < maxTokens {
            let next = sampler.sample(logits)
            if template.isStop(next) || tokenizer.isEndOfGeneration(next) { break }
            out.append(next)
            if out.count == maxTokens { break }
            logits = try session.decode(next)
        }
        return (tokenizer.decode(out, special: false), prompt)
    }

    @Test func turnsEqualOneShotGenerationAndReuseTheCache() throws {
        let (model, tokenizer, template) = try BundledModelTests.load()
        let chat = Conversation(model: model, tokenizer: tokenizer, template: template, system: "You are Chorus.",
                                sampling: .greedy, contextTokens: 1024)
        var history = [ChatMessage(role: .system, content: "You are Chorus.")]
        var streamed = ""
        var previousPrompt = 0
        for (i, text) in ["Hello!", "What are your opening hours?", "Thank you, bye!"].enumerated() {
            history.append(ChatMessage(role: .user, content: text))
            let expected = try Self.oneShot(history, model: model, tokenizer: tokenizer, template: template, maxTokens: 40)
            streamed = ""
            let turn = try chat.respond(to: text, maxTokens: 40, onText: { streamed += $0 })
            #expect(turn.text == expected.text, "turn \(i + 1)")
            #expect(streamed == turn.text)
            #expect(turn.promptTokens + turn.reusedTokens == expected.prompt.count)
            if i == 0 {
                #expect(turn.reusedTokens == 0)
            } else {
                // Everything before this turn's prompt was cached (the previous prompt at least).
                #expect(turn.reusedTokens >= previousPrompt, "turn \(i + 1) reprocessed the history")
                #expect(turn.promptTokens < expected.prompt.count / 2 + 10)
            }
            previousPrompt = expected.prompt.count
            history.append(ChatMessage(role: .assistant, content: turn.text))
        }
        #expect(chat.messages == history)
        #expect(chat.promptTokensProcessed < history.count * 40)
    }

    @Test func resetForgetsTheTurnsAndRepliesAsAtFirst() throws {
        let (model, tokenizer, template) = try BundledModelTests.load()
        let chat = Conversation(model: model, tokenizer: tokenizer, template: template, sampling: .greedy, contextTokens: 512)
        let first = try chat.respond(to: "Hello!", maxTokens: 24)
        _ = try chat.respond(to: "How are you?", maxTokens: 24)
        chat.reset()
        #expect(chat.messages.isEmpty)
        let again = try chat.respond(to: "Hello!", maxTokens: 24)
        #expect(again.text == first.text)
        #expect(again.reusedTokens > 0, "the BOS and header positions are still cached")
    }

    @Test func oldTurnsAreDroppedWhenTheContextIsFull() throws {
        let (model, tokenizer, template) = try BundledModelTests.load()
        let chat = Conversation(model: model, tokenizer: tokenizer, template: template, system: "Be brief.",
                                sampling: .greedy, contextTokens: 96)
        for text in ["Hello!", "Hola", "Bonjour", "Hallo", "Ciao", "Olá"] { _ = try chat.respond(to: text, maxTokens: 16) }
        #expect(chat.messages.first == ChatMessage(role: .system, content: "Be brief."))
        #expect(chat.messages.count < 13)
        #expect(chat.messages.suffix(2).first == ChatMessage(role: .user, content: "Olá"))
        #expect(throws: SessionError.self) { try chat.respond(to: String(repeating: "word ", count: 200), maxTokens: 8) }
    }

    @Test func stopsWhenAsked() throws {
        let (model, tokenizer, template) = try BundledModelTests.load()
        let chat = Conversation(model: model, tokenizer: tokenizer, template: template, sampling: .greedy, contextTokens: 256)
        var asked = 0
        let turn = try chat.respond(to: "Hello!", maxTokens: 40, shouldStop: { asked += 1; return asked > 3 })
        #expect(turn.ending == .interrupted && turn.tokens.count == 3)
        #expect(chat.messages.last?.role == .assistant)
    }
}
