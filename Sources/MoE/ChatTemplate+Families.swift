// The prompt text of each family, exactly as llama.cpp's `llm_chat_apply_template` writes it
// (src/llama-chat.cpp). Like there, no BOS: tokenization adds it.

extension ChatFormat {
    /// The prompt text for `messages` without BOS, as llama.cpp's built-in template for the
    /// family renders it; with `addGenerationPrompt` it ends where the assistant's reply begins.
    public func render(_ messages: [ChatMessage], addGenerationPrompt: Bool) -> String {
        var out = ""
        switch self {
        case .llama4:
            // Contents are trimmed, as llama.cpp and Meta's template (`| trim`) do.
            for m in messages {
                out += "<|header_start|>\(m.role.rawValue)<|header_end|>\n\n\(ChatFormat.trim(m.content))<|eot|>"
            }
            if addGenerationPrompt { out += "<|header_start|>assistant<|header_end|>\n\n" }
        case .llama3:
            for m in messages {
                out += "<|start_header_id|>\(m.role.rawValue)<|end_header_id|>\n\n\(ChatFormat.trim(m.content))<|eot_id|>"
            }
            if addGenerationPrompt { out += "<|start_header_id|>assistant<|end_header_id|>\n\n" }
        case .chatml:
            for m in messages {
                out += "<|im_start|>\(m.role.rawValue)\n\(m.content)<|im_end|>\n"
            }
            if addGenerationPrompt { out += "<|im_start|>assistant\n" }
        case .mistral:
            // Mixtral's template has no system role: llama.cpp (LLM_CHAT_TEMPLATE_LLAMA_2)
            // writes a system message's text and a newline into the next [INST] turn.
            // The turn is open after [/INST], so there is no separate generation prompt.
            out += "[INST] "
            var insideTurn = true
            for m in messages {
                if !insideTurn {
                    out += "[INST] "
                    insideTurn = true
                }
                switch m.role {
                case .system: out += m.content + "\n"
                case .user: out += m.content + " [/INST]"
                case .assistant:
                    out += m.content + "</s>"
                    insideTurn = false
                }
            }
        }
        return out
    }

    /// Leading and trailing whitespace removed (llama.cpp's `trim`: space, tab, CR, LF, FF, VT).
    static func trim(_ s: String) -> String {
        let ws: Set<Character> = [" ", "\t", "\n", "\r", "\u{0B}", "\u{0C}", "\r\n"]
        var sub = Substring(s)
        while let f = sub.first, ws.contains(f) { sub.removeFirst() }
        while let l = sub.last, ws.contains(l) { sub.removeLast() }
        return String(sub)
    }
}
