import ChorusCore
import Foundation
import Testing

@Suite("JSONValue.parse")
struct JSONValueParseTests {
    @Test("agrees with Foundation's JSONDecoder on valid documents")
    func agrees() throws {
        let documents = [
            #"{"object":"page","entry":[{"id":"1","time":1700000000000,"messaging":[{"message":{"mid":"m_1","text":"caf\u00e9 \ud83d\udc4b"}}]}]}"#,
            #"[1, -2.5, 3e2, 0, -0.0, true, false, null, "a\"b\\c\/d\n\t", {}, [], {"k": [{}]}]"#,
            #"  "plain"  "#, "12345678901234", #"{"dup": 1, "dup": 2}"#,
        ]
        for document in documents {
            let ours = try JSONValue.parse(document)
            let foundation = try JSONDecoder().decode(JSONValue.self, from: Data(document.utf8))
            #expect(ours == foundation, "\(document)")
        }
        #expect(try JSONValue.parse(#""caf\u00e9 \ud83d\udc4b""#) == .string("café 👋"))
    }

    @Test("numbers a Double cannot hold become a marker, not a failure")
    func outOfRange() throws {
        #expect(try JSONValue.parse(#"{"n": 1e400, "m": 2}"#) == .object(["n": .string(JSONValue.outOfRange), "m": .number(2)]))
    }

    @Test("malformed, truncated and hostile input is a clear error, never a crash", arguments: [
        "", " ", "{", "[", "[1,", #"{"a""#, #"{"a":}"#, #"{"a" 1}"#, "[1 2]", "01", "1.", "1e", "-", "tru", "nul",
        #""abc"#, #""\x""#, #""\u12""#, #""\ud83d""#, #""\udc4b""#, #""a"b"#, "{}}", "[]]", "\u{1}",
        "\"\u{0A}\"", #"{"a":1,}"#, "[1,]", "NaN", "Infinity",
    ])
    func malformed(text: String) {
        #expect(throws: JSONValue.ParseError.self) { try JSONValue.parse(text) }
    }

    @Test("deep nesting stops at the limit; invalid UTF-8 is refused")
    func limits() throws {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONValue.ParseError.self) { try JSONValue.parse(deep) }
        let fine = String(repeating: "[", count: 200) + String(repeating: "]", count: 200)
        #expect(throws: Never.self) { try JSONValue.parse(fine) }
        let bytes: [UInt8] = [0x22, 0xFF, 0xFE, 0x22]
        #expect(throws: JSONValue.ParseError.self) { try bytes.withUnsafeBytes { try JSONValue.parse($0) } }
    }

    @Test("random bytes never crash the reader")
    func fuzz() {
        var state: UInt64 = 0x1234_5678
        let alphabet = Array(#"{}[]",:\ 0123456789.eE-+truefalsn\u"#.utf8) + [0x80, 0xC3, 0xA9, 0xF0]
        for _ in 0..<3000 {
            let count = Int(state % 64)
            var bytes: [UInt8] = []
            for _ in 0..<count {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                bytes.append(alphabet[Int((state >> 33) % UInt64(alphabet.count))])
            }
            _ = try? bytes.withUnsafeBytes { try JSONValue.parse($0) }
            state = state &* 6364136223846793005 &+ 1442695040888963407
        }
    }

    @Test("values are found by path")
    func paths() throws {
        let value = try JSONValue.parse(#"{"entry":[{"changes":[{"value":{"x":1}}]}]}"#)
        #expect(value.at([.key("entry"), .index(0), .key("changes"), .index(0), .key("value"), .key("x")]) == .number(1))
        #expect(value.at([.key("entry"), .index(3)]) == nil)
        #expect(value.at([.index(0)]) == nil)
    }
}
