import Foundation

/// One Graph API call an adapter renders: `POST https://graph.facebook.com/<version>/<path>`
/// with a JSON `body`. The caller adds the host, API version and access token.
public struct SendRequest: Sendable, Hashable {
    /// The path after the API version, without a leading slash: `"<id>/messages"`.
    public var path: String
    /// The JSON body, UTF-8.
    public var body: Data

    /// Creates a request.
    public init(path: String, body: Data) {
        self.path = path
        self.body = body
    }

    /// The HTTP method: every send, read receipt and typing indicator is a POST.
    public var method: String { "POST" }

    /// A request with `payload` encoded as compact JSON with sorted keys (stable for tests).
    public static func json(path: String, _ payload: some Encodable) -> SendRequest {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding these plain structs of strings cannot fail.
        let body = (try? encoder.encode(payload)) ?? Data("{}".utf8)
        return SendRequest(path: path, body: body)
    }
}
