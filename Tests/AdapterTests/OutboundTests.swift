import ChorusCore
import Foundation
import InstagramAdapter
import MessengerAdapter
import MetaWebhook
import Testing
import WhatsAppAdapter

/// `Reply` → Send API requests, compared as exact JSON (sorted keys).
@Suite struct OutboundTests {
    func text(_ request: SendRequest) -> String { String(decoding: request.body, as: UTF8.self) }

    let messengerUser = ConversationRef(platform: .messenger, account: "104000000000001", kind: .direct, id: "7100000000000001")
    let instagramUser = ConversationRef(platform: .instagram, account: "17841400000000001", kind: .direct, id: "980000000000001")
    let whatsappUser = ConversationRef(platform: .whatsapp, account: "106540352242922", kind: .direct, id: "16505551234")
    let whatsappGroup = ConversationRef(platform: .whatsapp, account: "106540352242922", kind: .group, id: "GRP.ABC123")

    @Test func messengerText() {
        let request = MessengerOutbound.render(Reply(conversation: messengerUser, text: "Hi Ana"))
        #expect(request.path == "104000000000001/messages")
        #expect(request.method == "POST")
        #expect(text(request) == #"{"message":{"text":"Hi Ana"},"messaging_type":"RESPONSE","recipient":{"id":"7100000000000001"}}"#)
    }

    @Test func instagramText() {
        let request = InstagramOutbound.render(Reply(conversation: instagramUser, text: "Ça marche \u{1F44D}", quoting: "mid.x"))
        #expect(request.path == "17841400000000001/messages")
        #expect(text(request) == #"{"message":{"text":"Ça marche 👍"},"messaging_type":"RESPONSE","recipient":{"id":"980000000000001"}}"#)
    }

    @Test func messengerAndInstagramSenderActions() throws {
        let event = try #require(MessengerInbound.decode(Fixture.data("messenger/batched.json")).first)
        let seen = try #require(MessengerOutbound.markRead(event))
        #expect(seen.path == "104000000000001/messages")
        #expect(text(seen) == #"{"recipient":{"id":"7100000000000001"},"sender_action":"mark_seen"}"#)
        let typing = try #require(MessengerOutbound.typing(event))
        #expect(text(typing) == #"{"recipient":{"id":"7100000000000001"},"sender_action":"typing_on"}"#)
        let off = InstagramOutbound.senderAction(.typingOff, in: instagramUser)
        #expect(off.path == "17841400000000001/messages")
        #expect(text(off) == #"{"recipient":{"id":"980000000000001"},"sender_action":"typing_off"}"#)
    }

    @Test func whatsappDirectText() {
        let request = WhatsAppOutbound.render(Reply(conversation: whatsappUser, text: "Hello \"Sheena\""))
        #expect(request.path == "106540352242922/messages")
        #expect(text(request) == #"{"messaging_product":"whatsapp","recipient_type":"individual","text":{"body":"Hello \"Sheena\""},"to":"16505551234","type":"text"}"#)
    }

    @Test func whatsappGroupQuotedText() {
        let request = WhatsAppOutbound.render(Reply(conversation: whatsappGroup, text: "It is 9 pm in Tokyo.", quoting: "wamid.G1"))
        #expect(request.path == "106540352242922/messages")
        #expect(text(request) == #"{"context":{"message_id":"wamid.G1"},"messaging_product":"whatsapp","recipient_type":"group","text":{"body":"It is 9 pm in Tokyo."},"to":"GRP.ABC123","type":"text"}"#)
    }

    @Test func whatsappBusinessScopedRecipient() {
        var user = whatsappUser
        user.id = "user.aaa111"
        let request = WhatsAppOutbound.render(Reply(conversation: user, text: "ok"))
        #expect(text(request) == #"{"messaging_product":"whatsapp","recipient":"user.aaa111","recipient_type":"individual","text":{"body":"ok"},"type":"text"}"#)
    }

    @Test func whatsappReadAndTyping() throws {
        let event = try #require(WhatsAppInbound.decode(Fixture.data("whatsapp/text_block2.json")).first)
        let read = try #require(WhatsAppOutbound.markRead(event))
        #expect(read.path == "106540352242922/messages")
        #expect(text(read) == #"{"message_id":"wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTA2NTUwRkNEMDdFQjJCRUU0NQA=","messaging_product":"whatsapp","status":"read"}"#)
        let typing = try #require(WhatsAppOutbound.typing(event))
        #expect(text(typing) == #"{"message_id":"wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTA2NTUwRkNEMDdFQjJCRUU0NQA=","messaging_product":"whatsapp","status":"read","typing_indicator":{"type":"text"}}"#)
    }

    @Test func whatsappGroupsGetNoReadReceipts() throws {
        let event = try #require(WhatsAppInbound.decode(Fixture.data("whatsapp/chorus_group.json")).first)
        #expect(event.conversation.isGroup)
        #expect(WhatsAppOutbound.markRead(event) == nil)
        #expect(WhatsAppOutbound.typing(event) == nil)
    }
}
