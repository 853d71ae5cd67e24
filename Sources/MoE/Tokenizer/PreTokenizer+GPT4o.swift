// GPT-4o (Llama 4) and llama.cpp's default pre-tokenizer. llama.cpp runs these regexes with
// std::regex (ECMAScript, leftmost alternative with backtracking) over a collapsed string: ASCII
// stays itself, a non-ASCII whitespace becomes \v, a non-ASCII letter/number/punctuation/mark/
// symbol becomes one placeholder byte per category, anything else another. The classes below
// are what the collapsed regex sees.

extension PreTokenizer {
    /// Character classes of one code point as seen through llama.cpp's collapsed regex.
    private struct Collapsed {
        let cp: UInt32
        let flags: CodepointFlags

        @inline(__always) init(_ cp: UInt32) {
            self.cp = cp
            self.flags = cp < 128 ? [] : .of(cp)
        }

        /// `\s`: the C locale's ASCII spaces, or a non-ASCII code point in llama.cpp's set.
        var isSpace: Bool { cp < 128 ? (cp == 0x20 || (cp >= 0x09 && cp <= 0x0D)) : flags.isWhitespace }
        /// `\p{L}` → `[\xD2A-Za-z]`.
        var isLetter: Bool {
            cp < 128 ? ((cp | 0x20) >= 0x61 && (cp | 0x20) <= 0x7A) : (!flags.isWhitespace && flags.isLetter)
        }
        /// `\p{N}` → `[\xD10-9]`.
        var isNumber: Bool { cp < 128 ? (cp >= 0x30 && cp <= 0x39) : (!flags.isWhitespace && flags.isNumber) }
        /// `\p{P}` → the placeholder plus llama.cpp's ASCII punctuation list.
        var isPunctuation: Bool {
            if cp >= 128 { return !flags.isWhitespace && flags.contains(.punctuation) }
            switch cp {
            case 0x21...0x23, 0x25...0x2A, 0x2C...0x2F, 0x3A...0x3B, 0x3F...0x40, 0x5B...0x5D, 0x5F, 0x7B, 0x7D:
                return true
            default:
                return false
            }
        }
        /// `[^\s\p{L}\p{N}]`.
        var isOther: Bool { !isSpace && !isLetter && !isNumber }
        /// `(?=[\p{L}])[^a-z]`: a letter that is not ASCII lower case.
        var isUpperish: Bool { isLetter && !(cp >= 0x61 && cp <= 0x7A) }
        /// `(?=[\p{L}])[^A-Z]`: a letter that is not ASCII upper case.
        var isLowerish: Bool { isLetter && !(cp >= 0x41 && cp <= 0x5A) }
        var isNewline: Bool { cp == 0x0A || cp == 0x0D }
    }

    /// llama.cpp's GPT-4o regex (`LLAMA_VOCAB_PRE_TYPE_GPT4O`) over collapsed text.
    static func splitGPT4o(_ cps: [UInt32], _ range: Range<Int>, into ends: inout [Int]) {
        let end = range.upperBound
        let c = cps[range].map(Collapsed.init)
        let base = range.lowerBound
        @inline(__always) func at(_ p: Int) -> Collapsed { c[p - base] }
        var pos = base
        while pos < end {
            let here = at(pos)
            // [^\r\n\p{L}\p{N}]? then upper-ish* lower-ish+ | upper-ish+ lower-ish*, then a contraction.
            var q = pos
            if !here.isLetter && !here.isNumber && !here.isNewline && pos + 1 < end && at(pos + 1).isLetter {
                q = pos + 1
            }
            if at(q).isLetter {
                var k = q
                while k < end && at(k).isUpperish { k += 1 }
                var stop = -1
                if k < end && at(k).isLowerish {
                    stop = k
                    while stop < end && at(stop).isLowerish { stop += 1 }
                } else {
                    // Backtrack the upper-ish run to its last code point that is also lower-ish.
                    var j = k - 1
                    while j >= q && !at(j).isLowerish { j -= 1 }
                    if j >= q { stop = j + 1 }
                }
                if stop < 0 { stop = k } // second alternative: the upper-ish run alone
                stop += contraction(cps, stop, end, caseInsensitive: true)
                pos = stop; ends.append(pos); continue
            }
            // \p{N}{1,3}
            if here.isNumber {
                var run = 0
                while pos < end && run < 3 && at(pos).isNumber { pos += 1; run += 1 }
                ends.append(pos); continue
            }
            // ' '?[^\s\p{L}\p{N}]+[\r\n/]*
            var s = pos
            if here.cp == 0x20 && pos + 1 < end && at(pos + 1).isOther { s = pos + 1 }
            if at(s).isOther {
                var e = s
                while e < end && at(e).isOther { e += 1 }
                while e < end && (at(e).isNewline || at(e).cp == 0x2F) { e += 1 }
                pos = e; ends.append(pos); continue
            }
            // \s*[\r\n]+ | \s+(?!\S) | \s+
            var n = 0
            var lastNewlineEnd = -1
            while pos + n < end && at(pos + n).isSpace {
                if at(pos + n).isNewline { lastNewlineEnd = pos + n + 1 }
                n += 1
            }
            if lastNewlineEnd > 0 {
                pos = lastNewlineEnd
            } else if n == 0 {
                pos += 1
            } else if pos + n == end || n == 1 {
                pos += n
            } else {
                pos += n - 1
            }
            ends.append(pos)
        }
    }

    /// llama.cpp's default BPE pre-tokenizer: four regexes, each splitting the pieces the
    /// previous one left.
    static func splitDefault(_ cps: [UInt32], _ range: Range<Int>, into ends: inout [Int]) {
        // 1. [\p{P}\$\+<=>\^~\|]+ : runs of punctuation (and those ASCII symbols) vs the rest.
        var pieces: [Int] = []
        splitRuns(cps, range, into: &pieces) { cp in
            let k = Collapsed(cp)
            return k.isPunctuation || [0x24, 0x2B, 0x3C, 0x3D, 0x3E, 0x5E, 0x7E, 0x7C].contains(cp)
        }
        // 2. The GPT-2 regex inside each piece.
        var words: [Int] = []
        var start = range.lowerBound
        for stop in pieces { splitGPT2(cps, start..<stop, into: &words); start = stop }
        // 3. \p{N}+ : number runs vs the rest.
        var numbered: [Int] = []
        start = range.lowerBound
        for stop in words {
            splitRuns(cps, start..<stop, into: &numbered) { Collapsed($0).isNumber }
            start = stop
        }
        // 4. [0-9][0-9][0-9] : leftmost ASCII digit triples.
        start = range.lowerBound
        for stop in numbered {
            var p = start
            var last = start
            while p + 3 <= stop {
                if (p..<p + 3).allSatisfy({ cps[$0] >= 0x30 && cps[$0] <= 0x39 }) {
                    if p > last { ends.append(p) }
                    ends.append(p + 3)
                    p += 3; last = p
                } else {
                    p += 1
                }
            }
            if last < stop { ends.append(stop) }
            start = stop
        }
    }

    /// Splits `range` into maximal runs of code points matching `inClass` and the stretches
    /// between them (a regex `[class]+` iterated with the gaps kept).
    private static func splitRuns(_ cps: [UInt32], _ range: Range<Int>, into ends: inout [Int],
                                  _ inClass: (UInt32) -> Bool) {
        var p = range.lowerBound
        while p < range.upperBound {
            let kind = inClass(cps[p])
            p += 1
            while p < range.upperBound && inClass(cps[p]) == kind { p += 1 }
            ends.append(p)
        }
    }
}
