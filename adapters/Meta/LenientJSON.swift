import ChorusCore

/// Reads any JSON value as `JSONValue` without ever failing on valid JSON.
///
/// `JSONValue`'s own decoding throws on numbers a `Double` cannot hold (`1e400`), which would
/// lose the whole item's raw JSON (and make every such item hash to the same dedup key). Here
/// such a number becomes the string `"<number out of range>"` and the rest of the item is kept.
struct LenientJSON: Decodable {
    /// The value read.
    let value: JSONValue

    /// The marker stored in place of a number `Double` cannot represent.
    static let outOfRange = "<number out of range>"

    init(from decoder: any Decoder) throws {
        // A parsed tree already holds out-of-range numbers as that marker.
        if let tree = decoder as? any JSONValueBackedDecoder {
            value = tree.jsonValue
            return
        }
        if let object = try? decoder.container(keyedBy: AnyKey.self) {
            var members: [String: JSONValue] = [:]
            for key in object.allKeys {
                members[key.stringValue] = (try? object.decode(LenientJSON.self, forKey: key))?.value ?? .null
            }
            value = .object(members)
            return
        }
        if var array = try? decoder.unkeyedContainer() {
            var elements: [JSONValue] = []
            while !array.isAtEnd {
                guard let element = try? array.decode(LenientJSON.self) else { break }
                elements.append(element.value)
            }
            value = .array(elements)
            return
        }
        let single = try decoder.singleValueContainer()
        if single.decodeNil() { value = .null }
        else if let b = try? single.decode(Bool.self) { value = .bool(b) }
        else if let s = try? single.decode(String.self) { value = .string(s) }
        else if let n = try? single.decode(Double.self), n.isFinite { value = .number(n) }
        else { value = .string(LenientJSON.outOfRange) }
    }

    /// Any object key.
    struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}
