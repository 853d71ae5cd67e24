/// What llama.cpp knows about a token beyond its text (`llama_token_attr`).
public struct TokenAttributes: OptionSet, Sendable, Hashable {
    /// The bits, as llama.cpp numbers them.
    public let rawValue: UInt16
    /// Attributes from their bits.
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// A token type llama.cpp does not know.
    public static let undefined = TokenAttributes(rawValue: 1 << 0)
    /// The unknown token (`<unk>`).
    public static let unknown = TokenAttributes(rawValue: 1 << 1)
    /// A reserved, never-produced token.
    public static let unused = TokenAttributes(rawValue: 1 << 2)
    /// An ordinary piece of text.
    public static let normal = TokenAttributes(rawValue: 1 << 3)
    /// Special tokens such as `<|begin_of_text|>`: matched in text only with `parseSpecial`,
    /// rendered only when asked.
    public static let control = TokenAttributes(rawValue: 1 << 4)
    /// Added tokens: always matched in text, always rendered.
    public static let userDefined = TokenAttributes(rawValue: 1 << 5)
    /// A SentencePiece byte-fallback token (`<0x0A>`).
    public static let byte = TokenAttributes(rawValue: 1 << 6)

    /// The attributes of a `tokenizer.ggml.token_type` value.
    init(ggmlType: Int) {
        switch ggmlType {
        case 1: self = .normal
        case 2: self = .unknown
        case 3: self = .control
        case 4: self = .userDefined
        case 5: self = .unused
        case 6: self = .byte
        default: self = .undefined
        }
    }
}
