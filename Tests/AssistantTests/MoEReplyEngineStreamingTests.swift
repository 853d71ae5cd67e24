import Foundation
import Synchronization
import Testing
@testable import Assistant

/// `MoEReplyEngine.stream`: the continuous batcher on the fixture model.
@Suite(.serialized) struct MoEReplyEngineStreamingTests {
    static func request(seed: UInt64, tokens: Int = 16, min: Int = 1) -> GenerationRequest {
        var request = GenerationRequest(conversationKey: "s\(seed)", turns: [ChatTurn(role: .user, text: "Hello there, how are you?")],
                                        maxTokens: tokens, seed: seed)
        request.minTokens = min
        return request
    }

    /// Started, text pieces, finished; the pieces join to what `generate` says for the request alone.
    @Test func streamedTextEqualsTheBatchReply() async throws {
        let engine = try MoEReplyEngine(path: Harness.model)
        for seed: UInt64 in [1, 2, 3] {
            let request = Self.request(seed: seed)
            var events: [GenerationEvent] = []
            for try await event in engine.stream(request) { events.append(event) }
            guard case .started(let prompt) = events.first, case .finished(_, let count) = events.last else {
                Issue.record("events out of order: \(events)")
                continue
            }
            #expect(prompt > 5)
            let pieces = events.compactMap { if case .text(let text, let tokens) = $0 { (text, tokens) } else { nil } }
            #expect(pieces.map(\.1).reduce(0, +) == count)
            let expected = try await engine.generate([request])[0]
            #expect(pieces.map(\.0).joined() == expected)
        }
    }

    /// The assistant's batch runs between two steps of a long stream, not after it.
    @Test func batchesRunBetweenStreamSteps() async throws {
        let engine = try MoEReplyEngine(path: Harness.model, contextTokens: 4096)
        let finished = Atomic<Bool>(false)
        let (started, begun) = AsyncStream<Void>.makeStream()
        let long = Task {
            var first = true
            for try await event in engine.stream(Self.request(seed: 9, tokens: 3500, min: 3500)) {
                if first, case .text = event { begun.yield(); first = false }
            }
            finished.store(true, ordering: .relaxed)
        }
        var iterator = started.makeAsyncIterator()
        await iterator.next()
        let reply = try await engine.generate([Self.request(seed: 4, tokens: 4)])
        let decodedMeanwhile = engine.streamingDecodeCounts.rows
        #expect(!reply[0].isEmpty)
        #expect(decodedMeanwhile < 3000, "the stream was still decoding when the batch returned (\(decodedMeanwhile) rows)")
        #expect(finished.load(ordering: .relaxed) == false, "the batch did not wait for the 3,500-token stream")
        long.cancel()
        _ = try? await long.value
    }

    /// A reader that stops takes its request out of the batch: no more steps are decoded for it.
    @Test func aReaderThatStopsLeavesTheBatch() async throws {
        let engine = try MoEReplyEngine(path: Harness.model, contextTokens: 4096)
        var seen = 0
        for try await event in engine.stream(Self.request(seed: 5, tokens: 3000, min: 3000)) {
            if case .text = event { seen += 1 }
            if seen == 5 { break }
        }
        try await Task.sleep(for: .milliseconds(200))
        let settled = engine.streamingDecodeCounts.rows
        try await Task.sleep(for: .milliseconds(300))
        #expect(engine.streamingDecodeCounts.rows == settled)
        #expect(settled < 3000)
    }
}
