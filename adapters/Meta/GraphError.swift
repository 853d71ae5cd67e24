import Foundation

/// An error the Graph API answered with: `{"error":{"message","type","code","error_subcode",
/// "fbtrace_id"}}` (https://developers.facebook.com/docs/graph-api/guides/error-handling).
/// WhatsApp adds `error_data.details`.
public struct GraphError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The error code (`190` token, `613`/`130429`/`131056` rate, `131047` window, …).
    public var code: Int
    /// The `error_subcode`, when given.
    public var subcode: Int?
    /// The error type (`OAuthException`, …).
    public var type: String?
    /// The human-readable message (with WhatsApp's `error_data.details` appended when present).
    public var message: String
    /// Meta's trace id for support requests.
    public var fbtraceID: String?

    /// Creates an error.
    public init(code: Int, subcode: Int? = nil, type: String? = nil, message: String, fbtraceID: String? = nil) {
        self.code = code
        self.subcode = subcode
        self.type = type
        self.message = message
        self.fbtraceID = fbtraceID
    }

    /// Decodes a Graph API error body; nil when `body` is not one.
    public static func decode(_ body: Data) -> GraphError? {
        guard let wire = try? JSONDecoder().decode(Wire.self, from: body), let e = wire.error,
              let code = e.code?.int else { return nil }
        var message = e.message ?? ""
        if let details = e.error_data?.details, !details.isEmpty, !message.contains(details) {
            message = message.isEmpty ? details : "\(message): \(details)"
        }
        return GraphError(code: code, subcode: e.error_subcode?.int, type: e.type, message: message, fbtraceID: e.fbtrace_id)
    }

    /// Whether this is a rate or throughput limit to back off from: Graph `4`, `17`, `32`, `613`,
    /// Messenger `80006`, WhatsApp `130429` (throughput) and `131056` (pair rate), `131048` (spam rate).
    public var isRateLimit: Bool { [4, 17, 32, 613, 80006, 130429, 131048, 131056].contains(code) }

    /// Whether the access token is invalid or expired (`190`): nothing will succeed until fixed.
    public var isTokenError: Bool { code == 190 }

    /// Whether the customer-service window is closed: WhatsApp `131047` (24 hours), Messenger
    /// `10`/`2018278` (outside the allowed window).
    public var isOutsideWindow: Bool { code == 131047 || (code == 10 && subcode == 2018278) }

    /// `code/subcode type: message`.
    public var description: String {
        let sub = subcode.map { "/\($0)" } ?? ""
        let kind = type.map { " \($0)" } ?? ""
        return "Graph error \(code)\(sub)\(kind): \(message)"
    }

    /// The wire shape, lenient about number-or-string codes.
    private struct Wire: Decodable {
        struct Body: Decodable {
            struct Data: Decodable { var details: String? }
            var message: String?
            var type: String?
            var code: LenientInt?
            var error_subcode: LenientInt?
            var fbtrace_id: String?
            var error_data: Data?
        }
        var error: Body?
    }
}
