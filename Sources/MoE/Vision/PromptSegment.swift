/// Part of a prompt: tokens, or an encoded image that `Session.prefill(_:)` lays out with Llama 4's
/// image tokens and whose embeddings replace the `<|patch|>` tokens' own.
public enum PromptSegment: Sendable {
    /// Token ids, fed as they are.
    case tokens([Int32])
    /// An image; it takes `embedding.tokenCount` positions.
    case image(ImageEmbedding)
}

/// Llama 4's image tokens, by their text in the vocabulary.
public struct ImageTokenIDs: Sendable, Equatable {
    /// `<|image_start|>`, `<|image_end|>`, `<|image|>` (before the overview), `<|patch|>` (one per
    /// embedding), `<|tile_x_separator|>` (between tiles of a row), `<|tile_y_separator|>` (after each row).
    public let imageStart, imageEnd, image, patch, tileXSeparator, tileYSeparator: Int32

    static let texts = ["<|image_start|>", "<|image_end|>", "<|image|>", "<|patch|>", "<|tile_x_separator|>", "<|tile_y_separator|>"]

    /// Looks the tokens up with `lookup` (text → id); throws naming the first one missing.
    init(lookup: (String) -> Int32?) throws {
        var ids: [Int32] = []
        for t in ImageTokenIDs.texts {
            guard let id = lookup(t) else { throw SessionError("the vocabulary has no \(t) token: not a Llama 4 vision model") }
            ids.append(id)
        }
        (imageStart, imageEnd, image, patch, tileXSeparator, tileYSeparator) = (ids[0], ids[1], ids[2], ids[3], ids[4], ids[5])
    }

    /// The ids in `tokenizer`'s vocabulary.
    public init(tokenizer: Tokenizer) throws { try self.init(lookup: tokenizer.tokenID(forText:)) }

    /// The ids in a model file's vocabulary (`tokenizer.ggml.tokens`).
    public init(file: GGUFFile) throws {
        let tokens = file.strings(GGUFKey.tokenizerTokens) ?? []
        var index: [String: Int32] = [:]
        for (i, t) in tokens.enumerated() where t.hasPrefix("<|") && ImageTokenIDs.texts.contains(t) { index[t] = Int32(i) }
        try self.init(lookup: { index[$0] })
    }

    /// The image's tokens, as transformers' `Llama4Processor._prompt_split_image` writes them:
    /// `<|image_start|>`, then for a grid of more than one tile each row's tiles (`<|patch|>` ×
    /// tokensPerTile, `<|tile_x_separator|>` between tiles, `<|tile_y_separator|>` after the row),
    /// then `<|image|>`, the overview's (or single tile's) patches, `<|image_end|>`.
    /// llama.cpp (mtmd, 0c1e570) writes neither separators nor `<|image|>`.
    public func layout(_ e: ImageEmbedding) -> [Int32] {
        var out: [Int32] = [imageStart]
        let patches = [Int32](repeating: patch, count: e.tokensPerTile)
        if e.rows * e.columns > 1 {
            for _ in 0..<e.rows {
                for x in 0..<e.columns {
                    out += patches
                    if x < e.columns - 1 { out.append(tileXSeparator) }
                }
                out.append(tileYSeparator)
            }
        }
        out.append(image)
        out += patches
        out.append(imageEnd)
        return out
    }
}

extension PromptSegment {
    /// The prompt `text` (e.g. a rendered chat template) with `images` at its `<|image|>`
    /// placeholders, in order: the placeholder Llama 4's chat template writes for an image
    /// content item, which transformers' Llama4Processor replaces with the image's tokens.
    /// BOS is added as the tokenizer says (`addSpecial`). Throws `SessionError` unless there are
    /// exactly as many placeholders as images.
    public static func segments(text: String, images: [ImageEmbedding], tokenizer: Tokenizer, addSpecial: Bool = true) throws -> [PromptSegment] {
        let parts = text.components(separatedBy: "<|image|>")
        guard parts.count - 1 == images.count else {
            throw SessionError("the prompt has \(parts.count - 1) <|image|> placeholders for \(images.count) images")
        }
        var out: [PromptSegment] = []
        for (i, part) in parts.enumerated() {
            let ids = tokenizer.encode(part, addSpecial: addSpecial && i == 0, parseSpecial: true)
            if !ids.isEmpty { out.append(.tokens(ids)) }
            if i < images.count { out.append(.image(images[i])) }
        }
        return out
    }
}
