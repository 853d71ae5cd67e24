/// One metadata value of a GGUF file, in the file's own type (GGUF spec, "gguf_metadata_value_type").
public indirect enum GGUFValue: Sendable {
    case uint8(UInt8), int8(Int8), uint16(UInt16), int16(Int16), uint32(UInt32), int32(Int32)
    case float32(Float), bool(Bool), string(String), array([GGUFValue])
    case uint64(UInt64), int64(Int64), float64(Double)

    /// The value as an `Int` if it is any integer type that fits.
    public var intValue: Int? {
        switch self {
        case .uint8(let v): return Int(v)
        case .int8(let v): return Int(v)
        case .uint16(let v): return Int(v)
        case .int16(let v): return Int(v)
        case .uint32(let v): return Int(v)
        case .int32(let v): return Int(v)
        case .uint64(let v): return Int(exactly: v)
        case .int64(let v): return Int(v)
        default: return nil
        }
    }

    /// The value as a `Float` if it is f32 or f64.
    public var floatValue: Float? {
        switch self {
        case .float32(let v): return v
        case .float64(let v): return Float(v)
        default: return nil
        }
    }

    /// The value as a `String` if it is a string.
    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// The value as a `Bool` if it is a bool.
    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    /// A short human-readable rendering (arrays abbreviated), for `model info` and errors.
    public var summary: String {
        switch self {
        case .string(let s): return s.count > 60 ? "\"\(s.prefix(57))...\"" : "\"\(s)\""
        case .array(let a): return "[\(a.count) items]"
        case .bool(let b): return String(b)
        case .float32(let f): return String(f)
        case .float64(let f): return String(f)
        default: return intValue.map(String.init) ?? "?"
        }
    }
}

/// A malformed, truncated or unsupported GGUF file; the message names the key or tensor at fault.
public struct GGUFError: Error, CustomStringConvertible, Sendable {
    /// What is wrong, naming the key or tensor.
    public let message: String
    /// Makes an error with the given message.
    public init(_ message: String) { self.message = message }
    /// Same as `message`.
    public var description: String { "GGUF: \(message)" }
}
