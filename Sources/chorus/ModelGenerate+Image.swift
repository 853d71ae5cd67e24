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

    /// Decodes and encodes the image, and puts it at the prompt's `<|image|>` (the placeholder
    /// Llama 4's chat template writes for an image; transformers' processor replaces it with the
    /// image's tokens). Without a placeholder the image follows `<|begin_of_text|>`.
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
        // Without a placeholder the image goes first (after BOS): "<|image|>" + prompt.
        let text = prompt.contains("<|image|>") ? prompt : "<|image|>" + prompt
        let segments = try PromptSegment.segments(text: text, images: [embedding], tokenizer: tokenizer)
        let ids = segments.flatMap { seg -> [Int32] in
            switch seg {
            case .tokens(let t): return t
            case .image(let e): return imageTokens.layout(e)
            }
        }
        return ImagePrompt(segments: segments, ids: ids)
    }
}
