import ChorusCore
import Foundation
import Testing

/// `JSONValueDecoder` must decode what `JSONDecoder` decodes and fail where it fails, with the
/// same kind of error at the same coding path.
@Suite struct JSONValueDecoderTests {
    struct Inner: Codable, Equatable {
        var id: String
        var count: Int?
        var tags: [String]?
    }

    struct Outer: Codable, Equatable {
        var name: String
        var small: Int8?
        var ratio: Double?
        var flag: Bool?
        var inner: Inner?
        var items: [Inner]?
        var matrix: [[Int]]?
        var any: JSONValue?
        var byKey: [String: Int]?
    }

    enum Outcome: Equatable {
        case value(Outer)
        case typeMismatch(String)
        case valueNotFound(String)
        case keyNotFound(String)
        case dataCorrupted(String)
    }

    static func path(_ p: [any CodingKey]) -> String {
        p.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
    }

    static func outcome(_ body: () throws -> Outer) -> Outcome {
        do { return .value(try body()) } catch let error as DecodingError {
            switch error {
            case .typeMismatch(_, let c): return .typeMismatch(path(c.codingPath))
            case .valueNotFound(_, let c): return .valueNotFound(path(c.codingPath))
            case .keyNotFound(let k, let c): return .keyNotFound(path(c.codingPath + [k]))
            case .dataCorrupted(let c): return .dataCorrupted(path(c.codingPath))
            @unknown default: return .dataCorrupted("?")
            }
        } catch { return .dataCorrupted("other") }
    }

    static let cases: [String] = [
        #"{"name":"a"}"#,
        #"{"name":"a","small":12,"ratio":1.5,"flag":true,"inner":{"id":"x","count":3,"tags":["p","q"]}}"#,
        #"{"name":"a","items":[{"id":"1"},{"id":"2","count":null}],"matrix":[[1,2],[3]],"any":{"z":[1,"two",null]}}"#,
        #"{"name":"a","byKey":{"x":1,"y":2}}"#,
        #"{"name":5}"#,
        #"{"name":null}"#,
        #"{}"#,
        #"{"name":"a","small":300}"#,
        #"{"name":"a","small":1.5}"#,
        #"{"name":"a","small":"7"}"#,
        #"{"name":"a","flag":1}"#,
        #"{"name":"a","ratio":"1.5"}"#,
        #"{"name":"a","inner":[]}"#,
        #"{"name":"a","inner":{"count":1}}"#,
        #"{"name":"a","items":[{"id":"1"},{"id":7}]}"#,
        #"{"name":"a","items":{"id":"1"}}"#,
        #"{"name":"a","matrix":[[1,2],[3,"x"]]}"#,
        #"{"name":"a","items":[null]}"#,
        #"{"name":"a","byKey":{"x":"1"}}"#,
        #"[]"#,
        #""name""#,
    ]

    @Test(arguments: cases) func agreesWithJSONDecoder(json: String) throws {
        let foundation = Self.outcome { try JSONDecoder().decode(Outer.self, from: Data(json.utf8)) }
        let tree = try JSONValue.parse(json)
        let ours = Self.outcome { try JSONValueDecoder().decode(Outer.self, from: tree) }
        if case .dataCorrupted(let theirs) = foundation, case .dataCorrupted(let mine) = ours {
            // A number that does not fit: Foundation names the container, we name the member too.
            #expect(mine.hasPrefix(theirs))
        } else {
            #expect(ours == foundation)
        }
    }

    @Test func handsOverJSONValueNodesAndUserInfo() throws {
        struct Probe: Decodable {
            var node: JSONValue
            var info: String?
            init(from decoder: any Decoder) throws {
                node = (decoder as? any JSONValueBackedDecoder)?.jsonValue ?? .null
                info = decoder.userInfo[CodingUserInfoKey(rawValue: "probe")!] as? String
            }
        }
        var decoder = JSONValueDecoder()
        decoder.userInfo[CodingUserInfoKey(rawValue: "probe")!] = "here"
        let tree = try JSONValue.parse(#"[{"a":[1,2]}]"#)
        let probes = try decoder.decode([Probe].self, from: tree)
        #expect(probes.first?.node == (try JSONValue.parse(#"{"a":[1,2]}"#)))
        #expect(probes.first?.info == "here")
    }
}
