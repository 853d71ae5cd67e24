import Foundation
import Testing
import MoE

/// The bundled model's vision tower (Models/chorus-tiny-llama4.mmproj.gguf): asked "What colour is
/// the circle?" about a generated picture (one 336-pixel tile, as scripts/bundled/pictures.py
/// draws them), it names the colour for most colours.
@Suite struct BundledModelVisionTests {
    /// The colours the tower was trained on, as RGB (scripts/bundled/pictures.py COLOURS).
    static let colours: [(String, [UInt8])] = [
        ("red", [220, 30, 30]), ("green", [40, 170, 50]), ("blue", [30, 70, 220]), ("yellow", [245, 215, 20]),
        ("orange", [245, 135, 20]), ("purple", [140, 45, 175]), ("pink", [245, 125, 185]), ("black", [20, 20, 20]),
        ("brown", [125, 75, 30]),
    ]

    /// A 336×336 white picture with one filled circle of `rgb`.
    static func circle(_ rgb: [UInt8], center: (Double, Double) = (168, 168), radius: Double = 90) -> DecodedImage {
        let side = 336
        var pixels = [UInt8](repeating: 255, count: side * side * 3)
        for y in 0..<side {
            for x in 0..<side {
                let dx = Double(x) + 0.5 - center.0, dy = Double(y) + 0.5 - center.1
                if dx * dx + dy * dy <= radius * radius {
                    for c in 0..<3 { pixels[(y * side + x) * 3 + c] = rgb[c] }
                }
            }
        }
        return DecodedImage(width: side, height: side, pixels: pixels)
    }

    /// The greedy answer to `question` about `image`, in the training format: the image first in
    /// the user turn, then the question.
    static func answer(_ question: String, image: DecodedImage, model: Model, tokenizer: Tokenizer,
                       template: ChatTemplate, encoder: VisionEncoder, maxTokens: Int = 16) throws -> String {
        let embedding = try encoder.encode(image: image)
        let head = tokenizer.encode("<|begin_of_text|><|header_start|>user<|header_end|>\n\n", addSpecial: false, parseSpecial: true)
        let tail = tokenizer.encode(question + "<|eot|><|header_start|>assistant<|header_end|>\n\n", addSpecial: false, parseSpecial: true)
        let session = model.makeSession(maxTokens: head.count + embedding.tokenCount + tail.count + maxTokens)
        var logits = try session.prefill([.tokens(head), .image(embedding), .tokens(tail)])[0]
        var sampler = Sampler(settings: .greedy)
        var out: [Int32] = []
        for _ in 0..<maxTokens {
            let next = sampler.sample(logits)
            if template.isStop(next) { break }
            out.append(next)
            logits = try session.decode(next)
        }
        return tokenizer.decode(out, special: false)
    }

    /// The engine's image embeddings and the logits after the image question equal those of the
    /// training code's torch model (Models/training/reference.json, "vision").
    @Test func matchesTrainingForwardPass() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: BundledModelTests.referencePath))
        let ref = try JSONDecoder().decode(Reference.self, from: data).vision
        let model = try Model.load(path: BundledModelTests.modelPath)
        let tokenizer = try Tokenizer(gguf: model.file)
        let encoder = try VisionEncoder(mmproj: BundledModelTests.mmprojPath)
        let image = Self.circle(ref.image.rgb, center: (ref.image.center[0], ref.image.center[1]), radius: ref.image.radius)
        let embedding = try encoder.encode(image: image)
        #expect([embedding.embeddingCount, embedding.width] == ref.embeddings_shape)
        for (row, want) in ref.embedding_rows {
            let r = Int(row)!
            let got = embedding.values[(r * embedding.width)..<((r + 1) * embedding.width)]
            let diff = zip(got, want).map { abs($0 - $1) }.max() ?? .infinity
            #expect(diff <= 1e-3, "embedding row \(r): max |Δ| \(diff)")
        }
        // The prompt: image first in the user turn, then the question (scripts/bundled/vision.py).
        let imageTokens = try ImageTokenIDs(tokenizer: tokenizer)
        let start = try #require(ref.prompt_ids.firstIndex(of: Int(imageTokens.imageStart)))
        let end = try #require(ref.prompt_ids.firstIndex(of: Int(imageTokens.imageEnd)))
        #expect(Array(ref.prompt_ids[start...end].map(Int32.init)) == imageTokens.layout(embedding))
        let head = ref.prompt_ids[..<start].map(Int32.init), tail = ref.prompt_ids[(end + 1)...].map(Int32.init)
        let session = model.makeSession(maxTokens: ref.prompt_ids.count)
        let logits = try session.prefill([.tokens(Array(head)), .image(embedding), .tokens(Array(tail))])[0]
        let diff = zip(logits, ref.logits_last).map { abs($0 - $1) }.max() ?? .infinity
        #expect(diff <= 1e-3, "logits after the question: max |Δ| \(diff)")
    }

    struct Reference: Decodable {
        struct Image: Decodable { let rgb: [UInt8]; let center: [Double]; let radius: Double }
        struct Vision: Decodable {
            let image: Image
            let prompt_ids: [Int]
            let embeddings_shape: [Int]
            let embedding_rows: [String: [Float]]
            let logits_last: [Float]
        }
        let vision: Vision
    }

    @Test func namesTheColourOfACircle() throws {
        let model = try Model.load(path: BundledModelTests.modelPath)
        let tokenizer = try Tokenizer(gguf: model.file)
        let template = try ChatTemplate(gguf: model.file, tokenizer: tokenizer)
        let encoder = try VisionEncoder(mmproj: BundledModelTests.mmprojPath)
        #expect(encoder.config.imageSize == 336 && encoder.config.patchSize == 14)
        var right: [String] = []
        var answers: [String] = []
        for (name, rgb) in Self.colours {
            let reply = try Self.answer("What colour is the circle?", image: Self.circle(rgb), model: model,
                                        tokenizer: tokenizer, template: template, encoder: encoder)
            answers.append("\(name) → \(reply)")
            if reply.lowercased().contains(name) { right.append(name) }
        }
        // "At least most colours": 7 of the 9, and red (the README's example) among them.
        #expect(right.count >= 7, "\(right.count) of \(Self.colours.count): \(answers)")
        #expect(right.contains("red"), "\(answers)")
    }
}
