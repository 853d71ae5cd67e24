/// The Unicode facts the pre-tokenizers ask about one code point, as llama.cpp's
/// `unicode_cpt_flags` classifies them (src/unicode.h, src/unicode-data.cpp): one general
/// category class (\p{L}, \p{N}, …) plus llama.cpp's own whitespace set.
///
/// The categories come from Swift's `Unicode.Scalar.Properties.generalCategory`. llama.cpp's
/// tables (src/unicode-data.cpp) are Unicode 15.1, so code points assigned later (by
/// `properties.age`) are `undefined` here too: Unicode 16's new letters split words there.
struct CodepointFlags: OptionSet, Sendable {
    let rawValue: UInt16

    static let undefined = CodepointFlags(rawValue: 0x0001)
    static let number = CodepointFlags(rawValue: 0x0002)
    static let letter = CodepointFlags(rawValue: 0x0004)
    static let separator = CodepointFlags(rawValue: 0x0008)
    static let mark = CodepointFlags(rawValue: 0x0010)
    static let punctuation = CodepointFlags(rawValue: 0x0020)
    static let symbol = CodepointFlags(rawValue: 0x0040)
    static let control = CodepointFlags(rawValue: 0x0080)
    static let whitespace = CodepointFlags(rawValue: 0x0100)

    var isLetter: Bool { contains(.letter) }
    var isNumber: Bool { contains(.number) }
    var isWhitespace: Bool { contains(.whitespace) }
    /// Neither whitespace, letter nor number: the `[^\s\p{L}\p{N}]` class.
    var isOther: Bool { rawValue != 0 && intersection([.whitespace, .letter, .number]).isEmpty }

    /// Flags of a code point; code points past U+10FFFF are `undefined`, surrogates `control`.
    @inline(__always)
    static func of(_ cp: UInt32) -> CodepointFlags {
        if cp < 128 { return asciiTable[Int(cp)] }
        return classify(cp)
    }

    private static let asciiTable: [CodepointFlags] = (0..<128).map { classify(UInt32($0)) }

    /// llama.cpp's whitespace set (`unicode_set_whitespace`): not the same as `White_Space`
    /// (no U+001C…U+001F, which Python's `\s` has).
    private static func isLlamaWhitespace(_ cp: UInt32) -> Bool {
        switch cp {
        case 0x09...0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
            return true
        default:
            return false
        }
    }

    private static func classify(_ cp: UInt32) -> CodepointFlags {
        guard let scalar = Unicode.Scalar(cp) else {
            return cp <= 0x10FFFF ? .control : .undefined
        }
        if let age = scalar.properties.age, age.major > 15 || (age.major == 15 && age.minor > 1) {
            return isLlamaWhitespace(cp) ? [.undefined, .whitespace] : .undefined
        }
        var flags: CodepointFlags
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            flags = .letter
        case .nonspacingMark, .spacingMark, .enclosingMark:
            flags = .mark
        case .decimalNumber, .letterNumber, .otherNumber:
            flags = .number
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation:
            flags = .punctuation
        case .mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol:
            flags = .symbol
        case .spaceSeparator, .lineSeparator, .paragraphSeparator:
            flags = .separator
        case .control, .format, .surrogate, .privateUse:
            flags = .control
        case .unassigned:
            flags = .undefined
        @unknown default:
            flags = .undefined
        }
        if isLlamaWhitespace(cp) { flags.insert(.whitespace) }
        return flags
    }
}

/// UTF-8 helpers with llama.cpp's semantics (src/unicode.cpp), so invalid input tokenizes the
/// way it does there: each undecodable byte becomes one U+FFFD.
enum UTF8Codec {
    /// Decodes `bytes` into code points; an invalid lead or truncated sequence yields U+FFFD and
    /// skips one byte (`unicode_cpts_from_utf8`).
    static func codepoints<C: Collection>(_ bytes: C) -> [UInt32] where C.Element == UInt8, C.Index == Int {
        var out: [UInt32] = []
        out.reserveCapacity(bytes.count)
        var i = bytes.startIndex
        let end = bytes.endIndex
        @inline(__always) func cont(_ k: Int) -> Bool { k < end && bytes[k] & 0xC0 == 0x80 }
        while i < end {
            let b0 = bytes[i]
            if b0 & 0x80 == 0 {
                out.append(UInt32(b0)); i += 1
            } else if b0 & 0x40 == 0 {
                out.append(0xFFFD); i += 1
            } else if b0 & 0x20 == 0 {
                if cont(i + 1) {
                    out.append(UInt32(b0 & 0x1F) << 6 | UInt32(bytes[i + 1] & 0x3F)); i += 2
                } else { out.append(0xFFFD); i += 1 }
            } else if b0 & 0x10 == 0 {
                if cont(i + 1) && cont(i + 2) {
                    out.append(UInt32(b0 & 0x0F) << 12 | UInt32(bytes[i + 1] & 0x3F) << 6 | UInt32(bytes[i + 2] & 0x3F)); i += 3
                } else { out.append(0xFFFD); i += 1 }
            } else if b0 & 0x08 == 0 {
                if cont(i + 1) && cont(i + 2) && cont(i + 3) {
                    let cp = UInt32(b0 & 0x07) << 18 | UInt32(bytes[i + 1] & 0x3F) << 12
                        | UInt32(bytes[i + 2] & 0x3F) << 6 | UInt32(bytes[i + 3] & 0x3F)
                    // llama.cpp would throw re-encoding a code point past U+10FFFF; replace it instead.
                    out.append(cp <= 0x10FFFF ? cp : 0xFFFD); i += 4
                } else { out.append(0xFFFD); i += 1 }
            } else {
                out.append(0xFFFD); i += 1
            }
        }
        return out
    }

    /// Appends the UTF-8 encoding of `cp` (surrogates included, as llama.cpp does).
    @inline(__always)
    static func append(_ cp: UInt32, to out: inout [UInt8]) {
        switch cp {
        case 0..<0x80:
            out.append(UInt8(cp))
        case 0x80..<0x800:
            out.append(0xC0 | UInt8(cp >> 6)); out.append(0x80 | UInt8(cp & 0x3F))
        case 0x800..<0x10000:
            out.append(0xE0 | UInt8(cp >> 12)); out.append(0x80 | UInt8((cp >> 6) & 0x3F))
            out.append(0x80 | UInt8(cp & 0x3F))
        default:
            out.append(0xF0 | UInt8((cp >> 18) & 0x07)); out.append(0x80 | UInt8((cp >> 12) & 0x3F))
            out.append(0x80 | UInt8((cp >> 6) & 0x3F)); out.append(0x80 | UInt8(cp & 0x3F))
        }
    }

    /// Length of the UTF-8 sequence a lead byte announces (1 for continuation bytes), as
    /// llama.cpp's `unicode_len_utf8`.
    @inline(__always)
    static func sequenceLength(lead: UInt8) -> Int {
        switch lead >> 4 {
        case 0xC, 0xD: return 2
        case 0xE: return 3
        case 0xF: return 4
        default: return 1
        }
    }
}
