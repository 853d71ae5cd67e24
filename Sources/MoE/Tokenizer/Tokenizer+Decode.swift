extension Tokenizer {
    /// The bytes a token stands for (llama.cpp `token_to_piece`). Control and unknown tokens
    /// give their text only when `special` is true; unused tokens and ids out of range give none.
    public func tokenPiece(_ id: Int32, special: Bool = true) -> [UInt8] {
        var out: [UInt8] = []
        appendPiece(id, special: special, into: &out)
        return out
    }

    /// Appends a token's bytes to `out`.
    func appendPiece(_ id: Int32, special: Bool, into out: inout [UInt8]) {
        guard id >= 0 && Int(id) < attributes.count else { return }
        let attr = attributes[Int(id)]
        let text = texts.string(Int(id))
        if !attr.intersection([.control, .unknown]).isEmpty {
            if special { out.append(contentsOf: text) }
            return
        }
        if attr.contains(.userDefined) { out.append(contentsOf: text); return }
        if attr.contains(.normal) {
            switch model {
            case .sentencePiece:
                appendUnescaped(text, into: &out)
            case .bytePairEncoding:
                if !GPT2Bytes.decode(text, into: &out) {
                    // A code point outside the byte alphabet: keep its UTF-8 as is.
                    for cp in UTF8Codec.codepoints(text) {
                        if cp < 0x144, GPT2Bytes.byteOfCodepoint[Int(cp)] >= 0 {
                            out.append(UInt8(GPT2Bytes.byteOfCodepoint[Int(cp)]))
                        } else {
                            UTF8Codec.append(cp, to: &out)
                        }
                    }
                }
            }
            return
        }
        if attr.contains(.byte), text.count == 6, let b = UInt8(String(decoding: text.dropFirst(3).prefix(2), as: UTF8.self), radix: 16) {
            out.append(b)
        }
    }

    /// SentencePiece: U+2581 back to a space.
    private func appendUnescaped(_ text: ArraySlice<UInt8>, into out: inout [UInt8]) {
        var i = text.startIndex
        while i < text.endIndex {
            if text[i] == 0xE2 && i + 2 < text.endIndex && text[i + 1] == 0x96 && text[i + 2] == 0x81 {
                out.append(0x20); i += 3
            } else {
                out.append(text[i]); i += 1
            }
        }
    }

    /// The bytes of a token sequence, as llama.cpp's `llama_detokenize` with
    /// `remove_special = false`: SentencePiece drops the leading space of the first piece, and
    /// vocabularies with `clean_spaces` drop spaces before `?!.,` and in contractions.
    public func decodeBytes(_ ids: [Int32], special: Bool = true) -> [UInt8] {
        var out: [UInt8] = []
        var removeSpace = addSpacePrefix
        for id in ids {
            let start = out.count
            appendPiece(id, special: special, into: &out)
            if removeSpace && out.count > start && out[start] == 0x20 { out.remove(at: start) }
            removeSpace = false
        }
        return cleanSpaces ? Tokenizer.cleanUpSpaces(out) : out
    }

    /// Text of a token sequence (invalid UTF-8 replaced by U+FFFD). `special` renders control
    /// tokens such as `<|eot|>` (llama.cpp's `common_detokenize` default).
    public func decode(_ ids: [Int32], special: Bool = true) -> String {
        String(decoding: decodeBytes(ids, special: special), as: UTF8.self)
    }

    /// llama.cpp's three `clean_spaces` passes, done in place as there (the second pass blanks
    /// the space after a lone apostrophe, which the next comparison then sees).
    static func cleanUpSpaces(_ input: [UInt8]) -> [UInt8] {
        let space: UInt8 = 0x20, quote: UInt8 = 0x27
        var t = input
        var total = t.count
        // 1. " ?", " !", " .", " ," lose the space.
        var n = total
        total = n > 0 ? 1 : 0
        var i = 1
        while i < n {
            let x = t[i]
            if t[i - 1] == space && (x == 0x3F || x == 0x21 || x == 0x2E || x == 0x2C) { total -= 1 }
            t[total] = x; total += 1; i += 1
        }
        // 2. A lone apostrophe between spaces loses both spaces.
        n = total
        total = n > 0 ? 1 : 0
        i = 1
        while i < n {
            let x = t[i]
            if x == quote && i + 1 < n && t[i - 1] == space && t[i + 1] == space {
                total -= 1
                i += 1
                t[i] = 0
            }
            t[total] = x; total += 1; i += 1
        }
        // 3. " 's", " 'm", " 're", " 've" lose the space.
        n = total
        total = n > 0 ? 1 : 0
        i = 1
        while i < n {
            let x = t[i]
            if t[i - 1] == space && x == quote && i + 1 < n {
                let x1 = t[i + 1]
                if x1 == 0x73 || x1 == 0x6D {
                    total -= 1
                } else if i + 2 < n && (x1 == 0x72 || x1 == 0x76) && t[i + 2] == 0x65 {
                    total -= 1
                }
            }
            t[total] = x; total += 1; i += 1
        }
        return Array(t[0..<total])
    }
}
