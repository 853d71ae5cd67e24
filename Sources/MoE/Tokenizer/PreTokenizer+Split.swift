// The word splitters behind `PreTokenizer`. Each mirrors one of llama.cpp's matchers
// (src/unicode.cpp) branch for branch, including its corner cases, since the vocab test vectors
// were checked against llama.cpp, not against the original regex engines.

extension PreTokenizer {
    private static let cr: UInt32 = 0x0D, lf: UInt32 = 0x0A, space: UInt32 = 0x20

    /// `unicode_regex_split_custom_gpt2`.
    static func splitGPT2(_ cps: [UInt32], _ range: Range<Int>, into ends: inout [Int]) {
        let end = range.upperBound
        @inline(__always) func flags(_ p: Int) -> CodepointFlags { p < end ? .of(cps[p]) : [] }
        var pos = range.lowerBound
        while pos < end {
            let cpt = cps[pos]
            let contraction = contraction(cps, pos, end, caseInsensitive: false)
            if contraction > 0 { pos += contraction; ends.append(pos); continue }
            var f2 = cpt == space ? flags(pos + 1) : flags(pos)
            if f2.isLetter || f2.isNumber {
                let wantLetter = f2.isLetter
                if cpt == space { pos += 1 }
                while wantLetter ? f2.isLetter : f2.isNumber { pos += 1; f2 = flags(pos) }
                ends.append(pos); continue
            }
            if f2.isOther {
                if cpt == space { pos += 1 }
                while f2.isOther { pos += 1; f2 = flags(pos) }
                ends.append(pos); continue
            }
            var n = 0
            while flags(pos + n).isWhitespace { n += 1 }
            if n > 1 && pos + n < end {
                pos += n - 1
            } else if n > 0 {
                pos += n
            } else {
                pos += 1
            }
            ends.append(pos)
        }
    }

    /// `unicode_regex_split_custom_llama3` (maxDigits 3) and `_qwen2` (maxDigits 1).
    static func splitLlama3(_ cps: [UInt32], _ range: Range<Int>, maxDigits: Int, into ends: inout [Int]) {
        let end = range.upperBound
        @inline(__always) func flags(_ p: Int) -> CodepointFlags { p < end ? .of(cps[p]) : [] }
        var pos = range.lowerBound
        while pos < end {
            let cpt = cps[pos]
            let f = flags(pos)
            let contraction = contraction(cps, pos, end, caseInsensitive: true)
            if contraction > 0 { pos += contraction; ends.append(pos); continue }
            // [^\r\n\p{L}\p{N}]?\p{L}+
            if !(cpt == cr || cpt == lf || f.isNumber) && (f.isLetter || flags(pos + 1).isLetter) {
                pos += 1
                while flags(pos).isLetter { pos += 1 }
                ends.append(pos); continue
            }
            // \p{N}{1,maxDigits}
            if f.isNumber {
                var run = 0
                while flags(pos).isNumber && run < maxDigits { pos += 1; run += 1 }
                ends.append(pos); continue
            }
            // <space>?[^\s\p{L}\p{N}]+[\r\n]*  (llama.cpp tests the first code point's flags for
            // being in range, the second's for the class)
            var f2 = cpt == space ? flags(pos + 1) : f
            if f2.intersection([.whitespace, .letter, .number]).isEmpty && f.rawValue != 0 {
                if cpt == space { pos += 1 }
                while f2.isOther { pos += 1; f2 = flags(pos) }
                while pos < end && (cps[pos] == cr || cps[pos] == lf) { pos += 1 }
                ends.append(pos); continue
            }
            var n = 0
            var lastNewlineEnd = 0
            while flags(pos + n).isWhitespace {
                if cps[pos + n] == cr || cps[pos + n] == lf { lastNewlineEnd = pos + n + 1 }
                n += 1
            }
            if lastNewlineEnd > 0 {
                pos = lastNewlineEnd           // \s*[\r\n]+
            } else if n > 1 && pos + n < end {
                pos += n - 1                   // \s+(?!\S)
            } else if n > 0 {
                pos += n                       // \s+
            } else {
                pos += 1
            }
            ends.append(pos)
        }
    }
}
