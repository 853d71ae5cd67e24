/// SentencePiece BPE (`tokenizer.ggml.model = llama`), as llama.cpp's `llm_tokenizer_spm_session`
/// runs it: start from UTF-8 characters, repeatedly merge the adjacent pair whose concatenation
/// is the highest-scoring token (ties: leftmost), then emit each piece's token or, for a piece
/// that is no token, its bytes as `<0xNN>` tokens.
struct SentencePieceModel: Sendable {
    /// Token of each byte: `<0xNN>`, else the one-byte text, else the unknown token, else -1.
    let byteToken: [Int32]

    init(texts: ByteStringTable, unknownID: Int32?) {
        var byTok = [Int32](repeating: -1, count: 256)
        let hex = Array("0123456789ABCDEF".utf8)
        for b in 0..<256 {
            let name: [UInt8] = [0x3C, 0x30, 0x78, hex[b >> 4], hex[b & 15], 0x3E] // <0xNN>
            if let id = texts.index(of: name) {
                byTok[b] = Int32(id)
            } else if let id = texts.index(of: [UInt8(b)]) {
                byTok[b] = Int32(id)
            } else {
                byTok[b] = unknownID ?? -1
            }
        }
        byteToken = byTok
    }

    private struct Bigram {
        var score: Float
        var left: Int32
        var right: Int32
        var size: Int32
        @inline(__always) func before(_ o: Bigram) -> Bool { score > o.score || (score == o.score && left < o.left) }
    }

    /// Appends the tokens of `text` (already space-escaped with U+2581).
    func encode(_ text: UnsafeBufferPointer<UInt8>, texts: ByteStringTable, scores: [Float], into out: inout [Int32]) {
        let n = text.count
        guard n > 0 else { return }
        // Symbols: UTF-8 characters (byte offset, length), doubly linked.
        var start: [Int32] = [], len: [Int32] = [], next: [Int32] = [], prev: [Int32] = []
        var offs = 0
        while offs < n {
            let l = min(UTF8Codec.sequenceLength(lead: text[offs]), n - offs)
            start.append(Int32(offs)); len.append(Int32(l))
            prev.append(Int32(start.count - 2))
            offs += l
            next.append(offs == n ? -1 : Int32(start.count))
        }
        var heap: [Bigram] = []
        func push(_ b: Bigram) {
            heap.append(b)
            var c = heap.count - 1
            while c > 0 {
                let p = (c - 1) / 2
                guard heap[c].before(heap[p]) else { break }
                heap.swapAt(c, p); c = p
            }
        }
        func pop() -> Bigram? {
            guard let top = heap.first else { return nil }
            let last = heap.removeLast()
            if !heap.isEmpty {
                heap[0] = last
                var p = 0
                while true {
                    let l = 2 * p + 1, r = l + 1
                    var m = p
                    if l < heap.count && heap[l].before(heap[m]) { m = l }
                    if r < heap.count && heap[r].before(heap[m]) { m = r }
                    if m == p { break }
                    heap.swapAt(p, m); p = m
                }
            }
            return top
        }
        func tryAdd(_ l: Int32, _ r: Int32) {
            guard l >= 0, r >= 0 else { return }
            let lo = Int(start[Int(l)]), size = Int(len[Int(l)] + len[Int(r)])
            guard let id = texts.index(of: UnsafeBufferPointer(rebasing: text[lo..<lo + size])) else { return }
            push(Bigram(score: scores[id], left: l, right: r, size: Int32(size)))
        }
        for i in 1..<start.count { tryAdd(Int32(i - 1), Int32(i)) }
        while let b = pop() {
            let l = Int(b.left), r = Int(b.right)
            guard len[l] > 0, len[r] > 0, len[l] + len[r] == b.size else { continue }
            len[l] += len[r]
            len[r] = 0
            next[l] = next[r]
            if next[r] >= 0 { prev[Int(next[r])] = b.left }
            tryAdd(prev[l], b.left)
            tryAdd(b.left, next[l])
        }
        var i = 0
        while i >= 0 {
            let lo = Int(start[i]), hi = lo + Int(len[i])
            if let id = texts.index(of: UnsafeBufferPointer(rebasing: text[lo..<hi])) {
                out.append(Int32(id))
            } else {
                for k in lo..<hi where byteToken[Int(text[k])] >= 0 { out.append(byteToken[Int(text[k])]) }
            }
            i = Int(next[i])
        }
    }
}
