import Foundation
import MoE
import ArgumentParser

/// `chorus model generate … --mmproj P --image FILE`: the prompt with an image in it.
extension ModelGenerateCommand {
    /// The prompt as segments (text, image, text) and its full token list (image tokens included).
    struct ImagePrompt {
        var segments: [PromptSegment]
        var ids: [Int32]
    }

    /// Decodes and encodes the image, and splits the prompt at its first `<|image|>` (the
    /// placeholder Llama 4's chat template writes for an image; transformers' processor replaces
    /// it with the image's tokens). Without a placeholder the image follows `<|begin_of_text|>`.
    func imagePrompt(image path: String, model: Model, tokenizer: Tokenizer) throws -> ImagePrompt {
        guard let mmproj else { throw ValidationError("--image needs --mmproj") }
        let clock = ContinuousClock(), t0 = clock.now
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let decoded = try ImageDecoder.decode(data)
        let encoder = try VisionEncoder(mmproj: mmproj, threads: threads)
        let embedding = try encoder.encode(image: decoded)
        let d = clock.now - t0
        FileHandle.standardError.write(Data(String(format: "image %d×%d → %d×%d tiles%@, %d positions, encoded in %.2f s\n",
            decoded.width, decoded.height, embedding.rows, embedding.columns, embedding.tileCount > 1 ? " + overview" : "",
            embedding.tokenCount, Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18).utf8))

        let imageTokens = try ImageTokenIDs(tokenizer: tokenizer)
        var before: [Int32], after: [Int32]
        if let r = prompt.range(of: "<|image|>") {
            before = tokenizer.encode(String(prompt[..<r.lowerBound]), addSpecial: true, parseSpecial: true)
            after = tokenizer.encode(String(prompt[r.upperBound...]), addSpecial: false, parseSpecial: true)
        } else {
            before = tokenizer.encode("", addSpecial: true, parseSpecial: true)
            after = tokenizer.encode(prompt, addSpecial: false, parseSpecial: true)
        }
        let segments: [PromptSegment] = [.tokens(before), .image(embedding), .tokens(after)]
        return ImagePrompt(segments: segments, ids: before + imageTokens.layout(embedding) + after)
    }
}
