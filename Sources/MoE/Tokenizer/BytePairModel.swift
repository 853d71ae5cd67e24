/// Byte-level BPE (GPT-2 style, `tokenizer.ggml.model = gpt2`) over raw bytes.
///
/// GGUF stores tokens and merges in GPT-2's printable byte alphabet (`Ġ` for a space, …).
/// Tokens are translated back to raw bytes once; merges stay as stored and are looked up by
/// the text `left right`, exactly as llama.cpp's `bpe_ranks` (so a merge whose halves or result
/// are no token still applies mid-word). Merge order follows llama.cpp's
/// `llm_tokenizer_bpe_session`: lowest rank first, then the leftmost pair.
struct BytePairModel: Sendable {
    /// Raw bytes of every token expressible in the byte alphabet.
    private var symbols: ByteStringTable
    /// Token id of each entry of `symbols`.
    private var symbolToken: [Int32]
    /// Merge texts ("left right"); an entry's number is its rank.
    private var merges: ByteStringTable
    /// Token of each single byte (llama.cpp's fallback for a piece that is no token), or -1.
    private(set) var byteToken = [Int32](repeating: -1, count: 256)

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

        var mergeTable = ByteStringTable(expectedCount: mergeList.count, expectedBytes: mergeList.count * 8)
        for merge in mergeList {
            var m = merge
            m.withUTF8 { mergeTable.append($0) }
        }
        mergeTable.buildIndex(firstWins: true) // unordered_map::emplace keeps the first
        merges = mergeTable

        for b in 0..<256 {
            if let s = symbols.index(of: [UInt8(b)]) { byteToken[b] = symbolToken[s] }
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
        // Symbols are byte ranges of the word: start i, length len[i], linked by next/prev.
        var len = [Int32](repeating: 1, count: n)
        var next = [Int32](repeating: -1, count: n)
        var prev = [Int32](repeating: -1, count: n)
        for i in 0..<n {
            next[i] = i + 1 < n ? Int32(i + 1) : -1
            prev[i] = Int32(i - 1)
        }
        var heap = MergeHeap()
        var key: [UInt8] = []
        func consider(_ l: Int32, _ r: Int32) {
            guard l >= 0, r >= 0 else { return }
            let li = Int(l), ri = Int(r)
            key.removeAll(keepingCapacity: true)
            for k in li..<li + Int(len[li]) { GPT2Bytes.appendEncoded(word[k], to: &key) }
            key.append(0x20)
            for k in ri..<ri + Int(len[ri]) { GPT2Bytes.appendEncoded(word[k], to: &key) }
            guard let rank = key.withUnsafeBufferPointer({ merges.index(of: $0) }) else { return }
            heap.push(.init(rank: UInt32(rank), left: l, right: r, leftLength: len[li], rightLength: len[ri]))
        }
        for i in 1..<n { consider(Int32(i - 1), Int32(i)) }
        while let m = heap.pop() {
            let l = Int(m.left), r = Int(m.right)
            // Skip pairs made stale by an earlier merge.
            guard len[l] == m.leftLength, len[r] == m.rightLength, next[l] == m.right else { continue }
            len[l] += len[r]
            len[r] = 0
            next[l] = next[r]
            if next[r] >= 0 { prev[Int(next[r])] = m.left }
            next[r] = -2
            consider(prev[l], m.left)
            consider(m.left, next[l])
        }
        var i = 0
        while i >= 0 {
            let piece = UnsafeBufferPointer(rebasing: word[i..<i + Int(len[i])])
            if let s = symbols.index(of: piece) {
                out.append(symbolToken[s])
            } else {
                for b in piece where byteToken[Int(b)] >= 0 { out.append(byteToken[Int(b)]) }
            }
            i = Int(next[i])
        }
    }
}

/// A binary min-heap of candidate merges ordered by (rank, left position).
struct MergeHeap {
    struct Entry {
        var rank: UInt32
        var left: Int32
        var right: Int32
        var leftLength: Int32
        var rightLength: Int32
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

    /// Appends the byte-alphabet UTF-8 of one raw byte.
    @inline(__always)
    static func appendEncoded(_ b: UInt8, to out: inout [UInt8]) {
        let cp = codepointOfByte[Int(b)]
        if cp < 0x80 {
            out.append(UInt8(cp))
        } else {
            out.append(0xC0 | UInt8(cp >> 6)); out.append(0x80 | UInt8(cp & 0x3F))
        }
    }

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
