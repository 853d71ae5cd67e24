/// OpenAI's error body: `{"error": {"message", "type", "param", "code"}}`.
public struct APIErrorBody: Codable, Sendable, Equatable {
    /// The error.
    public struct Detail: Codable, Sendable, Equatable {
        /// What went wrong, for people.
        public var message: String
        /// `invalid_request_error`, `authentication_error`, `server_error`, …
        public var type: String?
        /// The offending parameter.
        public var param: String?
        /// A machine-readable code.
        public var code: String?

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(message, forKey: .message)
            try container.encode(type, forKey: .type)
            try container.encode(param, forKey: .param)
            try container.encode(code, forKey: .code)
        }

        enum CodingKeys: String, CodingKey { case message, type, param, code }
    }

    /// The error.
    public var error: Detail

    /// An error body.
    public init(message: String, type: String, param: String? = nil, code: String? = nil) {
        error = Detail(message: message, type: type, param: param, code: code)
    }
}
