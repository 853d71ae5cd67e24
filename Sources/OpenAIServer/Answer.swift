import Assistant
import Foundation
import NIOCore

/// The fixed parts of one answer's chunks.
struct Answer: Sendable {
    let id: String
    let created: Int
    let model: String
    let promptTokens: Int

    /// A `chat.completion.chunk` event.
    func chunk(_ choice: ChatCompletionChunk.Choice, includeUsage: Bool) -> ByteBuffer {
        Self.event(ChatCompletionChunk(id: id, created: created, model: model, choices: [choice], writesNullUsage: includeUsage))
    }

    /// `data: <json>\n\n`.
    static func event(_ value: some Encodable) -> ByteBuffer {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
        var buffer = ByteBuffer(string: "data: ")
        buffer.writeBytes(data)
        buffer.writeString("\n\n")
        return buffer
    }
}
