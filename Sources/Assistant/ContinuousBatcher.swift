import Foundation
import MoE
import Synchronization

/// Streams replies from the in-process engine with continuous batching: requests arrive at any
/// time, join the decode batch between steps (after their own prefill), send their text as each
/// token is chosen, and leave when they stop. All requests in flight share each step's weight
/// reads through `BatchDecoder`, so many streams cost little more than one.
///
/// Each step runs as its own block on the engine's compute queue and queues the next while any
/// stream is active, so a `MoEReplyEngine.generate` batch (the assistant's, with `serve --openai`)
/// runs between two steps instead of waiting for every stream to end.
///
/// `active` and `decoder` are touched only by those blocks (one at a time on the serial queue);
/// `state` is shared with `submit` under its mutex.
final class ContinuousBatcher: @unchecked Sendable {
    /// One streamed request: where its events go, and whether its reader is gone.
    final class Job: Sendable {
        let request: GenerationRequest
        let events: AsyncThrowingStream<GenerationEvent, any Error>.Continuation
        private let cancelled = Atomic<Bool>(false)

        init(request: GenerationRequest, events: AsyncThrowingStream<GenerationEvent, any Error>.Continuation) {
            self.request = request
            self.events = events
        }

        /// The reader stopped listening: the job leaves the batch at the next step.
        func cancel() { cancelled.store(true, ordering: .relaxed) }
        var isCancelled: Bool { cancelled.load(ordering: .relaxed) }
    }

    /// A job in the batch: its generation state, detokenizer and how many tokens were sent.
    private struct Active {
        let job: Job
        var stream: MoEReplyEngine.Stream
        var text: StreamingDetokenizer
        var sent = 0
    }

    private struct State {
        var pending: [Job] = []
        var running = false
    }

    /// The most replies decoded together; more wait in arrival order.
    let maxBatch: Int
    private let state = Mutex(State())
    private var active: [Active] = []
    private var decoder: BatchDecoder?
    /// Decode steps run, and rows (one token of one stream) decoded in them: rows per step is
    /// the batch the streams shared.
    let steps = Atomic<Int>(0), rows = Atomic<Int>(0)

    /// Prompt tokens read per step while other streams wait (llama.cpp's default batch is 2048,
    /// vLLM's chunked prefill 512–2048; small here because the CPU reads them at hundreds a second).
    static let prefillBudget = 256

    init(maxBatch: Int) { self.maxBatch = max(1, maxBatch) }

    /// Requests waiting for a place in the batch (not counting those decoding).
    var waiting: Int { state.withLock { $0.pending.count } }

    /// Queues `job`; starts the loop on the engine's queue if it is not running.
    func submit(_ job: Job, engine: MoEReplyEngine) {
        let startsLoop = state.withLock { state in
            state.pending.append(job)
            guard !state.running else { return false }
            state.running = true
            return true
        }
        if startsLoop { engine.queue.async { self.run(engine) } }
    }

    /// One step: admits waiting jobs, samples one token per active job, sends the text, steps the
    /// batch; then queues the next step, unless nothing is active or waiting.
    private func run(_ engine: MoEReplyEngine) {
        // Prefill pauses every stream in the batch: with streams running, a step reads at most
        // `prefillBudget` prompt tokens (and at least one prompt); idle, it takes all that fit.
        let idle = active.isEmpty
        var prefilled = 0
        while active.count < maxBatch, idle || prefilled < Self.prefillBudget {
            let job: Job? = state.withLock { state in
                guard !state.pending.isEmpty else { return nil }
                return state.pending.removeFirst()
            }
            guard let job else { break }
            guard !job.isCancelled else { job.events.finish(); continue }
            do {
                let stream = try engine.start(job.request)
                prefilled += stream.promptTokens
                job.events.yield(.started(promptTokens: stream.promptTokens))
                active.append(Active(job: job, stream: stream, text: StreamingDetokenizer(tokenizer: engine.tokenizer)))
            } catch {
                job.events.finish(throwing: error)
            }
        }
        if active.isEmpty {
            // Stop, unless a job arrived since the last look (then the next block takes it).
            let more = state.withLock { state in
                state.running = !state.pending.isEmpty
                return state.running
            }
            if more { engine.queue.async { self.run(engine) } } else { decoder = nil }
            return
        }
        var stepping: [Int] = []
        var tokens: [Int32] = []
        var leaving = IndexSet()
        for index in active.indices {
            guard !active[index].job.isCancelled else {
                active[index].job.events.finish()
                leaving.insert(index)
                continue
            }
            let next = engine.choose(&active[index].stream)
            send(&active[index])
            if let next {
                stepping.append(index)
                tokens.append(next)
            } else {
                let tail = active[index].text.finish()
                if !tail.isEmpty { active[index].job.events.yield(.text(tail, tokens: 0)) }
                let stream = active[index].stream
                active[index].job.events.yield(.finished(stream.finish ?? .stop, completionTokens: stream.output.count))
                active[index].job.events.finish()
                leaving.insert(index)
            }
        }
        if !stepping.isEmpty {
            let longest = stepping.map { active[$0].stream.session.maxTokens }.max() ?? 1
            if decoder == nil || decoder!.maxTokens < longest {
                decoder = BatchDecoder(model: engine.model, maxBatch: maxBatch, maxTokens: max(longest, engine.contextTokens))
            }
            do {
                let logits = try decoder!.step(stepping.map { active[$0].stream.session }, tokens)
                steps.add(1, ordering: .relaxed)
                rows.add(stepping.count, ordering: .relaxed)
                for (row, index) in stepping.enumerated() { active[index].stream.logits = logits[row] }
            } catch {
                for index in stepping { active[index].job.events.finish(throwing: error) }
                leaving.formUnion(IndexSet(stepping))
            }
        }
        for index in leaving.reversed() { active.remove(at: index) }
        engine.queue.async { self.run(engine) }
    }

    /// Sends the text of the tokens chosen since the last send (whole characters only).
    private func send(_ active: inout Active) {
        let output = active.stream.output
        guard output.count > active.sent else { return }
        let new = output[active.sent...]
        let text = active.text.append(contentsOf: new)
        active.job.events.yield(.text(text, tokens: new.count))
        active.sent = output.count
    }
}

extension MoEReplyEngine {
    /// Generates one reply as a stream of events (`started`, `text` pieces as tokens are chosen,
    /// `finished`), decoding together with every other stream in flight. Stopping the iteration
    /// (or cancelling its task) takes the request out of the batch at the next step. The text
    /// of all pieces equals what `generate` returns for the same request alone.
    public func stream(_ request: GenerationRequest) -> AsyncThrowingStream<GenerationEvent, any Error> {
        let (events, continuation) = AsyncThrowingStream<GenerationEvent, any Error>.makeStream()
        let job = ContinuousBatcher.Job(request: request, events: continuation)
        continuation.onTermination = { _ in job.cancel() }
        batcher.submit(job, engine: self)
        return events
    }

    /// Streamed requests waiting for a place in the decode batch.
    public var streamsWaiting: Int { batcher.waiting }

    /// Streaming decode steps so far and the rows decoded in them (rows/steps: the mean batch).
    public var streamingDecodeCounts: (steps: Int, rows: Int) {
        (batcher.steps.load(ordering: .relaxed), batcher.rows.load(ordering: .relaxed))
    }
}
