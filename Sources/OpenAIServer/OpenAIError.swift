import Assistant
import Foundation
import Hummingbird
import HTTPTypes
import NIOCore

/// A request the endpoint refuses, rendered in OpenAI's error shape with its HTTP status.
struct OpenAIError: Error, Sendable {
    let status: HTTPResponse.Status
    let message: String
    let type: String
    var param: String?
    var code: String?

    static func invalid(_ message: String, param: String? = nil, code: String? = nil) -> OpenAIError {
        OpenAIError(status: .badRequest, message: message, type: "invalid_request_error", param: param, code: code)
    }

    /// The JSON response (`{"error": {...}}`).
    var response: Response {
        let body = APIErrorBody(message: message, type: type, param: param, code: code)
        var response = OpenAIRoutes<BasicRequestContext>.json(status, body)
        if status == .serviceUnavailable || status == .tooManyRequests { response.headers[.retryAfter] = "1" }
        if status == .unauthorized { response.headers[.wwwAuthenticate] = "Bearer" }
        return response
    }
}
