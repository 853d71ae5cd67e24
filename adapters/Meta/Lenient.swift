import Foundation

/// A string Meta sometimes sends as a number (ids, WhatsApp's string timestamps): accepts both.
public struct LenientString: Decodable, Sendable, Hashable {
    /// The value as text.
    public var string: String

    /// Decodes a JSON string, integer or number.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let s = try? c.decode(String.self) { string = s }
        else if let i = try? c.decode(Int64.self) { string = String(i) }
        else { string = String(try c.decode(Double.self)) }
    }
}

/// An integer Meta sometimes sends as a string (WhatsApp timestamps, error codes): accepts both.
public struct LenientInt: Decodable, Sendable, Hashable {
    /// The value.
    public var int: Int

    /// Decodes a JSON integer, or a string holding one.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let i = try? c.decode(Int.self) { int = i; return }
        let s = try c.decode(String.self)
        guard let i = Int(s.trimmingCharacters(in: [" "])) else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "not an integer: \(s.prefix(40))")
        }
        int = i
    }
}

extension LenientInt {
    /// The value as `Int64`.
    public var int64: Int64 { Int64(int) }
}
