/// A writing system, named by its ISO 15924 code.
///
/// Ranges are Unicode blocks (https://www.unicode.org/charts/) and must match
/// `scripts/langid/features.py` (`_RANGES`), which the model was trained with.
public enum Script: String, Sendable, Codable, Hashable, CaseIterable {
    /// Latin, Cyrillic, Greek, Armenian and Hebrew alphabets.
    case latin = "Latn", cyrillic = "Cyrl", greek = "Grek", armenian = "Armn", hebrew = "Hebr"
    /// Arabic and the first Indic scripts.
    case arabic = "Arab", devanagari = "Deva", bengali = "Beng", gurmukhi = "Guru", gujarati = "Gujr"
    /// The other Indic scripts.
    case oriya = "Orya", tamil = "Taml", telugu = "Telu", kannada = "Knda", malayalam = "Mlym"
    /// Sinhala, Southeast Asian scripts and Georgian.
    case sinhala = "Sinh", thai = "Thai", lao = "Laoo", myanmar = "Mymr", georgian = "Geor"
    /// Hangul, Ethiopic, Khmer, Japanese kana and Han ideographs.
    case hangul = "Hang", ethiopic = "Ethi", khmer = "Khmr", kana = "Kana", han = "Hani"

    /// How many letters one character counts for when scripts compete: a Han, kana or Hangul
    /// character carries about as much as a short word (`features.DENSE`).
    var letterWeight: Int {
        switch self {
        case .han, .kana, .hangul: return 3
        default: return 1
        }
    }

    /// The position of this script in the model file's script table (`features.SCRIPTS`).
    var modelID: Int { Script.allCases.firstIndex(of: self)! }

    /// The script of one letter or mark, or nil for anything outside the known blocks.
    init?(_ scalar: Unicode.Scalar) {
        let v = scalar.value
        if v < 0x0041 { return nil }
        if v <= 0x024F { self = .latin; return }
        for (lo, hi, script) in Script.ranges where v >= lo && v <= hi {
            self = script
            return
        }
        return nil
    }

    private static let ranges: [(UInt32, UInt32, Script)] = [
        (0x1E00, 0x1EFF, .latin), (0x2C60, 0x2C7F, .latin), (0xA720, 0xA7FF, .latin), (0xFF21, 0xFF5A, .latin),
        (0x0370, 0x03FF, .greek), (0x1F00, 0x1FFF, .greek),
        (0x0400, 0x052F, .cyrillic), (0x1C80, 0x1C8F, .cyrillic), (0x2DE0, 0x2DFF, .cyrillic), (0xA640, 0xA69F, .cyrillic),
        (0x0530, 0x058F, .armenian), (0x0590, 0x05FF, .hebrew),
        (0x0600, 0x06FF, .arabic), (0x0750, 0x077F, .arabic), (0x08A0, 0x08FF, .arabic),
        (0xFB50, 0xFDFF, .arabic), (0xFE70, 0xFEFF, .arabic),
        (0x0900, 0x097F, .devanagari), (0x0980, 0x09FF, .bengali), (0x0A00, 0x0A7F, .gurmukhi),
        (0x0A80, 0x0AFF, .gujarati), (0x0B00, 0x0B7F, .oriya), (0x0B80, 0x0BFF, .tamil),
        (0x0C00, 0x0C7F, .telugu), (0x0C80, 0x0CFF, .kannada), (0x0D00, 0x0D7F, .malayalam),
        (0x0D80, 0x0DFF, .sinhala), (0x0E00, 0x0E7F, .thai), (0x0E80, 0x0EFF, .lao),
        (0x1000, 0x109F, .myanmar), (0x10A0, 0x10FF, .georgian), (0x1C90, 0x1CBF, .georgian),
        (0x1100, 0x11FF, .hangul), (0x3130, 0x318F, .hangul), (0xAC00, 0xD7AF, .hangul),
        (0x1200, 0x139F, .ethiopic), (0x1780, 0x17FF, .khmer),
        (0x3040, 0x30FF, .kana), (0x31F0, 0x31FF, .kana), (0xFF66, 0xFF9F, .kana),
        (0x3400, 0x4DBF, .han), (0x4E00, 0x9FFF, .han), (0xF900, 0xFAFF, .han), (0x20000, 0x2FFFF, .han),
    ]
}

extension Script {
    /// The script that decides a text, from its letter counts (`model.dominant_script`): kana
    /// with at least a third of the letters (counting kanji) makes Japanese; otherwise the script
    /// with the most letters, except that a non-Latin script with at least a third of the
    /// letters wins over Latin (a non-Latin script is not English).
    static func dominant(_ counts: [Script: Int]) -> Script? {
        let total = counts.values.reduce(0, +)
        guard total > 0 else { return nil }
        let kana = counts[.kana, default: 0]
        if kana > 0 && (kana + counts[.han, default: 0]) * 3 >= total { return .kana }
        let best = counts.max { a, b in
            a.value != b.value ? a.value < b.value : (a.key == .latin && b.key != .latin)
        }!.key
        if best == .latin,
           let other = counts.filter({ $0.key != .latin }).max(by: { $0.value < $1.value }),
           other.value * 3 >= total {
            return other.key
        }
        return best
    }
}
