import ChorusCore
import Foundation
import Testing

/// `jsonText` must stay byte-equal to what `JSONEncoder` wrote before: stored raw items and the
/// dedup keys derived from them must not change across an upgrade.
@Suite struct JSONValueTextTests {
    static func reference(_ value: JSONValue) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    @Test func everyControlCharacterAndEscape() throws {
        var text = ""
        for scalar in 0..<0x80 { text.unicodeScalars.append(Unicode.Scalar(UInt8(scalar))) }
        text += "é ñ 中文 🙂👍🏽 \u{2028}\u{2029} \u{FEFF} / \\ \""
        let value = JSONValue.object(["text": .string(text), "k\n\"ey": .string("")])
        #expect(value.jsonText == (try Self.reference(value)))
    }

    @Test func keyOrderMatchesTheEncoder() throws {
        let keys = ["b", "B", "a", "A", "_", "10", "9", "1", "é", "e", "z", "Z", "ä", "ab", "a b", "a_b", "aB", "中", "🙂", "", " "]
        let value = JSONValue.object(Dictionary(uniqueKeysWithValues: keys.map { ($0, JSONValue.null) }))
        #expect(value.jsonText == (try Self.reference(value)))
    }

    @Test func numbers() throws {
        let numbers: [Double] = [0, -0.0, 1, -1, 42, 1.5, -2.25, 0.1, 1e-7, 123456789012345, 8.9e15, 9.0e15, 1e20, -1e300,
                                 1.7976931348623157e308, 5e-324, 37.4847, -122.1483, 1732900000000]
        for n in numbers {
            let value = JSONValue.array([.number(n)])
            #expect(value.jsonText == (try Self.reference(value)), "number \(n)")
        }
    }

    @Test(arguments: 0..<200) func randomTreesMatchTheEncoder(seed: Int) throws {
        var rng = Generator(seed: UInt64(seed) &+ 0x9E3779B97F4A7C15)
        let value = rng.value(depth: 0)
        #expect(value.jsonText == (try Self.reference(value)))
        // And the text parses back to the same tree.
        #expect(try JSONValue.parse(value.jsonText) == value)
    }

    /// A small deterministic generator of JSON trees.
    struct Generator {
        var state: UInt64
        init(seed: UInt64) { state = seed }
        mutating func next() -> UInt64 {
            state &+= 0x9E3779B97F4A7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
            z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
            return z ^ (z >> 31)
        }
        mutating func int(_ n: Int) -> Int { Int(next() % UInt64(n)) }
        mutating func string() -> String {
            let alphabet: [String] = ["a", "Z", "0", " ", "\"", "\\", "/", "\n", "\t", "\u{1}", "\u{1F}", "é", "ß", "中", "🙂", "👍🏽", "\u{7F}", "_", "-", "\u{2028}"]
            return (0..<int(8)).map { _ in alphabet[int(alphabet.count)] }.joined()
        }
        mutating func value(depth: Int) -> JSONValue {
            switch int(depth > 3 ? 4 : 6) {
            case 0: return .null
            case 1: return .bool(int(2) == 0)
            case 2: return .number(int(2) == 0 ? Double(Int64(bitPattern: next()) >> Int64(int(60) + 3)) : Double(int(100000)) / 64)
            case 3: return .string(string())
            case 4: return .array((0..<int(5)).map { _ in value(depth: depth + 1) })
            default:
                var members: [String: JSONValue] = [:]
                for _ in 0..<int(6) { members[string()] = value(depth: depth + 1) }
                return .object(members)
            }
        }
    }
}
