import ChorusCore
import Foundation
import MetaWebhook
import Testing
import WhatsAppAdapter

/// WhatsApp webhook bodies → normalized events, against Meta's documented examples
/// (`Fixtures/whatsapp/*_block*.json`, see SOURCE.txt) and our own batched and group payloads.
@Suite struct WhatsAppInboundTests {
    let pnid = "106540352242922"
    let sheena = Participant(id: "16505551234", name: "Sheena Nelson")

    func one(_ file: String) throws -> InboundEvent {
        let events = try WhatsAppInbound.decode(Fixture.data("whatsapp/\(file).json"))
        try #require(events.count == 1)
        return events[0]
    }

    @Test func everyMetaExampleDecodesWithoutThrowing() throws {
        for file in try Fixture.jsonFiles(in: "whatsapp") {
            let events = try WhatsAppInbound.decode(Fixture.data("whatsapp/\(file)"))
            #expect(!events.isEmpty, "\(file)")
            for e in events {
                #expect(e.platform == .whatsapp)
                #expect(e.dedupKey.hasPrefix("whatsapp:"), "\(file)")
                #expect(!e.raw.isEmpty)
            }
        }
    }

    @Test func textWithQuotedProduct() throws {
        let e = try one("text_block2")
        #expect(e.kind == .message)
        #expect(e.conversation == ConversationRef(platform: .whatsapp, account: pnid, kind: .direct, id: "16505551234"))
        #expect(e.sender == sheena)
        #expect(e.messageID == "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTA2NTUwRkNEMDdFQjJCRUU0NQA=")
        #expect(e.timestamp == 1_750_016_800_000)
        #expect(e.text == "Is this still available?")
        #expect(e.replyTo == "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGA9wcm9kdWN0X2lucXVpcnkA")
        #expect(!e.forwarded)
        #expect(e.dedupKey == "whatsapp:\(pnid):wamid:wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTA2NTUwRkNEMDdFQjJCRUU0NQA=")
        #expect(e.raw.hasPrefix(#"{"context":{"from":"15550783881""#))
    }

    @Test func adReferralTextKeepsText() throws {
        let e = try one("text_block3")
        #expect(e.kind == .message)
        #expect(e.text == "Can I get more info about this?")
        #expect(e.raw.contains(#""ctwa_clid""#))
    }

    @Test func media() throws {
        let image = try one("image_block1")
        #expect(image.text == "Taj Mahal")
        #expect(image.attachments == [Attachment(
            kind: .image, url: "https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=133...",
            mediaID: "1003383421387256", mimeType: "image/jpeg", caption: "Taj Mahal",
            sha256: "SfInY0gGKTsJlUWbwxC1k+FAD0FZHvzwfpvO0zX0GUI=")])
        let audio = try one("audio_block1")
        #expect(audio.attachments.map(\.kind) == [.audio])
        #expect(audio.attachments[0].mimeType == "audio/ogg; codecs=opus")
        #expect(audio.attachments[0].mediaID == "1908647269898587")
        #expect(audio.text == nil)
        let video = try one("video_block1")
        #expect(video.attachments.map(\.kind) == [.video])
        #expect(video.text == "Timelapse of growth")
        let document = try one("document_block1")
        #expect(document.attachments.map(\.kind) == [.file])
        #expect(document.attachments[0].title == "receipt.pdf")
        #expect(document.attachments[0].mimeType == "application/pdf")
        #expect(document.text == "my receipt")
        let sticker = try one("sticker_block1")
        #expect(sticker.attachments.map(\.kind) == [.sticker])
        #expect(sticker.attachments[0].mimeType == "image/webp")
    }

    @Test func locationAndContacts() throws {
        let place = try one("location_block1")
        #expect(place.kind == .message)
        let a = try #require(place.attachments.first)
        #expect(a.kind == .location)
        #expect(a.title == "Philz Coffee")
        #expect(a.caption == "101 Forest Ave, Palo Alto, CA 94301")
        #expect(a.url == "https://philzcoffee.com/")
        #expect(a.detail?.contains(#""latitude":37.44221496582"#) == true)

        let card = try one("contacts_block1")
        #expect(card.attachments.map(\.kind) == [.contacts])
        #expect(card.attachments[0].title == "Barbara J. Johnson")
        #expect(card.attachments[0].detail?.contains(#""wa_id":"14125550829""#) == true)
    }

    @Test func buttonsListsAndTemplateButtons() throws {
        let button = try one("interactive-reply-buttons-messages_block4")
        #expect(button.kind == .message)
        #expect(button.text == "Change")
        #expect(button.payload == "change-button")
        #expect(button.sender?.name == "Pablo Morales")
        let list = try one("interactive-list-messages_block3")
        #expect(list.text == "Priority Mail Express")
        #expect(list.payload == "priority_express")
        #expect(list.replyTo == "wamid.HBgLMTY0NjcwNDM1OTUVAgARGBIwMjg0RkMxOEMyMkNEQUFFRDgA")
        let template = try one("button_block1")
        #expect(template.text == "Unsubscribe")
        #expect(template.payload == "Unsubscribe")
        let auth = try one("autofill-button-authentication-templates_block3")
        #expect(auth.text == "I didn't request a code")
        #expect(auth.payload == "DID_NOT_REQUEST_CODE")
    }

    @Test func reactions() throws {
        let removed = try one("reaction_block1")
        #expect(removed.kind == .reaction)
        #expect(removed.replyTo == "wamid.HBgLMTQxMjU1NTA4MjkVAgASGBQzQUNCNjk5RDUwNUZGMUZEM0VBRAA=")
        #expect(removed.detail == "")
        #expect(removed.messageID == "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQUFERjg0NDEzNDdFODU3MUMxMAA=")
        let absent = try one("reaction_block2")
        #expect(absent.detail == "")
    }

    @Test func ordersSystemAndUnsupported() throws {
        let order = try one("order_block1")
        #expect(order.kind == .message)
        #expect(order.text == "Love these!")
        #expect(order.attachments.first?.title == "order")
        #expect(order.attachments.first?.detail?.contains(#""product_retailer_id":"di9ozbzfi4""#) == true)

        let system = try one("system_block1")
        #expect(system.kind == .system)
        #expect(system.detail == "user_changed_number")
        #expect(system.text == "User Sheena Nelson changed from 16505551234 to 12195555358")
        // System messages carry no contacts: the sender is the `from` number, unnamed.
        #expect(system.sender == Participant(id: "16505551234"))

        let unsupported = try one("unsupported_block1")
        #expect(unsupported.kind == .unsupported)
        #expect(unsupported.detail == "message type unsupported (edit) is not decoded")
        #expect(unsupported.text == "131051 Message type unknown: Message type is currently not supported.")
        // It has a wamid, so redeliveries still collapse.
        #expect(unsupported.dedupKey == "whatsapp:\(pnid):wamid:wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQUFERjg0NDEzNDdFODU3MUMxMAA=")

        let payment = try one("one-click-payments_block1")
        #expect(payment.kind == .unsupported)
        #expect(payment.detail == "interactive type payment_method is not decoded")
    }

    @Test func statuses() throws {
        let sent = try one("status_block1")
        #expect(sent.kind == .status)
        #expect(sent.detail == "sent")
        #expect(sent.messageID == "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQUFERjg0NDEzNDdFODU3MUMxMAA=")
        #expect(sent.conversation == ConversationRef(platform: .whatsapp, account: pnid, kind: .direct, id: "16505551234"))
        #expect(sent.timestamp == 1_750_030_073_000)
        #expect(sent.dedupKey == "whatsapp:\(pnid):status:wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQUFERjg0NDEzNDdFODU3MUMxMAA=:sent")

        let failed = try one("status_block3")
        #expect(failed.detail == "failed")
        #expect(failed.text?.hasPrefix("131049 This message was not delivered") == true)
        #expect(failed.payload == "131049")
        #expect(sent.payload == nil)

        let delivered = try one("messages_block1")
        #expect(delivered.detail == "delivered")
        #expect(delivered.dedupKey.hasSuffix(":delivered"))
    }

    @Test func businessScopedUserIDsKeyUsersFirst() throws {
        let bsuid = "user.9373795779eb6441c8adb2eaee5b848e7dd174ddd302d7db62142f4722d574b6"
        // Status with both a phone number and a user_id in contacts: keyed by user_id.
        let both = try one("business-scoped-user-ids_block20")
        #expect(both.conversation.id == bsuid)
        #expect(both.sender == Participant(id: bsuid, name: "Pablo M.", phoneNumber: "16505551234"))
        // Status with an empty recipient_id: recipient_user_id.
        let hidden = try one("business-scoped-user-ids_block21")
        #expect(hidden.conversation.id == bsuid)
        #expect(hidden.sender?.phoneNumber == nil)
        // Message with an empty `from`: from_user_id, named from contacts.
        let message = try one("business-scoped-user-ids_block23")
        #expect(message.kind == .message)
        #expect(message.conversation.id == "user.93737...")
        #expect(message.sender == Participant(id: "user.93737...", name: "Sheena Nelson"))
        #expect(message.text == "Does it come in another color?")
    }

    @Test func valueLevelErrors() throws {
        let e = try one("errors_block1")
        #expect(e.kind == .error)
        #expect(e.detail == "130429")
        #expect(e.conversation.account == pnid)
        #expect(e.text == "130429 Rate limit hit: Message failed to send because there were too many messages sent from this phone number in a short period of time")
        #expect(e.dedupKey.hasPrefix("whatsapp:\(pnid):sha256:"))
        #expect(e.dedupKey.count == "whatsapp:\(pnid):sha256:".count + 64)
        #expect(try one("errors_block1").dedupKey == e.dedupKey)
    }

    @Test func groupMessagesFromMetaDocs() throws {
        let e = try one("group_md_block1_example")
        #expect(e.conversation == ConversationRef(platform: .whatsapp, account: pnid, kind: .group,
                                                  id: "HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA"))
        #expect(e.sender == Participant(id: "16505551234", name: "Tiago Mingo"))
        #expect(e.text == "What does everyone think about this?")
        let status = try one("groups_messaging_md_block1_syntax")
        #expect(status.kind == .status)
        #expect(status.conversation.kind == .group)
        #expect(status.conversation.id == "<GROUP_ID>")
    }

    @Test func groupParticipantsAndStatusesFromOurPayload() throws {
        let events = try WhatsAppInbound.decode(Fixture.data("whatsapp/chorus_group.json"))
        #expect(events.map(\.kind) == [.message, .message, .status, .status, .status])
        let group = ConversationRef(platform: .whatsapp, account: pnid, kind: .group, id: "GRP.ABC123")
        #expect(events[0].conversation == group)
        #expect(events[0].sender == Participant(id: "16505551234", name: "Tiago Mingo"))
        #expect(events[1].conversation == group)
        #expect(events[1].sender == Participant(id: "user.lena42", name: "Lena Park"))
        #expect(events[1].replyTo == "wamid.BOT9")
        #expect(events.dropFirst(2).allSatisfy { $0.conversation == group })
        #expect(events[2].dedupKey == "whatsapp:\(pnid):status:wamid.GOUT1:sent:GRP.ABC123")
        #expect(events[3].dedupKey == "whatsapp:\(pnid):status:wamid.GOUT1:delivered:16505551234")
        #expect(events[4].dedupKey == "whatsapp:\(pnid):status:wamid.GOUT1:delivered:16505550000")
        #expect(events[3].sender?.id == "16505551234")
    }

    @Test func batchedEntriesChangesAndItems() throws {
        let events = try WhatsAppInbound.decode(Fixture.data("whatsapp/chorus_batched.json"))
        #expect(events.map(\.messageID) == ["wamid.B1", "wamid.B2", "wamid.B3", "wamid.OUT1", "wamid.C1"])
        #expect(events.map(\.kind) == [.message, .message, .message, .status, .message])
        // Sheena has a user_id in contacts: her conversation is keyed by it, her number kept.
        #expect(events[0].sender == Participant(id: "user.aaa111", name: "Sheena Nelson", phoneNumber: "16505551234"))
        #expect(events[0].text == "Bonjour, \u{e7}a va ? \u{1F600}")
        #expect(events[1].sender == Participant(id: "16505559999", name: "Pablo Morales"))
        #expect(events[1].forwarded)
        #expect(events[2].forwarded)
        #expect(!events[0].forwarded)
        // The status (another change, no contacts) names the same user by recipient_user_id.
        #expect(events[3].conversation == events[0].conversation)
        #expect(events[3].sender == Participant(id: "user.aaa111", phoneNumber: "16505551234"))
        // The second entry is another business number: it routes there.
        #expect(events[4].conversation.account == "200000000000002")
        #expect(events[4].sender?.name == "Ana")
        #expect(events[4].timestamp == 1_750_000_200_000)
    }

    @Test func messengerBodyIsWrongObject() throws {
        #expect(throws: WebhookDecodeError.wrongObject(expected: "whatsapp_business_account", got: "page")) {
            try WhatsAppInbound.decode(Fixture.data("messenger/batched.json"))
        }
    }
}
