extension Tokenizer {
    /// A stretch of the input: raw text still to tokenize, or an already-matched special token.
    enum Fragment {
        case text(Range<Int>)
        case token(Int32)
    }

    /// Tokenizes `text` as llama.cpp's `llama_tokenize` does.
    /// - Parameters:
    ///   - addSpecial: add BOS/EOS where the vocabulary asks for them.
    ///   - parseSpecial: recognize control tokens (`<|eot|>`) written in the text; user-defined
    ///     tokens are always recognized.
    public func encode(_ text: String, addSpecial: Bool = true, parseSpecial: Bool = false) -> [Int32] {
        var copy = text
        return copy.withUTF8 { encode(utf8: $0, addSpecial: addSpecial, parseSpecial: parseSpecial) }
    }

    /// Tokenizes raw bytes; invalid UTF-8 becomes U+FFFD per bad byte, as in llama.cpp.
    public func encode(utf8 bytes: UnsafeBufferPointer<UInt8>, addSpecial: Bool = true, parseSpecial: Bool = false) -> [Int32] {
        var out: [Int32] = []
        let fragments = bytes.isEmpty ? [] : partition(bytes, parseSpecial: parseSpecial)
        if addSpecial && addBOS, let bos = bosID { out.append(bos) }
        switch model {
        case .sentencePiece:
            var previousWasSpecial = true
            var buffer: [UInt8] = []
            for fragment in fragments {
                switch fragment {
                case .token(let id):
                    out.append(id)
                    previousWasSpecial = true
                case .text(let range):
                    buffer.removeAll(keepingCapacity: true)
                    if addSpacePrefix && previousWasSpecial { buffer.append(contentsOf: [0xE2, 0x96, 0x81]) }
                    for b in bytes[range] {
                        if b == 0x20 { buffer.append(contentsOf: [0xE2, 0x96, 0x81]) } else { buffer.append(b) }
                    }
                    buffer.withUnsafeBufferPointer { spm!.encode($0, texts: texts, scores: scores, into: &out) }
                    previousWasSpecial = false
                }
            }
        case .bytePairEncoding(let pre):
            for fragment in fragments {
                switch fragment {
                case .token(let id): out.append(id)
                case .text(let range): encodeBPE(UnsafeBufferPointer(rebasing: bytes[range]), pre: pre, into: &out)
                }
            }
        }
        if addSpecial && addEOS, let eos = eosID { out.append(eos) }
        return out
    }

    /// Splits text at special tokens: each special token, longest first, cuts every text
    /// fragment at each of its occurrences (llama.cpp `tokenizer_st_partition`).
    func partition(_ bytes: UnsafeBufferPointer<UInt8>, parseSpecial: Bool) -> [Fragment] {
        // Only tokens occurring somewhere in the text can cut a fragment: find them in one pass.
        var present = Set<Int32>()
        for i in 0..<bytes.count {
            for id in specialByFirstByte[Int(bytes[i])] where !present.contains(id) {
                if !parseSpecial && !attributes[Int(id)].intersection([.control, .unknown]).isEmpty { continue }
                let t = texts.string(Int(id))
                if t.count <= bytes.count - i && zip(t, bytes[i..<i + t.count]).allSatisfy({ $0 == $1 }) {
                    present.insert(id)
                }
            }
        }
        var fragments: [Fragment] = [.text(0..<bytes.count)]
        guard !present.isEmpty else { return fragments }
        for id in specialTokens where present.contains(id) {
            let t = Array(texts.string(Int(id)))
            var result: [Fragment] = []
            result.reserveCapacity(fragments.count + 2)
            for fragment in fragments {
                guard case .text(let range) = fragment else { result.append(fragment); continue }
                var lo = range.lowerBound
                var p = lo
                while p + t.count <= range.upperBound {
                    if bytes[p] == t[0] && (1..<t.count).allSatisfy({ bytes[p + $0] == t[$0] }) {
                        if p > lo { result.append(.text(lo..<p)) }
                        result.append(.token(id))
                        p += t.count; lo = p
                    } else {
                        p += 1
                    }
                }
                if lo < range.upperBound { result.append(.text(lo..<range.upperBound)) }
            }
            fragments = result
        }
        return fragments
    }

    /// Pre-tokenizes one text fragment and BPE-encodes each word.
    private func encodeBPE(_ bytes: UnsafeBufferPointer<UInt8>, pre: PreTokenizer, into out: inout [Int32]) {
        guard let bpe else { return }
        let cps = UTF8Codec.codepoints(bytes)
        var ends: [Int] = []
        pre.split(cps, 0..<cps.count, into: &ends)
        var word: [UInt8] = []
        var start = 0
        for end in ends {
            word.removeAll(keepingCapacity: true)
            for k in start..<end { UTF8Codec.append(cps[k], to: &word) }
            start = end
            if word.isEmpty { continue }
            word.withUnsafeBufferPointer { w in
                if ignoreMerges, let id = bpe.token(forWhole: w) { out.append(id); return }
                let cacheable = w.count <= 64
                if cacheable, let hit = wordCache.withLock({ $0[word] }) { out.append(contentsOf: hit); return }
                var ids: [Int32] = []
                bpe.encode(word: w, into: &ids)
                out.append(contentsOf: ids)
                if cacheable {
                    let key = word
                    wordCache.withLock { cache in
                        if cache.count >= 65_536 { cache.removeAll(keepingCapacity: true) }
                        cache[key] = ids
                    }
                }
            }
        }
    }
}
