import ChorusCore
import Foundation
import InstagramAdapter
import MessengerAdapter
import MetaWebhook
import Testing
import WhatsAppAdapter

/// Dedup keys: platform-prefixed, with the account, and the same for the same item however Meta
/// happens to format it on redelivery.
@Suite struct DedupKeyTests {
    @Test func hashedKeysIgnoreKeyOrderAndWhitespace() throws {
        let a = #"{"object":"page","entry":[{"id":"1","messaging":[{"sender":{"id":"u"},"timestamp":5,"optin":{"ref":"x","user_ref":"y"}}]}]}"#
        let b = """
        { "entry": [ { "messaging": [ { "optin": { "user_ref": "y", "ref": "x" }, "timestamp": 5,
          "sender": { "id": "u" } } ], "id": "1" } ], "object": "page" }
        """
        let ka = try MessengerInbound.decode(Data(a.utf8)).map(\.dedupKey)
        let kb = try MessengerInbound.decode(Data(b.utf8)).map(\.dedupKey)
        #expect(ka == kb)
        #expect(ka.count == 1)
        // The SHA-256 of the canonical raw text, computed independently with:
        // printf '%s' '{"optin":{"ref":"x","user_ref":"y"},"sender":{"id":"u"},"timestamp":5}' | sha256sum
        #expect(ka[0] == "messenger:1:sha256:21254213d696e1e4bac2d5a99bfa078ed734c627a547dc0c847a94a06f07a8fb")
    }

    @Test func keysNameThePlatformAndAccount() throws {
        let ig = try InstagramInbound.decode(Fixture.data("instagram/messages.json"))
        #expect(ig.allSatisfy { $0.dedupKey.hasPrefix("instagram:17841400000000001:") })
        let wa = try WhatsAppInbound.decode(Fixture.data("whatsapp/chorus_batched.json"))
        #expect(wa.map(\.dedupKey) == [
            "whatsapp:106540352242922:wamid:wamid.B1",
            "whatsapp:106540352242922:wamid:wamid.B2",
            "whatsapp:106540352242922:wamid:wamid.B3",
            "whatsapp:106540352242922:status:wamid.OUT1:read",
            "whatsapp:200000000000002:wamid:wamid.C1",
        ])
    }

    @Test func sameMessageOnTwoAccountsIsTwoEvents() throws {
        let body = try String(decoding: Fixture.data("messenger/unicode.json"), as: UTF8.self)
        let other = body.replacingOccurrences(of: "104000000000001", with: "104000000000009")
        let k1 = try MessengerInbound.decode(Data(body.utf8))[0].dedupKey
        let k2 = try MessengerInbound.decode(Data(other.utf8))[0].dedupKey
        #expect(k1 == "messenger:104000000000001:mid:m_UNI1")
        #expect(k2 == "messenger:104000000000009:mid:m_UNI1")
    }

    @Test func decodersPlayTheirRole() throws {
        func platform<D: InboundDecoder>(of _: D.Type) -> Platform { D.platform }
        #expect(platform(of: MessengerInbound.self) == .messenger)
        #expect(platform(of: InstagramInbound.self) == .instagram)
        #expect(platform(of: WhatsAppInbound.self) == .whatsapp)
        #expect(WebhookDecodeError.malformed("x").description == "the body is JSON but not a webhook: x")
        #expect(WebhookDecodeError.wrongObject(expected: "page", got: nil).description == #"the webhook has no "object" field, expected "page""#)
    }
}
