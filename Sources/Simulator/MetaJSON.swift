import Foundation

/// Serializes webhook bodies the way Meta does: compact JSON with every non-ASCII character
/// written as a `\uXXXX` escape (UTF-16, surrogate pairs for astral characters), so the bytes we
/// sign are the bytes a real delivery carries (Meta, "Webhooks: Validate Payloads").
public enum MetaJSON {
    /// The body of `value` as Meta would send it.
    public static func body(_ value: some Encodable) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        let data = try encoder.encode(value)
        return escapeNonASCII(Array(data))
    }

    /// Rewrites every non-ASCII character of UTF-8 JSON text as `\uXXXX` escapes.
    public static func escapeNonASCII(_ utf8: [UInt8]) -> [UInt8] {
        guard utf8.contains(where: { $0 >= 0x80 }) else { return utf8 }
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count + utf8.count / 2)
        let hex = Array("0123456789abcdef".utf8)
        for scalar in String(decoding: utf8, as: UTF8.self).unicodeScalars {
            if scalar.isASCII {
                out.append(UInt8(scalar.value))
                continue
            }
            for unit in String(scalar).utf16 {
                out.append(contentsOf: [0x5C, 0x75])  // \u
                for shift in stride(from: 12, through: 0, by: -4) {
                    out.append(hex[Int((unit >> UInt16(shift)) & 0xF)])
                }
            }
        }
        return out
    }
}
