import ChorusCore
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

extension OpenAIReplyEngine {
    /// One try: the streamed request under its three deadlines, read into the reply's text.
    func attempt(_ request: GenerationRequest) async throws -> String {
        let model = try await modelName()
        var urlRequest = URLRequest(url: settings.endpoint("chat/completions"))
        urlRequest.httpMethod = "POST"
        urlRequest.httpBody = try body(for: request, model: model)
        urlRequest.setValue("application/json", forHTTPHeaderField: "Content-Type")
        urlRequest.setValue("text/event-stream", forHTTPHeaderField: "Accept")
        authorize(&urlRequest)
        let (parts, cancel) = transport.start(urlRequest)
        let progress = RequestProgress()
        let watchdog = Task { [settings] in
            let start = ContinuousClock.now
            for (phase, seconds) in [("connect", settings.connectTimeout), ("first token", settings.firstTokenTimeout),
                                     ("total", settings.totalTimeout)] {
                try await Task.sleep(until: start + .milliseconds(Int(seconds * 1000)), clock: .continuous)
                if progress.expire(phase) {
                    cancel()
                    return
                }
            }
        }
        defer { watchdog.cancel() }
        var reader = AnswerReader(limit: settings.maxResponseBytes)
        do {
            reading: for try await part in parts {
                switch part {
                case .head(let status, let headers):
                    progress.reach(.head)
                    try reader.head(status: status, headers: headers)
                case .body(let data):
                    if try reader.body(data) { progress.reach(.text) }
                    if reader.isDone { break reading }
                }
            }
        } catch let error as OpenAIEngineError {
            throw error
        } catch {
            if let phase = progress.expired {
                throw OpenAIEngineError(.timeout(phase), "\(phase) timeout (\(Self.limit(phase, settings)) s) from \(settings.baseURL.absoluteString)",
                                        retryable: phase != "total")
            }
            throw OpenAIEngineError(.transport, "\(settings.baseURL.absoluteString): \(error.localizedDescription)", retryable: true)
        }
        if let phase = progress.expired, !reader.isDone {
            throw OpenAIEngineError(.timeout(phase), "\(phase) timeout (\(Self.limit(phase, settings)) s)", retryable: phase != "total")
        }
        return try reader.finish()
    }

    static func limit(_ phase: String, _ settings: OpenAIEngineSettings) -> Double {
        switch phase {
        case "connect": settings.connectTimeout
        case "first token": settings.firstTokenTimeout
        default: settings.totalTimeout
        }
    }

    /// A whole small response (for `/v1/models`).
    func collect(_ request: URLRequest, limit: Int, deadline: TimeInterval) async throws -> (Data, Int) {
        let (parts, cancel) = transport.start(request)
        let watchdog = Task {
            try await Task.sleep(for: .milliseconds(Int(deadline * 1000)))
            cancel()
        }
        defer { watchdog.cancel() }
        var status = 0
        var data = Data()
        do {
            for try await part in parts {
                switch part {
                case .head(let code, _): status = code
                case .body(let bytes):
                    data += bytes
                    guard data.count <= limit else { throw OpenAIEngineError(.malformed, "response over \(limit) bytes", retryable: false) }
                }
            }
        } catch let error as OpenAIEngineError {
            throw error
        } catch {
            throw OpenAIEngineError(.transport, "\(request.url?.absoluteString ?? ""): \(error.localizedDescription)", retryable: true)
        }
        return (data, status)
    }

    /// A non-200 answer: 408, 429 and 5xx may be tried again, other statuses not.
    static func statusError(_ status: Int, body: Data, retryAfter: TimeInterval?) -> OpenAIEngineError {
        var message = String(decoding: body.prefix(512), as: UTF8.self)
        if let json = try? JSONValue.parse(String(decoding: body.prefix(64 * 1024), as: UTF8.self)) {
            message = json["error"]?["message"]?.stringValue ?? json["message"]?.stringValue ?? json["error"]?.stringValue ?? message
        }
        let retryable = status == 408 || status == 429 || status >= 500
        return OpenAIEngineError(.status(status), "HTTP \(status): \(message)", retryable: retryable, retryAfter: retryAfter)
    }
}
