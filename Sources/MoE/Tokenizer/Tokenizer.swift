import Synchronization

/// Text ↔ token ids for a GGUF vocabulary, matching llama.cpp (src/llama-vocab.cpp): byte-level
/// BPE with its pre-tokenizers, or SentencePiece; special tokens; BOS/EOS rules; detokenization.
///
/// Thread-safe: encoding may run from several threads; the BPE word cache is behind a lock.
public final class Tokenizer: Sendable {
    /// Which algorithm turns words into tokens.
    public enum Model: Sendable, Equatable {
        /// Byte-level BPE (`gpt2`) with its pre-tokenizer.
        case bytePairEncoding(PreTokenizer)
        /// SentencePiece BPE (`llama`).
        case sentencePiece
    }

    /// The algorithm and pre-tokenizer.
    public let model: Model
    /// Number of tokens.
    public var vocabularySize: Int { attributes.count }
    /// `<|begin_of_text|>`, `<s>`, …, if the vocabulary has one.
    public let bosID: Int32?
    /// End-of-sequence token, if any.
    public let eosID: Int32?
    /// Unknown token, if any.
    public let unknownID: Int32?
    /// Padding token, if any.
    public let paddingID: Int32?
    /// Whether `encode(addSpecial: true)` prepends BOS.
    public let addBOS: Bool
    /// Whether `encode(addSpecial: true)` appends EOS.
    public let addEOS: Bool
    /// SentencePiece: prefix a space to text at the start and after special tokens.
    public let addSpacePrefix: Bool
    /// Tokens that end generation (llama.cpp's EOG set: EOS, `<|eot_id|>`, `<|im_end|>`, …).
    public let endOfGenerationIDs: Set<Int32>

    /// Stored token texts (GGUF bytes).
    let texts: ByteStringTable
    /// Attributes per token.
    let attributes: [TokenAttributes]
    /// SentencePiece scores per token (zeros if absent).
    let scores: [Float]
    let bpe: BytePairModel?
    let spm: SentencePieceModel?
    /// Control, user-defined and unknown tokens, longest text first (llama.cpp's
    /// `cache_special_tokens`), and the same bucketed by first byte.
    let specialTokens: [Int32]
    let specialByFirstByte: [[Int32]]
    /// llama.cpp `ignore_merges`: a word that is itself a token is emitted whole (Llama 3).
    let ignoreMerges: Bool
    /// llama.cpp `clean_spaces`: detokenization removes spaces before punctuation.
    let cleanSpaces: Bool
    /// BPE words already encoded (pre-tokenized word bytes → tokens).
    let wordCache = Mutex<[[UInt8]: [Int32]]>([:])

    /// Builds a tokenizer from metadata values; throws for an unknown model or pre-tokenizer.
    public init(spec: TokenizerSpec) throws {
        let n = spec.tokens.count
        guard n > 0 else { throw TokenizerError("empty vocabulary") }
        guard n < Int(Int32.max) else { throw TokenizerError("vocabulary too large") }
        // Strings are stored with 32-bit offsets.
        for list in [spec.tokens, spec.merges ?? []] {
            guard list.reduce(0, { $0 + $1.utf8.count + 16 }) < Int(Int32.max) else {
                throw TokenizerError("tokenizer strings too large")
            }
        }

        var table = ByteStringTable(expectedCount: n, expectedBytes: n * 8)
        for (i, token) in spec.tokens.enumerated() {
            if token.isEmpty {
                table.append(Array("[EMPTY_\(i)]".utf8)) // llama.cpp renames empty tokens
            } else {
                var t = token
                t.withUTF8 { table.append($0) }
            }
        }
        table.buildIndex()
        texts = table

        var attrs = (0..<n).map { i -> TokenAttributes in
            guard let types = spec.tokenTypes, i < types.count else { return .normal }
            return TokenAttributes(ggmlType: types[i])
        }
        var s = spec.scores ?? []
        if s.count < n { s += [Float](repeating: 0, count: n - s.count) }
        scores = s

        // Model defaults (llama_vocab::impl::load).
        var defaultBOS: Int32?, defaultEOS: Int32?, defaultUnknown: Int32?
        var addBOSDefault = false, addSpacePrefixDefault = false
        var clean = false, ignore = false
        switch spec.model {
        case "gpt2":
            guard let pre = PreTokenizer(ggmlPre: spec.pre) else {
                throw TokenizerError("unknown pre-tokenizer '\(spec.pre ?? "")'")
            }
            model = .bytePairEncoding(pre)
            defaultBOS = 11; defaultEOS = 11
            clean = true
            switch spec.pre ?? "" {
            case "llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral", "midm-2.0", "lfm2":
                ignore = true; addBOSDefault = true
            case "glm4":
                ignore = true
            case "qwen2", "deepseek-r1-qwen", "kormo", "llama4", "gpt-4o", "kanana2", "poro-chat",
                 "viking", "solar-open":
                clean = false
            default:
                break
            }
        case "llama":
            model = .sentencePiece
            defaultBOS = 1; defaultEOS = 2; defaultUnknown = 0
            addBOSDefault = true; addSpacePrefixDefault = true
        default:
            throw TokenizerError("unsupported tokenizer model '\(spec.model)'")
        }
        ignoreMerges = ignore
        cleanSpaces = clean
        addBOS = spec.addBOS ?? addBOSDefault
        addEOS = spec.addEOS ?? false
        addSpacePrefix = spec.addSpacePrefix ?? addSpacePrefixDefault

        func pick(_ key: Int?, _ fallback: Int32?) -> Int32? {
            if let key, key >= 0, key < n { return Int32(key) }
            if let fallback, fallback < n { return fallback }
            return nil
        }
        bosID = pick(spec.bosID, defaultBOS)
        eosID = pick(spec.eosID, defaultEOS)
        unknownID = pick(spec.unknownID, defaultUnknown)
        paddingID = pick(spec.paddingID, nil)

        // Tokens llama.cpp recognizes by text as end-of-generation, and forces to control type.
        var eog = Set<Int32>()
        for text in Tokenizer.endOfGenerationTexts {
            if let id = table.index(of: Array(text.utf8)) {
                eog.insert(Int32(id))
                attrs[id].insert(.control)
            }
        }
        for text in Tokenizer.fillInTheMiddleTexts {
            if let id = table.index(of: Array(text.utf8)) {
                attrs[id].insert(.control)
                if text != "<|fim_prefix|>" && text != "<|fim_suffix|>" && text != "<|fim_middle|>" { eog.insert(Int32(id)) }
            }
        }
        for id in [eosID, pick(spec.eotID, nil), pick(spec.eomID, nil)].compactMap({ $0 }) { eog.insert(id) }
        endOfGenerationIDs = eog
        attributes = attrs

        var special = (0..<n).filter { !attrs[$0].intersection([.control, .userDefined, .unknown]).isEmpty }.map { Int32($0) }
        special.sort { a, b in
            let la = table.string(Int(a)).count, lb = table.string(Int(b)).count
            return la != lb ? la > lb : a < b
        }
        specialTokens = special
        var buckets = [[Int32]](repeating: [], count: 256)
        for id in special { if let first = table.string(Int(id)).first { buckets[Int(first)].append(id) } }
        specialByFirstByte = buckets

        switch model {
        case .bytePairEncoding:
            guard let merges = spec.merges else { throw TokenizerError("byte-level BPE needs tokenizer.ggml.merges") }
            bpe = BytePairModel(tokens: table, merges: merges)
            spm = nil
        case .sentencePiece:
            bpe = nil
            spm = SentencePieceModel(texts: table, unknownID: unknownID)
        }
    }

    /// Texts llama.cpp treats as end of generation (its EOT/EOM/EOG lists in `load`).
    static let endOfGenerationTexts = [
        "<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|end_of_text|>",
        "<EOT>", "_<EOT>", "<|eom_id|>", "</s>", "<｜end▁of▁sentence｜>", "<|return|>", "<|call|>",
    ]
    /// Fill-in-the-middle markers llama.cpp forces to control type (pad, repo and file separator
    /// also end generation).
    static let fillInTheMiddleTexts = [
        "<|fim_prefix|>", "<|fim_suffix|>", "<|fim_middle|>", "<|fim_pad|>", "<|fim_repo|>",
        "<|repo_name|>", "<|file_sep|>",
    ]

    // MARK: Token facts

    /// The attributes of a token (empty for an id out of range).
    public func attributes(of id: Int32) -> TokenAttributes {
        id >= 0 && Int(id) < attributes.count ? attributes[Int(id)] : []
    }

    /// Whether `id` is a control token (`<|eot|>`, `<s>`, …).
    public func isControl(_ id: Int32) -> Bool { attributes(of: id).contains(.control) }

    /// Whether generating `id` should stop generation.
    public func isEndOfGeneration(_ id: Int32) -> Bool { endOfGenerationIDs.contains(id) }

    /// The token whose stored text is exactly `text` (e.g. `"<|eot|>"`), if any.
    public func tokenID(forText text: String) -> Int32? {
        texts.index(of: Array(text.utf8)).map { Int32($0) }
    }

    /// The stored text of a token, as in the GGUF file (`Ġhello` for byte-level BPE).
    public func storedText(_ id: Int32) -> String? {
        guard id >= 0 && Int(id) < texts.count else { return nil }
        return String(decoding: texts.string(Int(id)), as: UTF8.self)
    }
}
