import Testing
@testable import MoE

/// The expected strings are llama.cpp's `llama_chat_apply_template` output for its built-in
/// `llama4`, `llama3`, `chatml` and `llama2` (Mixtral) templates on the same messages.
@Suite("ChatTemplate formats")
struct ChatTemplateTests {
    let conversation = [
        ChatMessage(role: .system, content: "You are terse."),
        ChatMessage(role: .user, content: " Hi! "),
        ChatMessage(role: .assistant, content: "Hello."),
        ChatMessage(role: .user, content: "Bye"),
    ]

    @Test("Llama 4 renders header/eot turns with trimmed contents")
    func llama4() {
        #expect(ChatFormat.llama4.render(conversation, addGenerationPrompt: true) ==
            "<|header_start|>system<|header_end|>\n\nYou are terse.<|eot|>"
            + "<|header_start|>user<|header_end|>\n\nHi!<|eot|>"
            + "<|header_start|>assistant<|header_end|>\n\nHello.<|eot|>"
            + "<|header_start|>user<|header_end|>\n\nBye<|eot|>"
            + "<|header_start|>assistant<|header_end|>\n\n")
        #expect(ChatFormat.llama4.render([ChatMessage(role: .user, content: "x")], addGenerationPrompt: false) ==
            "<|header_start|>user<|header_end|>\n\nx<|eot|>")
    }

    @Test("Llama 3 renders start/end header ids")
    func llama3() {
        #expect(ChatFormat.llama3.render(Array(conversation.prefix(2)), addGenerationPrompt: true) ==
            "<|start_header_id|>system<|end_header_id|>\n\nYou are terse.<|eot_id|>"
            + "<|start_header_id|>user<|end_header_id|>\n\nHi!<|eot_id|>"
            + "<|start_header_id|>assistant<|end_header_id|>\n\n")
    }

    @Test("ChatML renders im_start/im_end turns verbatim")
    func chatml() {
        #expect(ChatFormat.chatml.render(conversation, addGenerationPrompt: true) ==
            "<|im_start|>system\nYou are terse.<|im_end|>\n"
            + "<|im_start|>user\n Hi! <|im_end|>\n"
            + "<|im_start|>assistant\nHello.<|im_end|>\n"
            + "<|im_start|>user\nBye<|im_end|>\n"
            + "<|im_start|>assistant\n")
    }

    @Test("Mistral puts the system prompt into the first [INST] turn")
    func mistral() {
        #expect(ChatFormat.mistral.render(conversation, addGenerationPrompt: true) ==
            "[INST] You are terse.\n Hi!  [/INST]Hello.</s>[INST] Bye [/INST]")
        #expect(ChatFormat.mistral.render([ChatMessage(role: .user, content: "Hi")], addGenerationPrompt: true) ==
            "[INST] Hi [/INST]")
    }

    @Test("formats are detected from template markers, then the architecture")
    func detection() throws {
        #expect(ChatFormat(template: "{{ '<|im_start|>' + message['role'] }}") == .chatml)
        #expect(ChatFormat(template: "{{ bos_token }}{% for m in messages %}[INST] {{ m.content }} [/INST]{% endfor %}") == .mistral)
        #expect(ChatFormat(template: "<|start_header_id|>{{ role }}<|end_header_id|>") == .llama3)
        #expect(ChatFormat(template: "<|header_start|>{{ role }}<|header_end|>") == .llama4)
        #expect(ChatFormat(template: "{{ messages }}") == nil)
        #expect(ChatFormat.detect(template: nil, architecture: "llama4") == .llama4)
        #expect(ChatFormat.detect(template: nil, architecture: "qwen3moe") == .chatml)
        #expect(ChatFormat.detect(template: nil, architecture: "llama") == .mistral)
        #expect(ChatFormat.detect(template: "junk", architecture: "llama", tokenizer: try VocabFixtures.tokenizer("llama-bpe")) == .llama3)
        #expect(ChatFormat.detect(template: nil, architecture: "unknown") == nil)
    }

    @Test("stop tokens per family")
    func stops() throws {
        let llama3 = try VocabFixtures.tokenizer("llama-bpe")
        let t3 = ChatTemplate(format: .llama3, tokenizer: llama3)
        #expect(t3.isStop(llama3.tokenID(forText: "<|eot_id|>")!))
        #expect(t3.isStop(llama3.tokenID(forText: "<|end_of_text|>")!))
        #expect(!t3.isStop(9906))

        let qwen = try VocabFixtures.tokenizer("qwen2")
        let tq = ChatTemplate(format: .chatml, tokenizer: qwen)
        #expect(tq.isStop(qwen.tokenID(forText: "<|im_end|>")!))
        #expect(tq.isStop(qwen.tokenID(forText: "<|endoftext|>")!))
        #expect(!tq.isStop(qwen.tokenID(forText: "<|im_start|>")!))

        let spm = try VocabFixtures.tokenizer("llama-spm")
        #expect(ChatTemplate(format: .mistral, tokenizer: spm).stopTokenIDs.contains(2))
    }

    @Test("prompt tokens equal BOS + the prompt tokenized with special tokens")
    func encode() throws {
        let spm = try VocabFixtures.tokenizer("llama-spm")
        let mistral = ChatTemplate(format: .mistral, tokenizer: spm)
        let messages = [ChatMessage(role: .user, content: "Hi")]
        // llama.cpp: BOS, then "[INST] Hi [/INST]" with SentencePiece's space prefix.
        #expect(mistral.encode(messages, tokenizer: spm) == spm.encode("[INST] Hi [/INST]", addSpecial: true))

        let bpe = try VocabFixtures.tokenizer("llama-bpe")
        let llama3 = ChatTemplate(format: .llama3, tokenizer: bpe)
        let ids = llama3.encode(messages, tokenizer: bpe)
        let header = try #require(bpe.tokenID(forText: "<|start_header_id|>"))
        #expect(ids.first == bpe.bosID)
        #expect(ids[1] == header)
        #expect(ids.filter { $0 == header }.count == 2)
        #expect(bpe.decode(ids) == llama3.render(messages))

        let qwen = try VocabFixtures.tokenizer("qwen2")
        let chatml = ChatTemplate(format: .chatml, tokenizer: qwen)
        let q = chatml.encode(messages, tokenizer: qwen)
        #expect(q.first == qwen.tokenID(forText: "<|im_start|>"))
        #expect(qwen.decode(q) == chatml.render(messages))
    }

    @Test("a Llama 4 vocabulary: template from the file, stop tokens, prompt tokens")
    func llama4File() throws {
        guard VocabFixtures.exists("llama4") else { return }
        let file = try VocabFixtures.openGGUF(VocabFixtures.path("llama4"))
        let t = try VocabFixtures.tokenizer("llama4")
        #expect(t.model == .bytePairEncoding(.gpt4o))
        let id = { (text: String) in t.tokenID(forText: text)! }
        #expect(t.bosID == id("<|begin_of_text|>") && t.addBOS)
        let template = try ChatTemplate(gguf: file, tokenizer: t)
        #expect(template.format == .llama4)
        for stop in ["<|eot|>", "<|eom|>", "<|end_of_text|>"] { #expect(template.isStop(id(stop))) }
        #expect(!template.isStop(id("<|header_start|>")))

        let ids = template.encode([ChatMessage(role: .user, content: "Hi")], tokenizer: t)
        let text = { (s: String) in t.encode(s, addSpecial: false) }
        let want = [id("<|begin_of_text|>"), id("<|header_start|>")] + text("user") + [id("<|header_end|>")]
            + text("\n\nHi") + [id("<|eot|>"), id("<|header_start|>")] + text("assistant") + [id("<|header_end|>")] + text("\n\n")
        #expect(ids == want)
        // llama.cpp: tokenize(prompt without BOS, add_special: true, parse_special: true).
        #expect(ids == [8192, 8194, 882, 8195, 271, 39, 72, 8196, 8194, 395, 380, 519, 8195, 271])
        #expect(t.decode(ids) == template.render([ChatMessage(role: .user, content: "Hi")]))
    }
}
