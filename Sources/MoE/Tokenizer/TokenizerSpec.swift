/// Everything a `Tokenizer` is built from: the `tokenizer.ggml.*` metadata of a GGUF file, as
/// plain values (so tests and tools can build one without a file).
public struct TokenizerSpec: Sendable {
    /// `tokenizer.ggml.model`: `gpt2` (byte-level BPE) or `llama` (SentencePiece).
    public var model: String
    /// `tokenizer.ggml.pre`: the BPE pre-tokenizer name (`llama-bpe`, `llama4`, `qwen2`, `gpt-2`, …).
    public var pre: String?
    /// `tokenizer.ggml.tokens`.
    public var tokens: [String]
    /// `tokenizer.ggml.token_type` (1 normal, 2 unknown, 3 control, 4 user-defined, 5 unused, 6 byte).
    public var tokenTypes: [Int]?
    /// `tokenizer.ggml.scores` (SentencePiece merge priorities).
    public var scores: [Float]?
    /// `tokenizer.ggml.merges` ("left right" in GPT-2's byte alphabet, by rank).
    public var merges: [String]?
    /// `tokenizer.ggml.bos_token_id`, `eos_token_id`, `unknown_token_id`, `padding_token_id`,
    /// `eot_token_id`, `eom_token_id`.
    public var bosID: Int?, eosID: Int?, unknownID: Int?, paddingID: Int?, eotID: Int?, eomID: Int?
    /// `tokenizer.ggml.add_bos_token`, `add_eos_token`, `add_space_prefix` (nil: llama.cpp's
    /// default for the model and pre-tokenizer).
    public var addBOS: Bool?, addEOS: Bool?, addSpacePrefix: Bool?

    /// A spec from the given metadata values.
    public init(model: String, pre: String? = nil, tokens: [String], tokenTypes: [Int]? = nil,
                scores: [Float]? = nil, merges: [String]? = nil,
                bosID: Int? = nil, eosID: Int? = nil, unknownID: Int? = nil, paddingID: Int? = nil,
                eotID: Int? = nil, eomID: Int? = nil,
                addBOS: Bool? = nil, addEOS: Bool? = nil, addSpacePrefix: Bool? = nil) {
        self.model = model
        self.pre = pre
        self.tokens = tokens
        self.tokenTypes = tokenTypes
        self.scores = scores
        self.merges = merges
        self.bosID = bosID
        self.eosID = eosID
        self.unknownID = unknownID
        self.paddingID = paddingID
        self.eotID = eotID
        self.eomID = eomID
        self.addBOS = addBOS
        self.addEOS = addEOS
        self.addSpacePrefix = addSpacePrefix
    }
}

/// A malformed or unsupported tokenizer description.
public struct TokenizerError: Error, CustomStringConvertible, Sendable {
    /// What is wrong.
    public let description: String
    init(_ description: String) { self.description = description }
}
