import ChorusCore
import Foundation

/// Reads one chat completion answer as it arrives: the head, then Server-Sent Events of
/// `chat.completion.chunk`s up to `data: [DONE]` (or a whole `chat.completion` JSON from a server
/// that does not stream). Garbled, hostile, oversized or truncated answers become
/// `OpenAIEngineError`s that say what was wrong.
struct AnswerReader {
    /// The largest answer accepted, in bytes.
    let limit: Int
    private var status = 0
    private var retryAfter: TimeInterval?
    private var streaming = true
    private var parser = ServerSentEventParser(maxEventBytes: 1 << 20)
    private var raw = Data()
    private var received = 0
    private var text = ""
    private var finishReason: String?
    /// Whether `[DONE]` (or the whole JSON answer) arrived.
    private(set) var isDone = false

    init(limit: Int) { self.limit = limit }

    /// The status and headers.
    mutating func head(status: Int, headers: [String: String]) throws {
        self.status = status
        retryAfter = headers["retry-after"].flatMap(TimeInterval.init)
        let type = headers["content-type"]?.lowercased() ?? ""
        streaming = status != 200 || !type.hasPrefix("application/json")
    }

    /// Body bytes; returns whether text (or the end) has arrived so far.
    mutating func body(_ data: Data) throws -> Bool {
        received += data.count
        guard received <= limit else {
            throw OpenAIEngineError(.malformed, "answer over \(limit) bytes", retryable: false)
        }
        guard status == 200, streaming else {
            raw += data
            return false
        }
        let events: [ServerSentEvent]
        do {
            events = try parser.feed(data)
        } catch {
            throw OpenAIEngineError(.malformed, "unreadable event stream: \(error)", retryable: false)
        }
        for event in events where !isDone { try read(event) }
        return !text.isEmpty || finishReason != nil || isDone
    }

    private mutating func read(_ event: ServerSentEvent) throws {
        let data = event.data.trimmingCharacters(in: .whitespaces)
        if data == "[DONE]" {
            isDone = true
            return
        }
        guard !data.isEmpty else { return }
        // The bounded reader first: Foundation's JSON scanner crashes on very deep nesting.
        let json = try? JSONValue.parse(data, maxDepth: 64)
        guard json != nil || event.event == "error" else {
            throw OpenAIEngineError(.malformed, "not JSON: \(String(data.prefix(200)))", retryable: false)
        }
        if event.event == "error" || (json?["error"] != nil && json?["choices"] == nil) {
            let message = json?["error"]?["message"]?.stringValue ?? json?["error"]?.stringValue ?? String(data.prefix(300))
            throw OpenAIEngineError(.remote, "the server reported an error mid-stream: \(message)", retryable: true)
        }
        let chunk: ChatCompletionChunk
        do {
            chunk = try JSONDecoder().decode(ChatCompletionChunk.self, from: Data(data.utf8))
        } catch {
            throw OpenAIEngineError(.malformed, "not a chat.completion.chunk: \(String(data.prefix(200)))", retryable: false)
        }
        for choice in chunk.choices where choice.index == 0 {
            text += choice.delta.content ?? ""
            if let reason = choice.finishReason { finishReason = reason }
        }
    }

    /// The stream ended: the reply's text, or why there is none.
    mutating func finish() throws -> String {
        guard status == 200 else {
            throw OpenAIReplyEngine.statusError(status, body: raw, retryAfter: retryAfter)
        }
        guard streaming else {
            guard (try? JSONValue.parse(String(decoding: raw, as: UTF8.self), maxDepth: 64)) != nil,
                  let answer = try? JSONDecoder().decode(ChatCompletion.self, from: raw), let choice = answer.choices.first else {
                throw OpenAIEngineError(.malformed, "not a chat.completion: \(String(decoding: raw.prefix(200), as: UTF8.self))",
                                        retryable: false)
            }
            return choice.message.content ?? ""
        }
        // A stream cut before [DONE] and before any finish_reason lost the rest of the reply.
        guard isDone || finishReason != nil else {
            _ = parser.finish()
            throw OpenAIEngineError(.transport, "the answer stream ended early (\(text.count) characters, no [DONE])", retryable: true)
        }
        return text
    }
}
