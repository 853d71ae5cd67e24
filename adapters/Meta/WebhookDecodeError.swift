/// Why a webhook body could not be decoded at all. Items inside a well-formed body never cause
/// these: they become `.unsupported` events instead.
public enum WebhookDecodeError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The body is not JSON (empty, truncated, not UTF-8, syntax error): answer 400 and quarantine.
    case notJSON(String)
    /// The top-level `object` is not this platform's (or is missing): answer 400.
    case wrongObject(expected: String, got: String?)
    /// Valid JSON of the wrong shape (not an object, `entry` not an array, nested too deeply):
    /// answer 400 and quarantine.
    case malformed(String)

    /// What is wrong, in plain words.
    public var description: String {
        switch self {
        case .notJSON(let why):
            "the body is not valid JSON: \(why)"
        case .wrongObject(let expected, let got):
            if let got { "the webhook is for object \"\(got)\", expected \"\(expected)\"" }
            else { "the webhook has no \"object\" field, expected \"\(expected)\"" }
        case .malformed(let why):
            "the body is JSON but not a webhook: \(why)"
        }
    }
}
