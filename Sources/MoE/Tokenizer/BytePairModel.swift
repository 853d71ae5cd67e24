/// Byte-level BPE (GPT-2 style, `tokenizer.ggml.model = gpt2`) over raw bytes.
///
/// GGUF stores tokens and merges in GPT-2's printable byte alphabet (`Ġ` for a space, …). We
/// translate both back to raw bytes once, so words are merged as bytes: every string a merge
/// can produce is a "symbol", numbered like the vocabulary where it is a token and past it
/// where it is not (llama.cpp merges by text, so such strings can exist mid-merge).
/// Merge order follows llama.cpp's `llm_tokenizer_bpe_session`: lowest rank first, then the
/// leftmost pair.
struct BytePairModel: Sendable {
    /// Raw bytes of every symbol that is a vocabulary token.
    private var symbols: ByteStringTable
    /// Token id of each symbol in `symbols`.
    private var symbolToken: [Int32]
    /// Bytes of symbols that are no token, numbered from `symbols.count`.
    private var extraSymbols: [[UInt8]] = []
    /// Symbol of each single byte.
    private var byteSymbol = [Int32](repeating: -1, count: 256)
    /// Token of each single byte (llama.cpp's fallback for unknown symbols), or -1.
    private(set) var byteToken = [Int32](repeating: -1, count: 256)
    /// (left symbol << 32 | right symbol) → (rank << 32 | merged symbol).
    private var merges: PairTable

    /// Builds the model from the vocabulary's stored texts and `tokenizer.ggml.merges`.
    init(tokens texts: ByteStringTable, merges mergeList: [String]) {
        var table = ByteStringTable(expectedCount: texts.count, expectedBytes: texts.bytes.count)
        var tokenOfSymbol: [Int32] = []
        tokenOfSymbol.reserveCapacity(texts.count)
        var raw: [UInt8] = []
        for id in 0..<texts.count {
            raw.removeAll(keepingCapacity: true)
            if GPT2Bytes.decode(texts.string(id), into: &raw) {
                table.append(raw)
                tokenOfSymbol.append(Int32(id))
            }
        }
        table.buildIndex()
        symbols = table
        symbolToken = tokenOfSymbol
        merges = PairTable(capacityFor: mergeList.count)

        var extraIndex: [[UInt8]: Int32] = [:]
        func symbol(_ bytes: [UInt8]) -> Int32 {
            if let s = symbols.index(of: bytes) { return Int32(s) }
            if let s = extraIndex[bytes] { return s }
            let s = Int32(symbols.count + extraSymbols.count)
            extraSymbols.append(bytes)
            extraIndex[bytes] = s
            return s
        }
        for b in 0..<256 {
            byteSymbol[b] = symbol([UInt8(b)])
            if Int(byteSymbol[b]) < symbols.count { byteToken[b] = symbolToken[Int(byteSymbol[b])] }
        }
        var left: [UInt8] = [], right: [UInt8] = []
        for (rank, merge) in mergeList.enumerated() {
            var m = merge
            let ok: Bool = m.withUTF8 { utf8 in
                // llama.cpp splits at the first space after the first byte.
                guard utf8.count > 1, let cut = utf8[1...].firstIndex(of: 0x20) else { return false }
                left.removeAll(keepingCapacity: true)
                right.removeAll(keepingCapacity: true)
                return GPT2Bytes.decode(utf8[..<cut], into: &left)
                    && GPT2Bytes.decode(utf8[(cut + 1)...], into: &right)
            }
            guard ok, !left.isEmpty, !right.isEmpty else { continue }
            let a = symbol(left), b = symbol(right)
            let merged = symbol(left + right)
            merges.insertIfAbsent(UInt64(UInt32(a)) << 32 | UInt64(UInt32(b)),
                                  UInt64(rank) << 32 | UInt64(UInt32(merged)))
        }
    }

    /// The token whose raw bytes are exactly `word`, if any (llama.cpp's `ignore_merges` path).
    func token(forWhole word: UnsafeBufferPointer<UInt8>) -> Int32? {
        symbols.index(of: word).map { symbolToken[$0] }
    }

    /// Appends the tokens of one pre-tokenized word.
    func encode(word: UnsafeBufferPointer<UInt8>, into out: inout [Int32]) {
        let n = word.count
        guard n > 0 else { return }
        if n == 1 { emit(byteSymbol[Int(word[0])], into: &out); return }
        var sym = [Int32](repeating: 0, count: n)
        var next = [Int32](repeating: -1, count: n)
        var prev = [Int32](repeating: -1, count: n)
        for i in 0..<n {
            sym[i] = byteSymbol[Int(word[i])]
            next[i] = i + 1 < n ? Int32(i + 1) : -1
            prev[i] = Int32(i - 1)
        }
        var heap = MergeHeap()
        func consider(_ l: Int32, _ r: Int32) {
            guard l >= 0, r >= 0 else { return }
            let key = UInt64(UInt32(sym[Int(l)])) << 32 | UInt64(UInt32(sym[Int(r)]))
            guard let v = merges.value(key) else { return }
            heap.push(.init(rank: UInt32(v >> 32), left: l, right: r,
                            leftSymbol: sym[Int(l)], rightSymbol: sym[Int(r)], merged: Int32(truncatingIfNeeded: v)))
        }
        for i in 1..<n { consider(Int32(i - 1), Int32(i)) }
        while let m = heap.pop() {
            let l = Int(m.left), r = Int(m.right)
            // Skip pairs made stale by an earlier merge.
            guard sym[l] == m.leftSymbol, sym[r] == m.rightSymbol, next[l] == m.right else { continue }
            sym[l] = m.merged
            sym[r] = -1
            next[l] = next[r]
            if next[r] >= 0 { prev[Int(next[r])] = m.left }
            next[r] = -2
            consider(prev[l], m.left)
            consider(m.left, next[l])
        }
        var i: Int32 = 0
        while i >= 0 { emit(sym[Int(i)], into: &out); i = next[Int(i)] }
    }

    /// A symbol's token, or (for a symbol that is no token) its bytes' tokens.
    @inline(__always)
    private func emit(_ s: Int32, into out: inout [Int32]) {
        if s >= 0 && Int(s) < symbols.count { out.append(symbolToken[Int(s)]); return }
        guard s >= 0 else { return }
        for b in extraSymbols[Int(s) - symbols.count] where byteToken[Int(b)] >= 0 {
            out.append(byteToken[Int(b)])
        }
    }
}

/// A binary min-heap of candidate merges ordered by (rank, left position).
struct MergeHeap {
    struct Entry {
        var rank: UInt32
        var left: Int32
        var right: Int32
        var leftSymbol: Int32
        var rightSymbol: Int32
        var merged: Int32
        @inline(__always) func before(_ o: Entry) -> Bool { rank < o.rank || (rank == o.rank && left < o.left) }
    }

    private var items: [Entry] = []

    mutating func push(_ e: Entry) {
        items.append(e)
        var c = items.count - 1
        while c > 0 {
            let p = (c - 1) / 2
            guard items[c].before(items[p]) else { break }
            items.swapAt(c, p)
            c = p
        }
    }

    mutating func pop() -> Entry? {
        guard let top = items.first else { return nil }
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var p = 0
            while true {
                let l = 2 * p + 1, r = l + 1
                var m = p
                if l < items.count && items[l].before(items[m]) { m = l }
                if r < items.count && items[r].before(items[m]) { m = r }
                if m == p { break }
                items.swapAt(p, m)
                p = m
            }
        }
        return top
    }
}

/// GPT-2's reversible map between bytes and printable code points (llama.cpp
/// `unicode_byte_to_utf8_map`): printable Latin-1 bytes map to themselves, the other 68 to
/// U+0100 upwards in byte order.
enum GPT2Bytes {
    /// Code point of each byte.
    static let codepointOfByte: [UInt32] = {
        var map = [UInt32](repeating: 0, count: 256)
        var next: UInt32 = 256
        for b in 0..<256 {
            if (0x21...0x7E).contains(b) || (0xA1...0xAC).contains(b) || (0xAE...0xFF).contains(b) {
                map[b] = UInt32(b)
            } else {
                map[b] = next; next += 1
            }
        }
        return map
    }()

    /// Byte of each code point below 0x144, or -1.
    static let byteOfCodepoint: [Int16] = {
        var inverse = [Int16](repeating: -1, count: 0x144)
        for (b, cp) in codepointOfByte.enumerated() { inverse[Int(cp)] = Int16(b) }
        return inverse
    }()

    /// Appends the raw bytes an encoded text stands for; false if a code point is outside the
    /// alphabet (such a text can never be produced by byte-level BPE).
    static func decode<C: Collection>(_ utf8: C, into out: inout [UInt8]) -> Bool where C.Element == UInt8, C.Index == Int {
        var i = utf8.startIndex
        while i < utf8.endIndex {
            let b0 = utf8[i]
            var cp: UInt32
            if b0 < 0x80 {
                cp = UInt32(b0); i += 1
            } else if b0 & 0xE0 == 0xC0, i + 1 < utf8.endIndex {
                cp = UInt32(b0 & 0x1F) << 6 | UInt32(utf8[i + 1] & 0x3F); i += 2
            } else {
                return false // three-byte sequences are all past U+0143
            }
            guard cp < 0x144 else { return false }
            let b = byteOfCodepoint[Int(cp)]
            guard b >= 0 else { return false }
            out.append(UInt8(b))
        }
        return true
    }
}
