import MetaWebhook
import Testing

/// The `hub.challenge` verification handshake.
@Suite struct HandshakeTests {
    @Test func echoesChallengeWhenTokenMatches() {
        #expect(VerificationHandshake.challenge(mode: "subscribe", verifyToken: "s3cret", challenge: "1158201444",
                                                expectedToken: "s3cret") == "1158201444")
    }

    @Test func rejectsWrongToken() {
        #expect(VerificationHandshake.challenge(mode: "subscribe", verifyToken: "s3creT", challenge: "1",
                                                expectedToken: "s3cret") == nil)
        #expect(VerificationHandshake.challenge(mode: "subscribe", verifyToken: "s3cret-longer", challenge: "1",
                                                expectedToken: "s3cret") == nil)
        #expect(VerificationHandshake.challenge(mode: "subscribe", verifyToken: "", challenge: "1",
                                                expectedToken: "s3cret") == nil)
    }

    @Test func rejectsWrongModeOrMissingParts() {
        #expect(VerificationHandshake.challenge(mode: "unsubscribe", verifyToken: "t", challenge: "1", expectedToken: "t") == nil)
        #expect(VerificationHandshake.challenge(mode: nil, verifyToken: "t", challenge: "1", expectedToken: "t") == nil)
        #expect(VerificationHandshake.challenge(mode: "subscribe", verifyToken: nil, challenge: "1", expectedToken: "t") == nil)
        #expect(VerificationHandshake.challenge(mode: "subscribe", verifyToken: "t", challenge: nil, expectedToken: "t") == nil)
        // An unconfigured (empty) expected token never verifies, even against an empty token.
        #expect(VerificationHandshake.challenge(mode: "subscribe", verifyToken: "", challenge: "1", expectedToken: "") == nil)
    }
}
