import Assistant
import ChorusCore
import Foundation
import Hummingbird
import HTTPTypes
import MoE
import NIOCore

extension OpenAIRoutes {
    /// `POST /v1/chat/completions`: reads and checks the body, takes a place (or 503), waits for
    /// the prompt to be read (so prompt errors are still a 400), then answers whole or streamed.
    func complete(request: Request, context: Context) async throws -> Response {
        let limit = settings.maxBodyBytes
        let tooLarge = OpenAIError(status: .contentTooLarge, message: "request body over \(limit) bytes", type: "invalid_request_error")
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > limit { return tooLarge.response }
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: limit)
        } catch is NIOTooManyBytesError {
            return tooLarge.response
        }
        let body: ChatCompletionRequest
        do {
            // Foundation's JSON scanner crashes on very deep nesting (RELIABILITY.md): the bounded
            // reader checks the bytes first; JSONDecoder then keeps 64-bit seeds exact.
            _ = try buffer.readableBytesView.withUnsafeBytes { bytes throws(JSONValue.ParseError) in
                try JSONValue.parse(bytes, maxDepth: 64)
            }
            body = try JSONDecoder().decode(ChatCompletionRequest.self, from: Data(buffer.readableBytesView))
        } catch {
            return OpenAIError.invalid("invalid request body: \(Self.explain(error))").response
        }
        let plan: CompletionPlan
        do {
            plan = try CompletionPlan(body, settings: settings, seesImages: engine.seesImages)
        } catch {
            return error.response
        }
        guard admission.enter() else {
            logger.warning("chat completion refused: too many requests in flight", metadata: ["limit": "\(admission.limit)"])
            return OpenAIError(status: .serviceUnavailable, message: "the engine is busy (\(admission.limit) requests in flight); retry later",
                               type: "server_error", code: "overloaded").response
        }
        let place = Place(admission)
        let events = EventReader(engine.stream(plan.generation))
        let promptTokens: Int
        do {
            guard case .started(let count) = try await events.next() else { throw OpenAIStreamEnded() }
            promptTokens = count
        } catch {
            place.release()
            return Self.refusal(for: error).response
        }
        let answer = Answer(id: "chatcmpl-\(UUID().uuidString.lowercased())", created: Int(Date().timeIntervalSince1970),
                            model: settings.modelName, promptTokens: promptTokens)
        let logger = self.logger
        guard plan.stream else {
            defer { place.release() }
            var filter = StopStringFilter(stops: plan.stops)
            var text = ""
            var finish = GenerationEvent.Finish.stop
            var completionTokens = 0
            do {
                reading: while let event = try await events.next() {
                    switch event {
                    case .started: break
                    case .text(let piece, let tokens):
                        completionTokens += tokens
                        text += filter.feed(piece)
                        if filter.stopped { break reading }
                    case .finished(let reason, let count):
                        finish = reason
                        completionTokens = count
                    }
                }
            } catch {
                logger.error("chat completion failed", metadata: ["error": "\(error)"])
                return OpenAIError(status: .internalServerError, message: "generation failed: \(error)", type: "server_error").response
            }
            text += filter.finish()
            let reason = filter.stopped ? "stop" : finish.rawValue
            logger.info("chat completion", metadata: ["prompt_tokens": "\(promptTokens)", "completion_tokens": "\(completionTokens)",
                                                      "finish_reason": "\(reason)", "stream": "false"])
            let usage = CompletionUsage(prompt: promptTokens, completion: completionTokens)
            return Self.json(.ok, ChatCompletion(id: answer.id, created: answer.created, model: answer.model,
                                                 choices: [.init(content: text, finishReason: reason)], usage: usage))
        }
        let stops = plan.stops, includeUsage = plan.includeUsage
        let headers: HTTPFields = [.contentType: "text/event-stream", .cacheControl: "no-cache"]
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            defer { place.release() }
            var filter = StopStringFilter(stops: stops)
            var completionTokens = 0
            var finish = GenerationEvent.Finish.stop
            try await writer.write(answer.chunk(.init(delta: .init(role: "assistant", content: "")), includeUsage: includeUsage))
            reading: while true {
                let event: GenerationEvent?
                do {
                    event = try await events.next()
                } catch {
                    // Headers are gone: the failure travels as an error event, then the stream ends.
                    logger.error("chat completion stream failed", metadata: ["error": "\(error)"])
                    try await writer.write(Answer.event(APIErrorBody(message: "generation failed: \(error)", type: "server_error")))
                    try await writer.write(ByteBuffer(string: "data: [DONE]\n\n"))
                    try await writer.finish(nil)
                    return
                }
                guard let event else { break }
                switch event {
                case .started: break
                case .text(let piece, let tokens):
                    completionTokens += tokens
                    let text = filter.feed(piece)
                    if !text.isEmpty {
                        try await writer.write(answer.chunk(.init(delta: .init(content: text)), includeUsage: includeUsage))
                    }
                    if filter.stopped { break reading }
                case .finished(let reason, let count):
                    finish = reason
                    completionTokens = count
                }
            }
            let tail = filter.finish()
            if !tail.isEmpty { try await writer.write(answer.chunk(.init(delta: .init(content: tail)), includeUsage: includeUsage)) }
            let reason = filter.stopped ? "stop" : finish.rawValue
            try await writer.write(answer.chunk(.init(delta: .init(), finishReason: reason), includeUsage: includeUsage))
            if includeUsage {
                try await writer.write(Answer.event(ChatCompletionChunk(
                    id: answer.id, created: answer.created, model: answer.model, choices: [],
                    usage: CompletionUsage(prompt: promptTokens, completion: completionTokens))))
            }
            try await writer.write(ByteBuffer(string: "data: [DONE]\n\n"))
            try await writer.finish(nil)
            logger.info("chat completion", metadata: ["prompt_tokens": "\(promptTokens)", "completion_tokens": "\(completionTokens)",
                                                      "finish_reason": "\(reason)", "stream": "true"])
        })
    }

    /// An error before any text: the request's fault (400) or the server's (500).
    static func refusal(for error: any Error) -> OpenAIError {
        switch error {
        case let error as GenerationError:
            .invalid(error.description, param: "messages", code: "context_length_exceeded")
        case let error as ImageDecodingError:
            .invalid("an image could not be read: \(error)", param: "messages")
        default:
            OpenAIError(status: .internalServerError, message: "generation failed: \(error)", type: "server_error")
        }
    }

    /// A decoding error as `field.path: what`.
    static func explain(_ error: any Error) -> String {
        switch error {
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context),
             DecodingError.keyNotFound(_, let context), DecodingError.dataCorrupted(let context):
            var path = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            if path.hasPrefix(".") { path.removeFirst() }
            if case DecodingError.keyNotFound(let key, _) = error { path += (path.isEmpty ? "" : ".") + key.stringValue + " is required" }
            return path.isEmpty ? context.debugDescription : "\(path): \(context.debugDescription)"
        default:
            return "\(error)"
        }
    }
}
