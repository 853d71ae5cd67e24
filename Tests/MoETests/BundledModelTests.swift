import Foundation
import Testing
import MoE
#if canImport(LanguageID)
import LanguageID
#endif

/// The bundled default model (Models/chorus-tiny-llama4.gguf, trained by
/// scripts/train_bundled_model.py): its shape, agreement with the training code's own forward pass
/// (Models/training/reference.json), and greetings answered in the language they were written in.
@Suite struct BundledModelTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let modelPath = root.appendingPathComponent("Models/chorus-tiny-llama4.gguf").path
    static let mmprojPath = root.appendingPathComponent("Models/chorus-tiny-llama4.mmproj.gguf").path
    static let referencePath = root.appendingPathComponent("Models/training/reference.json").path

    /// Greetings the model was trained to answer, by ISO 639-1 code.
    static let greetings: [(String, String)] = [
        ("en", "Hello!"), ("es", "¡Hola! ¿Cómo estás?"), ("fr", "Bonjour ! Comment ça va ?"),
        ("de", "Hallo! Wie geht es dir?"), ("pt", "Olá, tudo bem?"), ("it", "Ciao, come stai?"),
    ]

    static func load() throws -> (Model, Tokenizer, ChatTemplate) {
        let model = try Model.load(path: modelPath)
        let tokenizer = try Tokenizer(gguf: model.file)
        let template = try ChatTemplate(gguf: model.file, tokenizer: tokenizer)
        return (model, tokenizer, template)
    }

    /// A reply to `text` as one user turn: sampled with `settings`, stopped at the template's stop tokens.
    static func reply(_ text: String, model: Model, tokenizer: Tokenizer, template: ChatTemplate,
                      settings: SamplerSettings = .greedy, maxTokens: Int = 48) throws -> String {
        let prompt = template.encode([ChatMessage(role: .user, content: text)], tokenizer: tokenizer)
        let session = model.makeSession(maxTokens: prompt.count + maxTokens)
        var sampler = Sampler(settings: settings)
        sampler.accept(contentsOf: prompt)
        var logits = try session.prefill(prompt)[0]
        var out: [Int32] = []
        for _ in 0..<maxTokens {
            let next = sampler.sample(logits)
            if template.isStop(next) { break }
            out.append(next)
            sampler.accept(next)
            logits = try session.decode(next)
        }
        return tokenizer.decode(out, special: false)
    }

    @Test func architectureAndSizes() throws {
        let (model, tokenizer, template) = try Self.load()
        let c = model.config
        #expect(model.file.string("general.architecture") == "llama4")
        #expect(c.layerCount == 4 && c.embedding == 192 && c.headCount == 6 && c.kvHeadCount == 2 && c.headDim == 32)
        #expect(c.expertCount == 4 && c.expertsUsed == 1 && c.denseFFN == 512 && c.expertFFN == 384 && c.vocabSize == 2769)
        #expect(c.layers.map(\.isMoE) == [false, true, false, true])       // interleave_moe_layer_step 2
        #expect(c.layers.map(\.rope) == [true, true, true, false])         // layer 3 is NoPE
        #expect(c.layers.allSatisfy { $0.sharedExpert == $0.isMoE })
        #expect(template.format == .llama4)
        let eot = try #require(tokenizer.tokenID(forText: "<|eot|>"))
        #expect(template.isStop(eot))
        #expect(tokenizer.bosID == tokenizer.tokenID(forText: "<|begin_of_text|>"))
        let rendered = template.render([ChatMessage(role: .user, content: "Hi")])
        #expect(rendered == "<|begin_of_text|><|header_start|>user<|header_end|>\n\nHi<|eot|><|header_start|>assistant<|header_end|>\n\n")
        // The shipped files stay small: text model and projector together at most 30 MB.
        let fm = FileManager.default
        var total = (try fm.attributesOfItem(atPath: Self.modelPath)[.size] as? Int) ?? 0
        if fm.fileExists(atPath: Self.mmprojPath) {
            total += (try fm.attributesOfItem(atPath: Self.mmprojPath)[.size] as? Int) ?? 0
        }
        #expect(total <= 30_000_000)
    }

    /// The engine's logits equal those of the training code's torch forward pass (F32 file, 1e-3).
    @Test func matchesTrainingForwardPass() throws {
        let (model, tokenizer, template) = try Self.load()
        let data = try Data(contentsOf: URL(fileURLWithPath: Self.referencePath))
        let ref = try JSONDecoder().decode(Reference.self, from: data)
        let prompt = template.encode([ChatMessage(role: .user, content: ref.prompt_text)], tokenizer: tokenizer)
        #expect(prompt.map(Int.init) == ref.prompt_ids)
        let session = model.makeSession(maxTokens: prompt.count)
        let rows = try session.prefill(prompt, allLogits: true)
        for (k, pos) in ref.positions.enumerated() {
            let got = rows[pos], want = ref.logits[k]
            #expect(got.count == want.count)
            let diff = zip(got, want).map { abs($0 - $1) }.max() ?? .infinity
            #expect(diff <= 1e-3, "position \(pos): max |Δ| \(diff)")
        }
    }

    /// Greedy replies to greetings are non-empty and in the greeting's language.
    @Test func greetsInTheLanguageSpokenTo() throws {
        let (model, tokenizer, template) = try Self.load()
        var right = 0
        for (language, text) in Self.greetings {
            let answer = try Self.reply(text, model: model, tokenizer: tokenizer, template: template)
            #expect(!answer.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "\(language): empty reply")
            let detected = Self.language(of: answer)
            if detected == language { right += 1 }
            if ["en", "es", "fr", "de"].contains(language) {
                #expect(detected == language, "\(language): \(text) → \(answer) (identified as \(detected))")
            }
        }
        #expect(right >= 5, "\(right) of \(Self.greetings.count) replies in the greeting's language")
    }

    /// Sampling with a seed is deterministic; another seed may differ but still answers.
    @Test func deterministicWithSeed() throws {
        let (model, tokenizer, template) = try Self.load()
        let settings = SamplerSettings(temperature: 0.8, seed: 42)
        let a = try Self.reply("Hello!", model: model, tokenizer: tokenizer, template: template, settings: settings)
        let b = try Self.reply("Hello!", model: model, tokenizer: tokenizer, template: template, settings: settings)
        #expect(a == b && !a.isEmpty)
    }

    static func language(of text: String) -> String {
        #if canImport(LanguageID)
        return LanguageIdentifier.shared.identify(text).language
        #else
        // Without the LanguageID module (MoETests depends on MoE only): words only one language uses here.
        let markers: [String: [String]] = [
            "en": ["hello", "how", "you", "i'm", "thank", "help"], "es": ["hola", "estoy", "gracias", "cómo", "¿"],
            "fr": ["bonjour", "salut", "merci", "vous", "très", "toi"], "de": ["hallo", "geht", "danke", "dir", "mir"],
            "pt": ["olá", "obrigado", "você", "tudo", "oi"], "it": ["ciao", "grazie", "sto", "come stai", "bene"],
        ]
        let lower = text.lowercased()
        let scores = markers.mapValues { words in words.filter { lower.contains($0) }.count }
        return scores.max { $0.value < $1.value }.map { $0.value > 0 ? $0.key : "und" } ?? "und"
        #endif
    }

    struct Reference: Decodable {
        let prompt_text: String
        let prompt_ids: [Int]
        let positions: [Int]
        let logits: [[Float]]
    }
}
