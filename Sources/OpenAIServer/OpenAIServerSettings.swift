/// How the OpenAI-compatible endpoint behaves.
public struct OpenAIServerSettings: Sendable {
    /// The model's name in `/v1/models` and in answers (the file name, or `--model-name`).
    public var modelName: String
    /// When set, every request needs `Authorization: Bearer <key>` (env CHORUS_OPENAI_API_KEY).
    public var apiKey: String?
    /// Requests that may wait for a place in the decode batch; past batch + queue: 503.
    public var maxQueue: Int = 32
    /// The largest request body, in bytes (pictures travel as base64 inside it).
    public var maxBodyBytes: Int = 16 * 1024 * 1024
    /// The reply length when a request gives none.
    public var defaultMaxTokens: Int = 512
    /// The most messages in one request.
    public var maxMessages: Int = 1024
    /// The most pictures in one request.
    public var maxImages: Int = 4

    /// Settings for `modelName`.
    public init(modelName: String, apiKey: String? = nil) {
        self.modelName = modelName
        self.apiKey = apiKey
    }
}
