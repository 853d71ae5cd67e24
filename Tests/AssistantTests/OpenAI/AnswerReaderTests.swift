import Foundation
import Testing
@testable import Assistant

/// Reading answers of OpenAI-compatible servers: good, garbled, truncated, oversized, hostile.
struct AnswerReaderTests {
    static let sse = ["content-type": "text/event-stream"]

    static func chunk(_ content: String?, finish: String? = nil) -> String {
        let delta = content.map { #"{"content":\#(String(decoding: try! JSONEncoder().encode($0), as: UTF8.self))}"# } ?? "{}"
        let reason = finish.map { "\"\($0)\"" } ?? "null"
        return #"data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":\#(delta),"finish_reason":\#(reason)}]}"# + "\n\n"
    }

    func read(_ body: String, status: Int = 200, headers: [String: String] = sse, limit: Int = 1 << 20) throws -> String {
        var reader = AnswerReader(limit: limit)
        try reader.head(status: status, headers: headers)
        // Split in uneven pieces, as the network does.
        var bytes = Data(body.utf8)[...]
        while !bytes.isEmpty {
            let piece = bytes.prefix(7)
            bytes = bytes.dropFirst(7)
            _ = try reader.body(Data(piece))
        }
        return try reader.finish()
    }

    func failure(_ body: String, status: Int = 200, headers: [String: String] = sse, limit: Int = 1 << 20) -> OpenAIEngineError? {
        do {
            _ = try read(body, status: status, headers: headers, limit: limit)
            return nil
        } catch {
            return error as? OpenAIEngineError
        }
    }

    @Test func readsAStreamWithRoleUsageAndKeepAlives() throws {
        let body = ": keep-alive\n\n" + #"data: {"choices":[{"index":0,"delta":{"role":"assistant","content":""}}]}"# + "\n\n"
            + Self.chunk("Hé") + Self.chunk("llo 👋") + Self.chunk(nil, finish: "stop")
            + #"data: {"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}}"# + "\n\n" + "data: [DONE]\n\n"
        #expect(try read(body) == "Héllo 👋")
    }

    @Test func readsAWholeJSONAnswerFromAServerThatDoesNotStream() throws {
        let body = #"{"id":"c","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"Hi"},"finish_reason":"stop"}]}"#
        #expect(try read(body, headers: ["content-type": "application/json"]) == "Hi")
        #expect(failure("{\"choices\":[]}", headers: ["content-type": "application/json"])?.kind == .malformed)
    }

    @Test func garbledChunksAreClearNonRetryableErrors() {
        for body in ["data: {not json}\n\n", "data: [1,2,3]\n\n", #"data: {"choices":[{"delta":{"content":5}}]}"# + "\n\n",
                     "data: \u{0}\u{1}\n\n", #"data: {"choices":"x"}"# + "\n\n"] {
            let error = failure(body)
            #expect(error?.kind == .malformed, "\(body)")
            #expect(error?.retryable == false)
        }
    }

    /// Deep nesting would crash Foundation's JSON scanner: refused before it gets there.
    @Test func deeplyNestedAnswersAreRefused() {
        let deep = String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000)
        #expect(failure("data: " + deep + "\n\n")?.kind == .malformed)
        let inContent = #"data: {"choices":[{"delta":{"content":"# + deep + "}}]}\n\n"
        #expect(failure(inContent)?.kind == .malformed)
        #expect(failure(deep, headers: ["content-type": "application/json"])?.kind == .malformed)
    }

    @Test func aTruncatedStreamIsRetryable() {
        let error = failure(Self.chunk("Hel"))
        #expect(error?.kind == .transport)
        #expect(error?.retryable == true)
        #expect(error?.description.contains("ended early") == true)
        // A finish reason without [DONE] is complete enough.
        #expect(failure(Self.chunk("Hel") + Self.chunk(nil, finish: "length")) == nil)
    }

    @Test func anErrorInsideTheStreamIsReported() {
        let error = failure(Self.chunk("Hel") + #"data: {"error":{"message":"engine crashed","type":"server_error"}}"# + "\n\n")
        #expect(error?.kind == .remote)
        #expect(error?.description.contains("engine crashed") == true)
    }

    @Test func oversizedAnswersAreRefused() {
        let body = String(repeating: Self.chunk("0123456789"), count: 100)
        #expect(failure(body, limit: 2000)?.kind == .malformed)
        #expect(failure("data: " + String(repeating: "x", count: 2 << 20) + "\n\n", limit: 4 << 20)?.kind == .malformed)
    }

    @Test func statusesSayWhetherToRetry() {
        let cases: [(Int, Bool)] = [(400, false), (401, false), (404, false), (408, true), (422, false), (429, true), (500, true), (503, true)]
        for (status, retryable) in cases {
            let error = failure(#"{"error":{"message":"nope \#(status)","type":"x"}}"#, status: status, headers: ["content-type": "application/json", "retry-after": "2"])
            #expect(error?.kind == .status(status))
            #expect(error?.retryable == retryable)
            #expect(error?.description.contains("nope \(status)") == true)
            #expect(error?.retryAfter == 2)
        }
        // vLLM's older error shape and a non-JSON body still give a message.
        #expect(failure(#"{"object":"error","message":"bad model","code":404}"#, status: 404)?.description.contains("bad model") == true)
        #expect(failure("<html>Bad Gateway</html>", status: 502)?.description.contains("Bad Gateway") == true)
    }
}
