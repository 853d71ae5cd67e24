/// The regex that splits text into words before byte-level BPE, chosen by `tokenizer.ggml.pre`.
///
/// Each case is a hand-written matcher over code points reproducing what llama.cpp does for
/// that pre-tokenizer (src/llama-vocab.cpp `llm_tokenizer_bpe`, src/unicode.cpp): its custom
/// splitters for GPT-2, Llama 3 and Qwen2, and for the GPT-4o regex (Llama 4) the result of its
/// `std::regex` run over "collapsed" text, where every non-ASCII code point stands for its
/// category and `[^a-z]`/`[^A-Z]` therefore treat any non-ASCII letter as both cases.
public enum PreTokenizer: Sendable, Equatable {
    /// GPT-2: `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`.
    case gpt2
    /// Llama 3 (`llama-bpe`): case-insensitive contractions, `[^\r\n\p{L}\p{N}]?\p{L}+`,
    /// `\p{N}{1,3}`, ` ?[^\s\p{L}\p{N}]+[\r\n]*`, `\s*[\r\n]+`, `\s+(?!\S)`, `\s+`.
    case llama3
    /// Qwen2: Llama 3's regex with single digits (`\p{N}`).
    case qwen2
    /// GPT-4o / Llama 4 (`llama4`): upper-then-lower letter runs with optional contractions,
    /// `\p{N}{1,3}`, ` ?[^\s\p{L}\p{N}]+[\r\n/]*`, and Llama 3's whitespace rules.
    case gpt4o
    /// llama.cpp's fallback for unknown BPE vocabularies: punctuation runs, then GPT-2, then
    /// number runs, then ASCII digit triples.
    case `default`

    /// The pre-tokenizer llama.cpp selects for a `tokenizer.ggml.pre` value; nil if it is one we
    /// do not implement.
    public init?(ggmlPre name: String?) {
        switch name ?? "default" {
        case "default", "": self = .default
        case "llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral", "midm-2.0", "lfm2",
             "dbrx", "smaug-bpe", "chatglm-bpe", "glm4":
            self = .llama3
        case "qwen2", "deepseek-r1-qwen", "megrez", "stablelm2", "hunyuan", "solar-open", "kormo":
            self = .qwen2
        case "gpt-2", "phi-2", "mpt", "olmo", "jais", "jina-es", "jina-de", "gigachat", "jina-v2-es",
             "jina-v2-de", "exaone4", "roberta-bpe", "jina-v1-en", "jina-v2-code":
            self = .gpt2
        case "llama4", "gpt-4o", "kanana2", "minimax-m2":
            self = .gpt4o
        default:
            return nil
        }
    }

    /// Splits `cps[range]` into words, appending each word's end index to `ends`.
    func split(_ cps: [UInt32], _ range: Range<Int>, into ends: inout [Int]) {
        switch self {
        case .gpt2: PreTokenizer.splitGPT2(cps, range, into: &ends)
        case .llama3: PreTokenizer.splitLlama3(cps, range, maxDigits: 3, into: &ends)
        case .qwen2: PreTokenizer.splitLlama3(cps, range, maxDigits: 1, into: &ends)
        case .gpt4o: PreTokenizer.splitGPT4o(cps, range, into: &ends)
        case .default: PreTokenizer.splitDefault(cps, range, into: &ends)
        }
    }

    /// ASCII lower-casing, enough for the contraction suffixes (llama.cpp `unicode_tolower`
    /// maps no other code point onto s, t, r, e, v, m, l or d).
    @inline(__always)
    static func lower(_ cp: UInt32) -> UInt32 { (cp >= 0x41 && cp <= 0x5A) ? cp + 32 : cp }

    /// Length of a contraction (`'s`, `'t`, `'re`, `'ve`, `'m`, `'ll`, `'d`) at `pos`, or 0.
    @inline(__always)
    static func contraction(_ cps: [UInt32], _ pos: Int, _ end: Int, caseInsensitive: Bool) -> Int {
        guard pos + 1 < end, cps[pos] == 0x27 else { return 0 }
        let c1 = caseInsensitive ? lower(cps[pos + 1]) : cps[pos + 1]
        switch c1 {
        case 0x73, 0x74, 0x6D, 0x64: return 2 // s t m d
        default: break
        }
        guard pos + 2 < end else { return 0 }
        let c2 = caseInsensitive ? lower(cps[pos + 2]) : cps[pos + 2]
        if (c1 == 0x72 && c2 == 0x65) || (c1 == 0x76 && c2 == 0x65) || (c1 == 0x6C && c2 == 0x6C) { return 3 }
        return 0
    }
}
