/// Decodes `Decodable` types from a `JSONValue` tree that was already parsed, instead of scanning
/// the bytes a second time with Foundation's `JSONDecoder`.
///
/// It follows `JSONDecoder`'s rules and errors (`DecodingError` with the same coding paths):
/// integers must be whole and in range, no conversions between strings, numbers and booleans,
/// `decodeIfPresent` is nil for a missing key or `null`. Numbers are `Double`s in the tree, so an
/// integer beyond 2^53 is only as exact as the tree keeps it (Meta sends its ids as strings).
public struct JSONValueDecoder: Sendable {
    /// Values handed to every `Decoder` (`Decoder.userInfo`).
    public var userInfo: [CodingUserInfoKey: any Sendable] = [:]

    /// Creates a decoder.
    public init() {}

    /// Decodes a `T` from `value`.
    public func decode<T: Decodable>(_ type: T.Type, from value: JSONValue) throws -> T {
        try TreeDecoder(value: value, path: .root, userInfo: userInfo.mapValues { $0 as Any }).unwrap(T.self)
    }
}

/// A decoder reading from a `JSONValue` node; `WebhookItem` asks it for the node to keep raw.
public protocol JSONValueBackedDecoder: Decoder {
    /// The value this decoder reads.
    var jsonValue: JSONValue { get }
}

/// A coding path as a linked list: built only when an error or a caller asks for it.
final class TreePath: Sendable {
    let parent: TreePath?
    let key: TreeKey?

    static let root = TreePath(parent: nil, key: nil)

    init(parent: TreePath?, key: TreeKey?) {
        self.parent = parent
        self.key = key
    }

    func appending(_ key: any CodingKey) -> TreePath {
        TreePath(parent: self, key: TreeKey(key))
    }

    func appending(index: Int) -> TreePath {
        TreePath(parent: self, key: TreeKey(intValue: index))
    }

    var codingPath: [any CodingKey] {
        var keys: [any CodingKey] = []
        var node: TreePath? = self
        while let n = node, let key = n.key {
            keys.append(key)
            node = n.parent
        }
        return keys.reversed()
    }
}

/// A concrete coding key (object member or array index).
struct TreeKey: CodingKey, Sendable {
    var stringValue: String
    var intValue: Int?

    init(stringValue: String) {
        self.stringValue = stringValue
        intValue = nil
    }

    init(intValue: Int) {
        stringValue = "Index \(intValue)"
        self.intValue = intValue
    }

    init(_ key: any CodingKey) {
        stringValue = key.stringValue
        intValue = key.intValue
    }
}

struct TreeDecoder: JSONValueBackedDecoder {
    let value: JSONValue
    let path: TreePath
    let userInfo: [CodingUserInfoKey: Any]

    init(value: JSONValue, path: TreePath, userInfo: [CodingUserInfoKey: Any]) {
        self.value = value
        self.path = path
        self.userInfo = userInfo
    }

    var jsonValue: JSONValue { value }
    var codingPath: [any CodingKey] { path.codingPath }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let members) = value else {
            throw TreeDecoder.mismatch([String: Any].self, value, path)
        }
        return KeyedDecodingContainer(TreeKeyedContainer<Key>(members: members, decoder: self))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let elements) = value else {
            throw TreeDecoder.mismatch([Any].self, value, path)
        }
        return TreeUnkeyedContainer(elements: elements, decoder: self)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { self }

    /// Decodes `T` from this node: `JSONValue` itself is handed over as it is.
    func unwrap<T: Decodable>(_ type: T.Type) throws -> T {
        if T.self == JSONValue.self { return value as! T }
        return try T(from: self)
    }

    func child(_ value: JSONValue, key: any CodingKey) -> TreeDecoder {
        TreeDecoder(value: value, path: path.appending(key), userInfo: userInfo)
    }

    static func mismatch(_ type: Any.Type, _ value: JSONValue, _ path: TreePath) -> DecodingError {
        let found: String
        switch value {
        case .null: return DecodingError.valueNotFound(type, .init(codingPath: path.codingPath, debugDescription: "Cannot get \(type) -- found null value instead"))
        case .bool: found = "bool"
        case .number: found = "number"
        case .string: found = "string"
        case .array: found = "array"
        case .object: found = "dictionary"
        }
        return DecodingError.typeMismatch(type, .init(codingPath: path.codingPath, debugDescription: "Expected to decode \(type) but found \(found) instead."))
    }
}

extension TreeDecoder: SingleValueDecodingContainer {
    func decodeNil() -> Bool {
        if case .null = value { return true }
        return false
    }

    func decode(_ type: Bool.Type) throws -> Bool {
        guard case .bool(let b) = value else { throw Self.mismatch(type, value, path) }
        return b
    }

    func decode(_ type: String.Type) throws -> String {
        guard case .string(let s) = value else { throw Self.mismatch(type, value, path) }
        return s
    }

    func decode(_ type: Double.Type) throws -> Double {
        guard case .number(let n) = value else { throw Self.mismatch(type, value, path) }
        return n
    }

    func decode(_ type: Float.Type) throws -> Float {
        guard case .number(let n) = value else { throw Self.mismatch(type, value, path) }
        guard let f = Float(exactly: n) ?? (abs(n) <= Double(Float.greatestFiniteMagnitude) ? Float(n) : nil) else {
            throw DecodingError.dataCorrupted(.init(codingPath: codingPath, debugDescription: "Parsed JSON number <\(n)> does not fit in Float."))
        }
        return f
    }

    func integer<I: FixedWidthInteger>(_ type: I.Type) throws -> I {
        guard case .number(let n) = value else { throw Self.mismatch(type, value, path) }
        guard n.rounded(.towardZero) == n, let i = I(exactly: n) else {
            throw DecodingError.dataCorrupted(.init(codingPath: codingPath, debugDescription: "Parsed JSON number <\(n)> does not fit in \(type)."))
        }
        return i
    }

    func decode(_ type: Int.Type) throws -> Int { try integer(type) }
    func decode(_ type: Int8.Type) throws -> Int8 { try integer(type) }
    func decode(_ type: Int16.Type) throws -> Int16 { try integer(type) }
    func decode(_ type: Int32.Type) throws -> Int32 { try integer(type) }
    func decode(_ type: Int64.Type) throws -> Int64 { try integer(type) }
    func decode(_ type: UInt.Type) throws -> UInt { try integer(type) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try integer(type) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try integer(type) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try integer(type) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try integer(type) }

    func decode<T: Decodable>(_ type: T.Type) throws -> T { try unwrap(type) }
}

struct TreeKeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let members: [String: JSONValue]
    let decoder: TreeDecoder

    var codingPath: [any CodingKey] { decoder.codingPath }
    var allKeys: [Key] { members.keys.compactMap { Key(stringValue: $0) } }

    func contains(_ key: Key) -> Bool { members[key.stringValue] != nil }

    private func member(_ key: Key) throws -> JSONValue {
        guard let value = members[key.stringValue] else {
            throw DecodingError.keyNotFound(key, .init(codingPath: codingPath, debugDescription: "No value associated with key \(key.stringValue)."))
        }
        return value
    }

    func decodeNil(forKey key: Key) throws -> Bool {
        if case .null = try member(key) { return true }
        return false
    }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try decoder.child(try member(key), key: key).unwrap(type)
    }

    func decode(_ type: String.Type, forKey key: Key) throws -> String {
        if case .string(let s) = try member(key) { return s }
        return try decoder.child(try member(key), key: key).decode(type)
    }

    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        guard let value = members[key.stringValue] else { return nil }
        if case .null = value { return nil }
        return try decoder.child(value, key: key).unwrap(type)
    }

    func decodeIfPresent(_ type: String.Type, forKey key: Key) throws -> String? {
        switch members[key.stringValue] {
        case nil, .null?: return nil
        case .string(let s)?: return s
        case let value?: return try decoder.child(value, key: key).decode(type)
        }
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        try decoder.child(try member(key), key: key).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try decoder.child(try member(key), key: key).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder {
        decoder.child(members["super"] ?? .null, key: TreeKey(stringValue: "super"))
    }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        decoder.child(members[key.stringValue] ?? .null, key: key)
    }
}

struct TreeUnkeyedContainer: UnkeyedDecodingContainer {
    let elements: [JSONValue]
    let decoder: TreeDecoder
    private(set) var currentIndex = 0

    init(elements: [JSONValue], decoder: TreeDecoder) {
        self.elements = elements
        self.decoder = decoder
    }

    var codingPath: [any CodingKey] { decoder.codingPath }
    var count: Int? { elements.count }
    var isAtEnd: Bool { currentIndex >= elements.count }

    private mutating func next(_ type: Any.Type) throws -> TreeDecoder {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(type, .init(
                codingPath: decoder.path.appending(index: currentIndex).codingPath, debugDescription: "Unkeyed container is at end."))
        }
        let child = TreeDecoder(value: elements[currentIndex], path: decoder.path.appending(index: currentIndex), userInfo: decoder.userInfo)
        return child
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd else { _ = try next(Any?.self); return false }
        if case .null = elements[currentIndex] {
            currentIndex += 1
            return true
        }
        return false
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let child = try next(type)
        let value = try child.unwrap(type)
        currentIndex += 1
        return value
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        let child = try next([String: Any].self)
        let container = try child.container(keyedBy: type)
        currentIndex += 1
        return container
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        let child = try next([Any].self)
        let container = try child.unkeyedContainer()
        currentIndex += 1
        return container
    }

    mutating func superDecoder() throws -> any Decoder {
        let child = try next(Any.self)
        currentIndex += 1
        return child
    }
}
