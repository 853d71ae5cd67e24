import ArgumentParser
import Foundation
import MoE
#if canImport(Glibc)
import Glibc
#endif

/// `chorus chat [--model FILE]`: talk to the engine directly in the terminal, no webhooks.
struct ChatCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chat",
        abstract: "Chat with a GGUF model in the terminal, replies streamed as they are generated.",
        discussion: """
            The model's own chat format with the whole conversation; each turn processes only the new tokens \
            (the KV cache carries over). Commands: /reset (forget the conversation), /image PATH (attach a \
            picture to the next message; needs a projector), /quit. Ctrl-D ends; Ctrl-C stops the reply being \
            written; at the prompt it ends the chat. When standard input is not a terminal, each line is one \
            user message and each reply is printed followed by a newline (for scripts).
            """)

    @Option(help: "GGUF model file (default: the bundled Models/chorus-tiny-llama4.gguf).")
    var model: String?

    @Option(help: "System message.")
    var system: String?

    @Option(help: "Sampling temperature; 0 is greedy.")
    var temperature: Float = 0.8

    @Option(name: .customLong("top-p"), help: "Keep the most likely tokens up to this probability mass; 1 disables.")
    var topP: Float = 0.95

    @Option(name: .customLong("top-k"), help: "Keep the k most likely tokens; 0 disables.")
    var topK: Int = 40

    @Option(help: "Seed of the sampler, reused each turn (default: random).")
    var seed: UInt64?

    @Option(name: .customLong("max-tokens"), help: "Longest reply, in tokens.")
    var maxTokens: Int = 512

    @Option(help: "Positions of the conversation's context (default: the model's, at most 4096).")
    var context: Int?

    @Option(help: "Worker threads.")
    var threads: Int = 1

    @Option(help: "Llama 4 vision projector (mmproj GGUF) for /image (default with the bundled model: its projector).")
    var mmproj: String?

    @Flag(help: "After each reply, print on standard error the prompt tokens processed and reused and the speed.")
    var stats = false

    func validate() throws {
        guard temperature >= 0 else { throw ValidationError("--temperature must be ≥ 0") }
        guard topP > 0, topP <= 1 else { throw ValidationError("--top-p must be in (0, 1]") }
        guard topK >= 0 else { throw ValidationError("--top-k must be ≥ 0") }
        guard maxTokens > 0 else { throw ValidationError("--max-tokens must be positive") }
        guard threads > 0 else { throw ValidationError("--threads must be positive") }
        if let context, context < 16 { throw ValidationError("--context must be at least 16") }
    }

    func run() throws {
        guard let path = model ?? BundledModel.model else {
            throw ValidationError("no --model given and the bundled Models/chorus-tiny-llama4.gguf is not here")
        }
        let projector = mmproj ?? (model == nil ? BundledModel.mmproj : nil)
        let loaded = try Model.load(path: path, threads: threads, progress: LoadProgressBar.standardError(path: path).callback)
        let tokenizer = try Tokenizer(gguf: loaded.file)
        let template = try ChatTemplate(gguf: loaded.file, tokenizer: tokenizer)
        let vision = try projector.map { try VisionEncoder(mmproj: $0, threads: threads) }
        let imageTokens = vision == nil ? nil : try ImageTokenIDs(tokenizer: tokenizer)
        let settings = SamplerSettings(temperature: temperature, topK: topK, topP: topP, seed: seed ?? UInt64.random(in: 0...UInt64.max))
        let contextTokens = context ?? min(loaded.config.contextLength > 0 ? loaded.config.contextLength : 4096, 4096)
        let conversation = Conversation(model: loaded, tokenizer: tokenizer, template: template, system: system,
                                        sampling: settings, contextTokens: contextTokens, imageTokens: imageTokens)
        let editor = LineEditor()
        if editor.interactive {
            note("chatting with \(URL(fileURLWithPath: path).lastPathComponent) (\(template.format.rawValue) format, \(contextTokens) positions)"
                 + (vision != nil ? "; /image PATH attaches a picture" : "") + ". /reset forgets, /quit or Ctrl-D ends, Ctrl-C stops a reply.")
        }
        Interrupt.install()
        var pending: [ImageEmbedding] = []
        while true {
            guard let line = editor.readLine(prompt: editor.interactive ? "> " : "") else { break }
            let text = line.trimmingCharacters(in: .whitespaces)
            if text.isEmpty { continue }
            switch text.split(separator: " ", maxSplits: 1).first.map(String.init) ?? "" {
            case "/quit", "/exit":
                return
            case "/reset":
                conversation.reset()
                pending = []
                note("(conversation forgotten)")
                continue
            case "/image":
                do {
                    pending.append(try encodeImage(String(text.dropFirst(6)).trimmingCharacters(in: .whitespaces), vision: vision))
                } catch {
                    note("✘ \(error)")
                }
                continue
            default:
                if text.hasPrefix("/") && !text.hasPrefix("//") {
                    note("unknown command \(text.split(separator: " ")[0]): /reset, /image PATH, /quit")
                    continue
                }
            }
            do {
                let turn = try Interrupt.duringReply {
                    try conversation.respond(to: text.hasPrefix("//") ? String(text.dropFirst()) : text, images: pending,
                                             maxTokens: maxTokens, shouldStop: { Interrupt.requested }) { piece in
                        FileHandle.standardOutput.write(Data(piece.utf8))
                    }
                }
                pending = []
                FileHandle.standardOutput.write(Data("\n".utf8))
                if turn.ending == .interrupted { note("(reply stopped)") }
                if stats {
                    note(String(format: "prompt %d new %d cached %.1f tok/s · reply %d tokens %.1f tok/s · %@",
                                turn.promptTokens, turn.reusedTokens, Double(turn.promptTokens) / max(turn.promptSeconds, 1e-9),
                                turn.tokens.count, Double(max(turn.tokens.count - 1, 0)) / max(turn.generateSeconds, 1e-9),
                                turn.ending.rawValue))
                }
            } catch {
                note("✘ \(error)")
            }
        }
    }

    /// Decodes and encodes the picture at `path`.
    private func encodeImage(_ path: String, vision: VisionEncoder?) throws -> ImageEmbedding {
        guard let vision else { throw ValidationError("/image needs a vision projector: start with --mmproj FILE") }
        guard !path.isEmpty, let data = FileManager.default.contents(atPath: path) else {
            throw ValidationError("usage: /image PATH (a readable JPEG or PNG)")
        }
        let image = try ImageDecoder.decode(data)
        let embedding = try vision.encode(image: image)
        note("(picture \(image.width)×\(image.height) attached to your next message: \(embedding.tokenCount) positions)")
        return embedding
    }

    /// A line on standard error.
    private func note(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}
