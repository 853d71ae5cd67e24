/// An image encoded for the language model: one embedding of the text width per image position.
///
/// Rows are in prompt order: the grid's tiles row by row, then (for more than one tile) the
/// overview tile, `tokensPerTile` rows each (Llama4ForConditionalGeneration scatters them over
/// the `<|patch|>` tokens in that order).
public struct ImageEmbedding: Sendable {
    /// Grid rows of tiles.
    public let rows: Int
    /// Grid columns of tiles.
    public let columns: Int
    /// Tiles encoded: rows·columns, plus the overview when that is more than 1.
    public let tileCount: Int
    /// Embeddings per tile (144).
    public let tokensPerTile: Int
    /// Width of each embedding (the text model's embedding width).
    public let width: Int
    /// [tileCount · tokensPerTile, width] row-major.
    public let values: [Float]

    /// Number of embeddings (`<|patch|>` positions).
    public var embeddingCount: Int { tileCount * tokensPerTile }

    /// Prompt positions the image takes, special tokens included (see `ImageTokenIDs.layout`).
    public var tokenCount: Int {
        let separators = rows * columns > 1 ? rows * columns : 0  // one x or y separator after each grid tile
        return 2 + 1 + embeddingCount + separators               // start, <|image|>, patches, separators, end
    }
}
