import Assistant

/// The engine's events for one request, read first by the handler (the prompt's outcome), then
/// by the response body: one reader at a time, never concurrently. Dropping it cancels the
/// request in the engine.
final class EventReader: @unchecked Sendable {
    private var iterator: AsyncThrowingStream<GenerationEvent, any Error>.AsyncIterator

    init(_ events: AsyncThrowingStream<GenerationEvent, any Error>) { iterator = events.makeAsyncIterator() }

    func next() async throws -> GenerationEvent? { try await iterator.next() }
}

/// The engine's stream ended before it said the prompt was read.
struct OpenAIStreamEnded: Error, CustomStringConvertible {
    var description: String { "the engine ended the request before reading its prompt" }
}
