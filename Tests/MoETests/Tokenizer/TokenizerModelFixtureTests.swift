import Foundation
import Testing
@testable import MoE

/// The oracle's model fixtures (`Fixtures/models/<model>.ref.json`, scripts/make_references.py)
/// record how llama.cpp tokenizes, renders chats and detokenizes for each model file.
@Suite("Tokenizer model fixtures")
struct TokenizerModelFixtureTests {
    struct Ref: Decodable {
        struct Case: Decodable {
            let text: String
            let tokens: [Int32]
            let tokens_no_special: [Int32]
            let greedy: [Int32]?
            let greedy_text_hex: String?
        }
        struct Chat: Decodable {
            struct Message: Decodable { let role: String; let content: String }
            let messages: [Message]
            let add_assistant: Bool
            let rendered: String
            let tokens: [Int32]
        }
        let prompts: [Case]?
        let tokenize: [Case]?
        let chat: Chat?
        let eog_ids: [Int32]?
    }

    static var models: [String] {
        let dir = Bundle.module.resourceURL!.appendingPathComponent("Fixtures/models")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.filter { $0.hasSuffix(".ref.json") && !$0.contains(".long.") }
            .map { String($0.dropLast(".ref.json".count)) }.sorted()
    }

    @Test("tokenization, chat prompts and pieces match llama.cpp", arguments: models)
    func model(_ name: String) throws {
        let dir = Bundle.module.resourceURL!.appendingPathComponent("Fixtures/models")
        let ref = try JSONDecoder().decode(Ref.self, from: Data(contentsOf: dir.appendingPathComponent("\(name).ref.json")))
        let file = try GGUFFile(path: dir.appendingPathComponent("\(name).gguf").path)
        let t = try Tokenizer(gguf: file)

        for c in (ref.prompts ?? []) + (ref.tokenize ?? []) {
            #expect(t.encode(c.text, addSpecial: true, parseSpecial: true) == c.tokens, "\(name): \(c.text.debugDescription)")
            #expect(t.encode(c.text, addSpecial: true, parseSpecial: false) == c.tokens_no_special, "\(name): \(c.text.debugDescription)")
            if let greedy = c.greedy, let hex = c.greedy_text_hex {
                // llama-cpp-python's detokenize: the pieces, concatenated.
                let bytes = greedy.flatMap { t.tokenPiece($0, special: true) }
                #expect(bytes.map { String(format: "%02x", $0) }.joined() == hex, "\(name): greedy text")
            }
        }
        if let eog = ref.eog_ids {
            #expect(t.endOfGenerationIDs == Set(eog), "\(name): end-of-generation set")
        }
        if let chat = ref.chat {
            let template = try ChatTemplate(gguf: file, tokenizer: t)
            let messages = chat.messages.map { ChatMessage(role: ChatRole(rawValue: $0.role)!, content: $0.content) }
            #expect(template.format.render(messages, addGenerationPrompt: chat.add_assistant) == chat.rendered, "\(name): rendered chat")
            #expect(template.encode(messages, addGenerationPrompt: chat.add_assistant, tokenizer: t) == chat.tokens, "\(name): chat tokens")
        }
    }
}
