/// Splits a reply into messages no longer than a platform's text limit (counted in UTF-16 code
/// units, as Meta's limits are), on paragraph, sentence or word boundaries when it can.
public enum ReplySplitter {
    /// The parts of `text`, each at most `limit` UTF-16 units, trimmed, none empty.
    public static func split(_ text: String, limit: Int) -> [String] {
        precondition(limit > 0, "limit must be positive")
        var parts: [String] = []
        var rest = Substring(text.trimmingWhitespace())
        while !rest.isEmpty {
            if rest.utf16.count <= limit {
                parts.append(String(rest))
                break
            }
            let cut = bestCut(in: rest, limit: limit)
            let part = rest[..<cut].trimmingWhitespace()
            if !part.isEmpty { parts.append(String(part)) }
            rest = Substring(rest[cut...].trimmingWhitespace())
        }
        return parts
    }

    /// The index to cut `text` at: the last paragraph break, else sentence end, else space within
    /// the limit; a hard cut on a character boundary when there is none.
    static func bestCut(in text: Substring, limit: Int) -> Substring.Index {
        var end = text.startIndex
        var units = 0
        var paragraph: Substring.Index?, sentence: Substring.Index?, space: Substring.Index?
        var previous: Character?
        for index in text.indices {
            let character = text[index]
            let width = character.utf16.count
            if units + width > limit { break }
            units += width
            let after = text.index(after: index)
            if character == "\n", previous == "\n" { paragraph = after }
            if character.isWhitespace, let previous, ".!?。！？…".contains(previous) { sentence = index }
            if character.isWhitespace { space = index }
            previous = character
            end = after
        }
        let minimum = limit / 3
        for candidate in [paragraph, sentence, space] {
            if let candidate, text.utf16.distance(from: text.startIndex, to: candidate) >= minimum { return candidate }
        }
        return end == text.startIndex ? text.index(after: text.startIndex) : end
    }
}

extension StringProtocol {
    func trimmingWhitespace() -> SubSequence {
        guard let first = firstIndex(where: { !$0.isWhitespace }) else { return self[endIndex...] }
        let last = lastIndex(where: { !$0.isWhitespace })!
        return self[first...last]
    }
}
