/// Turns generated tokens into text one token at a time, releasing only whole UTF-8 characters:
/// a character split across tokens (byte-level BPE splits emoji and CJK, SentencePiece falls
/// back to `<0xNN>` bytes) is held back until its last byte arrives.
///
/// Pieces are concatenated as llama.cpp's `common_token_to_piece` streams them: no leading-space
/// removal and no `clean_spaces` rewriting.
public struct StreamingDetokenizer: Sendable {
    /// The vocabulary the ids belong to.
    public let tokenizer: Tokenizer
    /// Whether control tokens (`<|eot|>`) are rendered as their text.
    public let special: Bool
    /// Bytes of an unfinished character (at most 3).
    private var pending: [UInt8] = []

    /// A detokenizer for `tokenizer`'s ids; control tokens are dropped unless `special`.
    public init(tokenizer: Tokenizer, special: Bool = false) {
        self.tokenizer = tokenizer
        self.special = special
    }

    /// Adds one token and returns the text it completes (possibly empty).
    public mutating func append(_ id: Int32) -> String {
        tokenizer.appendPiece(id, special: special, into: &pending)
        let cut = StreamingDetokenizer.completePrefixLength(pending)
        guard cut > 0 else { return "" }
        let text = String(decoding: pending[..<cut], as: UTF8.self)
        pending.removeFirst(cut)
        return text
    }

    /// Adds several tokens and returns the text they complete.
    public mutating func append<S: Sequence>(contentsOf ids: S) -> String where S.Element == Int32 {
        var text = ""
        for id in ids { text += append(id) }
        return text
    }

    /// Returns whatever is still held back (an unfinished character becomes U+FFFD) and resets.
    public mutating func finish() -> String {
        defer { pending.removeAll() }
        return String(decoding: pending, as: UTF8.self)
    }

    /// Whether bytes are held back waiting for the rest of a character.
    public var hasPendingBytes: Bool { !pending.isEmpty }

    /// Length of the longest prefix of `bytes` that does not end inside a UTF-8 sequence that
    /// could still be completed. Invalid bytes count as complete (they decode to U+FFFD).
    static func completePrefixLength(_ bytes: [UInt8]) -> Int {
        let n = bytes.count
        // Look back at most 3 bytes for the lead byte of the last sequence.
        var i = n - 1
        var continuations = 0
        while i >= 0 && continuations < 3 && bytes[i] & 0xC0 == 0x80 {
            continuations += 1
            i -= 1
        }
        guard i >= 0 else { return n }
        let lead = bytes[i]
        let need: Int
        switch lead {
        case 0xC2...0xDF: need = 2
        case 0xE0...0xEF: need = 3
        case 0xF0...0xF4: need = 4
        default: return n // ASCII or an invalid lead: nothing to wait for
        }
        let have = n - i
        if have >= need { return n }
        // Hold back only a prefix that can still become a valid character.
        if have >= 2 {
            let second = bytes[i + 1]
            switch lead {
            case 0xE0: if second < 0xA0 { return n }
            case 0xED: if second > 0x9F { return n }
            case 0xF0: if second < 0x90 { return n }
            case 0xF4: if second > 0x8F { return n }
            default: break
            }
        }
        return i
    }
}
