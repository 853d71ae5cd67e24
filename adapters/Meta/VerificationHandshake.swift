/// Answers Meta's webhook verification request.
///
/// When a webhook is subscribed, Meta sends `GET ?hub.mode=subscribe&hub.verify_token=<token>
/// &hub.challenge=<n>` and expects the challenge echoed back with 200
/// (https://developers.facebook.com/docs/graph-api/webhooks/getting-started#verification-requests).
public enum VerificationHandshake {
    /// The challenge to echo when `mode` is `subscribe` and `verifyToken` equals `expectedToken`
    /// (compared in constant time); nil otherwise, or when the expected token is empty.
    public static func challenge(mode: String?, verifyToken: String?, challenge: String?, expectedToken: String) -> String? {
        guard mode == "subscribe", let verifyToken, let challenge, !expectedToken.isEmpty else { return nil }
        return Digest.constantTimeEqual(verifyToken, expectedToken) ? challenge : nil
    }
}
