import Foundation

/// Turns chat text into the lowercased words that are scored.
///
/// URLs, e-mail addresses, @mentions, digits, emoji, punctuation and the given names are
/// dropped; words keep inner apostrophes ("don't"). Mirrors `clean_tokens` in
/// `scripts/langid/features.py`, which the model was trained with.
enum TextCleaner {
    /// The words of `text` as arrays of Unicode scalars.
    static func words(_ text: String, ignoring names: Set<String> = []) -> [[Unicode.Scalar]] {
        // NFC (as the training script) only matters outside ASCII; Foundation's is not free.
        let normalized = (text.utf8.allSatisfy { $0 < 0x80 } ? text : text.precomposedStringWithCanonicalMapping).lowercased()
        var words: [[Unicode.Scalar]] = []
        for raw in normalized.split(whereSeparator: { $0.isWhitespace }) {
            let token = Array(raw.unicodeScalars.map(apostrophe))
            if token.first == "@" || isLink(token) { continue }
            var current: [Unicode.Scalar] = []
            for (i, scalar) in token.enumerated() {
                if isWordScalar(scalar) {
                    current.append(scalar)
                } else if scalar == "'" && !current.isEmpty && i + 1 < token.count && isWordScalar(token[i + 1]) {
                    current.append(scalar)
                } else if !current.isEmpty {
                    words.append(current)
                    current = []
                }
            }
            if !current.isEmpty { words.append(current) }
        }
        guard !names.isEmpty else { return words }
        return words.filter { !names.contains(String(String.UnicodeScalarView($0))) }
    }

    /// The lowercased, NFC words of the names to ignore (a bot's or a person's name).
    static func nameWords(_ names: [String]) -> Set<String> {
        Set(names.flatMap { $0.precomposedStringWithCanonicalMapping.lowercased().split(whereSeparator: { $0.isWhitespace }).map(String.init) })
    }

    /// Letters and combining marks (general categories L* and M*).
    @inline(__always)
    static func isWordScalar(_ s: Unicode.Scalar) -> Bool {
        if s.isASCII { return (s >= "a" && s <= "z") || (s >= "A" && s <= "Z") }
        switch s.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
             .nonspacingMark, .spacingMark, .enclosingMark:
            return true
        default:
            return false
        }
    }

    private static func apostrophe(_ s: Unicode.Scalar) -> Unicode.Scalar {
        switch s.value {
        case 0x2019, 0x02BC, 0x60: return "'"
        default: return s
        }
    }

    private static let tlds: Set<String> = ["com", "org", "net", "io", "ly", "gl", "co", "me", "app", "dev", "gov", "edu", "info", "tv", "be"]
    private static let trim: Set<Unicode.Scalar> = Set("()[]<>\"'.,!?;:".unicodeScalars)

    /// URLs, bare domains (`example.com/x`) and e-mail addresses (`features.is_link`).
    static func isLink(_ token: [Unicode.Scalar]) -> Bool {
        guard token.contains(where: { $0 == "." || $0 == "@" || $0 == ":" }) else { return false }
        var lo = 0, hi = token.count
        while lo < hi && trim.contains(token[lo]) { lo += 1 }
        while hi > lo && trim.contains(token[hi - 1]) { hi -= 1 }
        let t = String(String.UnicodeScalarView(token[lo..<hi]))
        if t.contains("://") || t.hasPrefix("www.") { return true }
        if let at = t.firstIndex(of: "@"), at != t.startIndex, t[t.index(after: at)...].contains(".") { return true }
        let host = t.prefix { !"/:?#".contains($0) }
        guard host.contains("."),
              host.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "." || $0 == "-") })
        else { return false }
        return tlds.contains(String(host.split(separator: ".", omittingEmptySubsequences: false).last!))
    }
}
