/// The hashed features of a word, as `word_features` in `scripts/langid/features.py` computes them:
/// FNV-1a 64 (http://www.isthe.com/chongo/tech/comp/fnv/) over UTF-8, of the whole word (tag 1) and
/// of every character 1…4-gram of " word " (tag 2), lone spaces excluded.
enum FeatureHasher {
    static let offset: UInt64 = 0xCBF2_9CE4_8422_2325
    static let prime: UInt64 = 0x0000_0100_0000_01B3
    static let maxGram = 4

    @inline(__always)
    static func mix(_ h: UInt64, _ byte: UInt8) -> UInt64 { (h ^ UInt64(byte)) &* prime }

    @inline(__always)
    static func mix(_ h: UInt64, _ scalar: Unicode.Scalar) -> UInt64 {
        var h = h
        UTF8.encode(scalar) { h = mix(h, $0) }
        return h
    }

    /// Calls `body(hash, isWord)` for each feature of `word`.
    @inline(__always)
    static func forEachFeature(of word: [Unicode.Scalar], _ body: (UInt64, Bool) -> Void) {
        var h = mix(offset, 0x01)
        for s in word { h = mix(h, s) }
        body(h, true)
        let n = word.count + 2
        @inline(__always) func char(_ i: Int) -> Unicode.Scalar { i == 0 || i == n - 1 ? " " : word[i - 1] }
        for i in 0..<n {
            var g = mix(offset, 0x02)
            for k in 0..<maxGram where i + k < n {
                g = mix(g, char(i + k))
                if k == 0 && (i == 0 || i == n - 1) { continue }
                body(g, false)
            }
        }
    }
}
