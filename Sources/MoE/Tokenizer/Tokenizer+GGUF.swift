extension TokenizerSpec {
    /// GGUF metadata keys of the tokenizer (gguf-py/gguf/constants.py `Keys.Tokenizer`).
    enum Key {
        static let model = "tokenizer.ggml.model"
        static let pre = "tokenizer.ggml.pre"
        static let tokens = "tokenizer.ggml.tokens"
        static let tokenType = "tokenizer.ggml.token_type"
        static let scores = "tokenizer.ggml.scores"
        static let merges = "tokenizer.ggml.merges"
        static let bos = "tokenizer.ggml.bos_token_id"
        static let eos = "tokenizer.ggml.eos_token_id"
        static let unknown = "tokenizer.ggml.unknown_token_id"
        static let padding = "tokenizer.ggml.padding_token_id"
        static let eot = "tokenizer.ggml.eot_token_id"
        static let eom = "tokenizer.ggml.eom_token_id"
        static let addBOS = "tokenizer.ggml.add_bos_token"
        static let addEOS = "tokenizer.ggml.add_eos_token"
        static let addSpacePrefix = "tokenizer.ggml.add_space_prefix"
    }

    /// The tokenizer metadata of a GGUF file.
    public init(gguf file: GGUFFile) throws {
        guard let model = file.string(Key.model) else { throw TokenizerError("no \(Key.model) in \(file.path)") }
        guard let tokens = file.strings(Key.tokens) else { throw TokenizerError("no \(Key.tokens) in \(file.path)") }
        self.init(model: model, pre: file.string(Key.pre), tokens: tokens,
                  tokenTypes: file.ints(Key.tokenType), scores: file.floats(Key.scores),
                  merges: file.strings(Key.merges),
                  bosID: file.int(Key.bos), eosID: file.int(Key.eos), unknownID: file.int(Key.unknown),
                  paddingID: file.int(Key.padding), eotID: file.int(Key.eot), eomID: file.int(Key.eom),
                  addBOS: file.bool(Key.addBOS), addEOS: file.bool(Key.addEOS),
                  addSpacePrefix: file.bool(Key.addSpacePrefix))
    }
}

extension Tokenizer {
    /// The tokenizer of a GGUF model or vocab file.
    public convenience init(gguf file: GGUFFile) throws {
        try self.init(spec: TokenizerSpec(gguf: file))
    }
}
