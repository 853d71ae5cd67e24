/// Who wrote a chat message.
public enum ChatRole: String, Sendable, Hashable {
    case system, user, assistant
}

/// One message of a conversation.
public struct ChatMessage: Sendable, Hashable {
    /// Who wrote it.
    public var role: ChatRole
    /// Its text.
    public var content: String

    /// A message from `role`.
    public init(role: ChatRole, content: String) {
        self.role = role
        self.content = content
    }
}

/// The prompt families the engine renders (llama.cpp src/llama-chat.cpp has the same shapes).
public enum ChatFormat: String, Sendable, CaseIterable {
    /// Llama 4: `<|header_start|>role<|header_end|>\n\n…<|eot|>`.
    case llama4
    /// Llama 3: `<|start_header_id|>role<|end_header_id|>\n\n…<|eot_id|>`.
    case llama3
    /// ChatML (Qwen): `<|im_start|>role\n…<|im_end|>\n`.
    case chatml
    /// Mistral/Mixtral: `<s>[INST] … [/INST]…</s>`.
    case mistral

    /// The family of a `tokenizer.chat_template`, by the markers llama.cpp looks for
    /// (`llm_chat_detect_template`), or nil if none matches.
    public init?(template: String) {
        if template.contains("<|im_start|>") {
            self = .chatml
        } else if template.hasPrefix("mistral") || template.contains("[INST]") {
            self = .mistral
        } else if template.contains("<|start_header_id|>") && template.contains("<|end_header_id|>") {
            self = .llama3
        } else if template.contains("<|header_start|>") && template.contains("<|header_end|>") {
            self = .llama4
        } else {
            return nil
        }
    }

    /// The family for a model: its chat template if recognizable, else its
    /// `general.architecture` (a `llama` model is Llama 3 if its vocabulary has Llama 3's
    /// header tokens, else Mistral/Mixtral).
    public static func detect(template: String?, architecture: String?, tokenizer: Tokenizer? = nil) -> ChatFormat? {
        if let template, let format = ChatFormat(template: template) { return format }
        switch architecture {
        case "llama4":
            return .llama4
        case "qwen2", "qwen2moe", "qwen3", "qwen3moe":
            return .chatml
        case "llama":
            if tokenizer?.tokenID(forText: "<|start_header_id|>") != nil { return .llama3 }
            return .mistral
        default:
            if let tokenizer {
                if tokenizer.tokenID(forText: "<|header_start|>") != nil { return .llama4 }
                if tokenizer.tokenID(forText: "<|start_header_id|>") != nil { return .llama3 }
                if tokenizer.tokenID(forText: "<|im_start|>") != nil { return .chatml }
            }
            return nil
        }
    }

    /// Texts of the tokens that end an assistant turn in this family.
    public var stopTexts: [String] {
        switch self {
        case .llama4: return ["<|eot|>", "<|eom|>", "<|end_of_text|>"]
        case .llama3: return ["<|eot_id|>", "<|eom_id|>", "<|end_of_text|>"]
        case .chatml: return ["<|im_end|>", "<|endoftext|>"]
        case .mistral: return ["</s>"]
        }
    }
}

/// Renders conversations into a model's prompt format and knows where its replies stop.
public struct ChatTemplate: Sendable {
    /// The prompt family.
    public let format: ChatFormat
    /// Tokens that end generation: the family's stop tokens present in the vocabulary, plus the
    /// vocabulary's own end-of-generation set.
    public let stopTokenIDs: Set<Int32>
    /// The BOS token's text when the vocabulary adds BOS (`<|begin_of_text|>`, `<s>`), else nil.
    public let beginText: String?

    /// A template of `format` for `tokenizer`'s vocabulary.
    public init(format: ChatFormat, tokenizer: Tokenizer) {
        self.format = format
        var stops = tokenizer.endOfGenerationIDs
        for text in format.stopTexts {
            if let id = tokenizer.tokenID(forText: text) { stops.insert(id) }
        }
        stopTokenIDs = stops
        beginText = tokenizer.addBOS ? tokenizer.bosID.flatMap { tokenizer.storedText($0) } : nil
    }

    /// The template of a model file: `tokenizer.chat_template`, else `general.architecture`.
    public init(gguf file: GGUFFile, tokenizer: Tokenizer) throws {
        guard let format = ChatFormat.detect(template: file.string("tokenizer.chat_template"),
                                             architecture: file.string("general.architecture"),
                                             tokenizer: tokenizer) else {
            throw TokenizerError("no supported chat format for \(file.path)")
        }
        self.init(format: format, tokenizer: tokenizer)
    }

    /// The whole prompt as text, BOS included (what `encode` tokenizes, and what decoding its
    /// tokens gives back); with `addGenerationPrompt` it ends where the assistant's reply begins.
    public func render(_ messages: [ChatMessage], addGenerationPrompt: Bool = true) -> String {
        (beginText ?? "") + format.render(messages, addGenerationPrompt: addGenerationPrompt)
    }

    /// The prompt tokens for `messages`, as llama.cpp makes them: the family's text tokenized with
    /// BOS added as the vocabulary asks and special tokens parsed.
    public func encode(_ messages: [ChatMessage], addGenerationPrompt: Bool = true, tokenizer: Tokenizer) -> [Int32] {
        tokenizer.encode(format.render(messages, addGenerationPrompt: addGenerationPrompt), addSpecial: true, parseSpecial: true)
    }

    /// Whether `id` ends the assistant's turn.
    public func isStop(_ id: Int32) -> Bool { stopTokenIDs.contains(id) }
}
