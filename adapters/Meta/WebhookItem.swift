import ChorusCore

/// One item of a webhook body (`entry[]`, `messaging[]`, `changes[]`, `messages[]` …), read twice
/// from the same decoder: as `JSONValue`, so it can always be kept whole, and as its typed wire
/// struct, which may fail without failing the body.
public struct WebhookItem<Wire: Decodable>: Decodable {
    /// The item exactly as JSON (canonicalized by `jsonText` when stored).
    public let raw: JSONValue
    /// The typed item, or nil when it did not decode.
    public let wire: Wire?
    /// Why the typed decoding failed, in a short stable phrase; nil when it succeeded.
    public let problem: String?

    /// Decodes the item; never throws for valid JSON (the body was already scanned).
    public init(from decoder: any Decoder) throws {
        if let tree = decoder as? any JSONValueBackedDecoder {
            raw = tree.jsonValue
        } else {
            raw = (try? LenientJSON(from: decoder))?.value ?? .null
        }
        do {
            wire = try Wire(from: decoder)
            problem = nil
        } catch {
            wire = nil
            problem = WebhookItem.describe(error, below: decoder.codingPath.count)
        }
    }

    /// The canonical JSON text of the item: an event's `raw`.
    public var rawText: String { raw.jsonText }

    /// A short, deterministic description of a decoding failure: what and where (relative to
    /// the item, whose own coding path is `depth` keys long), never the value itself (which may
    /// be huge or hostile).
    static func describe(_ error: any Error, below depth: Int) -> String {
        guard let error = error as? DecodingError else { return "undecodable item" }
        func path(_ p: [any CodingKey]) -> String {
            let s = p.dropFirst(depth).map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return s.isEmpty ? "the item" : String(s.drop(while: { $0 == "." }))
        }
        func name(_ type: Any.Type) -> String {
            let t = String(describing: type)
            if t.hasPrefix("Dictionary") { return "an object" }
            if t.hasPrefix("Array") { return "an array" }
            switch t {
            case "String": return "a string"
            case "Bool": return "a boolean"
            case "Int", "Int64", "Double", "Float": return "a number"
            default: return t
            }
        }
        switch error {
        case .typeMismatch(let type, let c): return "\(path(c.codingPath)) is not \(name(type))"
        case .valueNotFound(let type, let c): return "\(path(c.codingPath)) is null, expected \(name(type))"
        case .keyNotFound(let key, let c): return "missing \(path(c.codingPath + [key]))"
        case .dataCorrupted(let c): return "\(path(c.codingPath)) is invalid"
        @unknown default: return "undecodable item"
        }
    }
}

extension WebhookItem: Sendable where Wire: Sendable {}

extension JSONValue {
    /// The member as an integer (from a JSON number or a numeric string), or nil.
    public var lenientInt64: Int64? {
        switch self {
        case .number(let n) where n.rounded() == n && abs(n) < 9.0e18: Int64(n)
        case .string(let s): Int64(s)
        default: nil
        }
    }

    /// The member as text (strings as they are, numbers without a fraction as integers), or nil.
    public var lenientString: String? {
        switch self {
        case .string(let s): s
        case .number(let n) where n.rounded() == n && abs(n) < 9.0e18: String(Int64(n))
        case .number(let n): String(n)
        default: nil
        }
    }
}
