import ArgumentParser
import Foundation
import MoE

/// `chorus model …`: inspect a GGUF model and run it from the command line.
struct ModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Inspect a GGUF model or generate text with it.",
        subcommands: [ModelInfoCommand.self, ModelGenerateCommand.self])
}

/// `chorus model info FILE [--json]`.
struct ModelInfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Architecture, sizes, experts, quantization mix and tokenizer of a GGUF file.")

    @Argument(help: "Path to a .gguf file.")
    var file: String

    @Flag(help: "Print one JSON object.")
    var json = false

    func run() throws {
        let info = try ModelInfo(path: file)
        if json {
            let enc = JSONEncoder()
            enc.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try enc.encode(info), as: UTF8.self))
            return
        }
        func line(_ k: String, _ v: Any?) { if let v { print(k.padding(toLength: 18, withPad: " ", startingAt: 0) + "\(v)") } }
        line("file", "\(info.path) (\(Self.bytes(info.fileBytes)), GGUF v\(info.ggufVersion))")
        line("name", info.name)
        line("architecture", info.architecture.map { a in info.family.map { "\(a) (\($0))" } ?? a })
        line("vocabulary", info.vocabSize)
        line("embedding", info.embedding)
        line("layers", info.layers.map { l in info.moeLayers.map { "\(l) (\($0) MoE)" } ?? "\(l)" })
        if let h = info.heads, let kv = info.kvHeads, let hd = info.headDim { line("attention", "\(h) heads, \(kv) KV heads, head size \(hd)") }
        line("context", info.contextLength)
        if let e = info.experts, e > 0 {
            line("experts", "\(info.expertsUsed ?? 0) of \(e), FFN \(info.expertFFN ?? 0)" + (info.sharedExpert == true ? " + shared expert" : ""))
        }
        if let d = info.denseFFN, d > 0 { line("dense FFN", d) }
        line("parameters", "\(Self.count(info.totalParameters)) total" + (info.activeParameters.map { ", \(Self.count($0)) active per token" } ?? ""))
        line("output", info.tiedOutput.map { $0 ? "tied to token_embd" : "separate" })
        print("quantization")
        for u in info.quantization {
            print("  " + u.type.padding(toLength: 8, withPad: " ", startingAt: 0)
                  + "\(u.tensors) tensors, \(Self.count(u.parameters)) params, \(Self.bytes(u.bytes))")
        }
        line("tokenizer", info.tokenizerModel.map { m in "\(m)" + (info.tokenizerPre.map { ", pre \($0)" } ?? "") + (info.vocabTokens.map { ", \($0) tokens" } ?? "") })
        line("chat template", info.hasChatTemplate ? "present" : "absent")
        line("problem", info.problem)
    }

    static func bytes(_ n: Int) -> String {
        let d = Double(n)
        if d >= 1_073_741_824 { return String(format: "%.2f GiB", d / 1_073_741_824) }
        if d >= 1_048_576 { return String(format: "%.1f MiB", d / 1_048_576) }
        return String(format: "%.1f KiB", d / 1024)
    }

    static func count(_ n: Int) -> String {
        let d = Double(n)
        if d >= 1e9 { return String(format: "%.2fB", d / 1e9) }
        if d >= 1e6 { return String(format: "%.1fM", d / 1e6) }
        return String(format: "%.1fK", d / 1e3)
    }
}

/// `chorus model generate FILE --prompt TEXT [--temperature 0] [--max-tokens N] [--token-ids]`.
struct ModelGenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Continue a prompt (greedy at temperature 0, else llama.cpp-style sampling); speed goes to standard error.")

    @Argument(help: "Path to a .gguf file.")
    var file: String

    @Option(help: "Prompt text (special tokens such as <|eot|> are recognized).")
    var prompt: String

    @Option(help: "Sampling temperature; 0 is greedy.")
    var temperature: Float = 0

    @Option(help: "Seed of the sampler (temperature > 0).")
    var seed: UInt64 = 0

    @Option(help: "Tokens to generate at most.")
    var maxTokens: Int = 64

    @Option(help: "Worker threads.")
    var threads: Int = 1

    @Flag(help: "Print the prompt's and the generated token ids instead of text.")
    var tokenIds = false

    @Option(help: "Llama 4 vision projector (an mmproj GGUF in llama.cpp's format), for --image.")
    var mmproj: String?

    @Option(help: "Image (JPEG or PNG) put where the prompt says <|image|>, else right after <|begin_of_text|>; needs --mmproj.")
    var image: String?

    func validate() throws {
        guard temperature >= 0 else { throw ValidationError("--temperature must be ≥ 0") }
        guard maxTokens >= 0 else { throw ValidationError("--max-tokens must be ≥ 0") }
        guard (image == nil) == (mmproj == nil) else { throw ValidationError("--image and --mmproj go together") }
    }

    /// Unbuffered, so text and the speed line on standard error come out in order.
    private func emit(_ s: String) { FileHandle.standardOutput.write(Data(s.utf8)) }

    func run() throws {
        let clock = ContinuousClock()
        let t0 = clock.now
        let model = try Model.load(path: file, threads: threads, progress: LoadProgressBar.standardError(path: file).callback)
        let tokenizer = try Tokenizer(gguf: model.file)
        let imagePrompt = try image.map { try self.imagePrompt(image: $0, model: model, tokenizer: tokenizer) }
        let ids = imagePrompt?.ids ?? tokenizer.encode(prompt, addSpecial: true, parseSpecial: true)
        guard !ids.isEmpty else { throw ValidationError("the prompt encodes to no tokens") }
        let loaded = clock.now
        let seq = model.makeSession(maxTokens: ids.count + maxTokens, batchSize: 256)
        var logits = try (imagePrompt.map { try seq.prefill($0.segments) } ?? seq.prefill(ids))[0]
        let prefilled = clock.now
        var out: [Int32] = []
        if tokenIds { emit("prompt: " + ids.map(String.init).joined(separator: " ") + "\n") }
        var sampler = Sampler(settings: temperature == 0 ? .greedy : SamplerSettings(temperature: temperature, seed: seed))
        sampler.accept(contentsOf: ids)
        var text = StreamingDetokenizer(tokenizer: tokenizer)
        while out.count < maxTokens {
            let next = sampler.sample(logits)
            if tokenizer.isEndOfGeneration(next) { break }
            sampler.accept(next)
            out.append(next)
            if !tokenIds {
                emit(text.append(next))
            }
            if out.count == maxTokens { break }
            logits = try seq.decode(next)
        }
        let done = clock.now
        emit(tokenIds ? "generated: " + out.map(String.init).joined(separator: " ") + "\n" : text.finish() + "\n")
        func secs(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }
        let pp = secs(prefilled - loaded), tg = secs(done - prefilled)
        FileHandle.standardError.write(Data(String(format: "load %.2f s · prompt %d tokens %.1f tok/s · generated %d tokens %.1f tok/s\n",
            secs(loaded - t0), ids.count, Double(ids.count) / max(pp, 1e-9), out.count, Double(max(out.count - 1, 0)) / max(tg, 1e-9)).utf8))
    }
}
