import Foundation
import MetaWebhook
import Testing

/// `X-Hub-Signature-256` checks against HMAC values computed independently
/// (`openssl dgst -sha256 -hmac` and Python's `hmac`, hard-coded here).
@Suite struct SignatureTests {
    let secret = "chorus-app-secret"
    /// `openssl dgst -sha256 -hmac chorus-app-secret Fixtures/messenger/unicode.json`
    let unicodeVector = "2a62ceedbf38010f4c333f958818809c95783d89f908d95c1e25c3f11aff584e"

    @Test func knownVectorOverEscapedUnicodeBody() throws {
        let body = try Fixture.data("messenger/unicode.json")
        #expect(WebhookSignature.sign(body: body, appSecret: secret) == "sha256=\(unicodeVector)")
        #expect(WebhookSignature.isValid(body: body, header: "sha256=\(unicodeVector)", appSecret: secret))
    }

    @Test func rfcStyleVectors() {
        // The classic HMAC-SHA256("key", "The quick brown fox jumps over the lazy dog").
        let fox = Array("The quick brown fox jumps over the lazy dog".utf8)
        #expect(WebhookSignature.sign(body: fox, appSecret: "key")
                == "sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8")
        // printf '%s' '{"object":"page","entry":[]}' | openssl dgst -sha256 -hmac chorus-app-secret
        let small = Data(#"{"object":"page","entry":[]}"#.utf8)
        #expect(WebhookSignature.isValid(
            body: small, header: "sha256=ef672f1a87db8db0fb54ce6432d0afaeb0853f0ad63699f8c40fcda9e35e329a", appSecret: secret))
        // An empty body still has a signature.
        #expect(WebhookSignature.sign(body: [UInt8](), appSecret: secret)
                == "sha256=2a02894c782ab64853290e070bfa96a3c9e2be714d176bf9dddf69fa9e3c1bc5")
    }

    @Test func uppercaseHexIsAccepted() throws {
        let body = try Fixture.data("messenger/unicode.json")
        #expect(WebhookSignature.isValid(body: body, header: "sha256=\(unicodeVector.uppercased())", appSecret: secret))
    }

    @Test func headerSpellingsAcceptedAndRefused() throws {
        let body = try Fixture.data("messenger/unicode.json")
        for header in ["SHA256=\(unicodeVector)", "  sha256=\(unicodeVector)\t", "Sha256=\(unicodeVector.uppercased())"] {
            #expect(WebhookSignature.isValid(body: body, header: header, appSecret: secret), "\(header)")
        }
        for header in ["sha256\u{1D}\(unicodeVector)", "sha256 \(unicodeVector)", "sha1=\(unicodeVector)", "sha256=\(unicodeVector)0",
                       "sha256=\(unicodeVector.dropLast())", "sha256=\(unicodeVector.dropLast())g", "sha256=\(unicodeVector.dropLast())é",
                       "\u{A0}sha256=\(unicodeVector)", "", "sha256="] {
            #expect(!WebhookSignature.isValid(body: body, header: header, appSecret: secret), "\(header)")
        }
    }

    @Test func tamperedBodyFails() throws {
        var body = try Fixture.data("messenger/unicode.json")
        body[body.count / 2] ^= 0x01
        #expect(!WebhookSignature.isValid(body: body, header: "sha256=\(unicodeVector)", appSecret: secret))
        // Re-serializing the JSON (real characters instead of \u escapes) breaks the signature too.
        let original = try Fixture.data("messenger/unicode.json")
        let reserialized = try JSONSerialization.data(withJSONObject: JSONSerialization.jsonObject(with: original))
        #expect(!WebhookSignature.isValid(body: reserialized, header: "sha256=\(unicodeVector)", appSecret: secret))
    }

    @Test func wrongSecretFails() throws {
        let body = try Fixture.data("messenger/unicode.json")
        #expect(!WebhookSignature.isValid(body: body, header: "sha256=\(unicodeVector)", appSecret: "other"))
        #expect(!WebhookSignature.isValid(body: body, header: "sha256=\(unicodeVector)", appSecret: ""))
    }

    @Test(arguments: [
        nil, "", "sha256=", "sha1=\(String(repeating: "a", count: 40))",
        "2a62ceedbf38010f4c333f958818809c95783d89f908d95c1e25c3f11aff584e",
        "sha256=2a62ceedbf38010f4c333f958818809c95783d89f908d95c1e25c3f11aff584",
        "sha256=2a62ceedbf38010f4c333f958818809c95783d89f908d95c1e25c3f11aff584e00",
        "sha256=2a62ceedbf38010f4c333f958818809c95783d89f908d95c1e25c3f11aff584g",
        "sha256 2a62ceedbf38010f4c333f958818809c95783d89f908d95c1e25c3f11aff584e",
        "sha256=zz62ceedbf38010f4c333f958818809c95783d89f908d95c1e25c3f11aff58",
    ] as [String?])
    func malformedHeaderFails(header: String?) throws {
        let body = try Fixture.data("messenger/unicode.json")
        #expect(!WebhookSignature.isValid(body: body, header: header, appSecret: secret))
    }

    @Test func overloadsAgree() throws {
        let data = try Fixture.data("messenger/unicode.json")
        let bytes = [UInt8](data)
        let header = WebhookSignature.sign(body: bytes, appSecret: secret)
        #expect(WebhookSignature.sign(body: data, appSecret: secret) == header)
        #expect(WebhookSignature.isValid(body: bytes, header: header, appSecret: secret))
        #expect(bytes.withUnsafeBytes { WebhookSignature.isValid(body: $0, header: header, appSecret: secret) })
    }
}
