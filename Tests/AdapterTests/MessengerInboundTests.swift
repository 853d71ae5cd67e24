import ChorusCore
import Foundation
import MessengerAdapter
import MetaWebhook
import Testing

/// Messenger webhook bodies → normalized events, against recorded payloads.
@Suite struct MessengerInboundTests {
    @Test func batchedBodyYieldsEveryItemOfEveryEntry() throws {
        let events = try MessengerInbound.decode(Fixture.data("messenger/batched.json"))
        #expect(events.count == 6)
        #expect(events.map(\.messageID) == ["m_AAA111", "m_AAA112", "m_AAA113", "m_BBB211", "m_BBB212", "m_BBB213"])

        let first = events[0]
        #expect(first.platform == .messenger)
        #expect(first.kind == .message)
        #expect(first.conversation == ConversationRef(platform: .messenger, account: "104000000000001", kind: .direct, id: "7100000000000001"))
        #expect(first.sender == Participant(id: "7100000000000001"))
        #expect(first.timestamp == 1764403200123)
        #expect(first.text == "Hello there")
        #expect(first.attachments.isEmpty)
        #expect(first.dedupKey == "messenger:104000000000001:mid:m_AAA111")
        #expect(first.raw.contains(#""mid":"m_AAA111""#))

        #expect(events[1].payload == "COLOR_RED")
        #expect(events[1].text == "Red")
        #expect(events[2].replyTo == "m_AAA100")
        #expect(events[2].conversation.id == "7100000000000002")

        // The second entry is another page: its events route there.
        #expect(events[3].conversation.account == "104000000000002")
        #expect(events[4].kind == .postback)
        #expect(events[4].text == "Get Started")
        #expect(events[4].payload == "GET_STARTED")
        #expect(events[4].dedupKey == "messenger:104000000000002:postback:m_BBB212")
        // standby[] items are taken too.
        #expect(events[5].kind == .message)
        #expect(events[5].text == "While another app owns the thread")
        #expect(events[5].detail == "standby")
        #expect(events[0].detail == nil)
    }

    @Test func attachmentsOfEveryType() throws {
        let events = try MessengerInbound.decode(Fixture.data("messenger/attachments.json"))
        #expect(events.count == 2)
        let a = events[0].attachments
        #expect(a.map(\.kind) == [.image, .audio, .video, .file, .sticker, .location, .fallback, .template, .unknown])
        #expect(a[0].url == "https://scontent.xx.fbcdn.net/v/image.jpg")
        #expect(a[0].detail == nil)
        #expect(a[3].url == "https://cdn.fbsbx.com/v/report.pdf")
        #expect(a[4].detail?.contains(#""sticker_id":369239263222822"#) == true)
        #expect(a[5].detail == #"{"coordinates":{"lat":48.8584,"long":2.2945}}"#)
        #expect(a[6].title == "An article")
        #expect(a[7].detail?.contains(#""template_type":"generic""#) == true)
        #expect(a[8].detail == #"{"payload":{"beam":3},"type":"hologram"}"#)
        #expect(events[0].text == nil)

        #expect(events[1].text == "see this")
        #expect(events[1].attachments == [Attachment(kind: .share, url: "https://example.com/p/1", title: "Shared post")])
    }

    @Test func reactionsReceiptsReferralsPostbacksEchoes() throws {
        let events = try MessengerInbound.decode(Fixture.data("messenger/events.json"))
        #expect(events.map(\.kind) == [.reaction, .reaction, .read, .delivery, .referral, .postback, .echo, .unsupported, .unsupported])
        let account = "104000000000001", user = "7100000000000001"

        let react = events[0]
        #expect(react.replyTo == "m_AAA111")
        #expect(react.detail == "\u{2764}\u{FE0F}")
        #expect(react.payload == "react")
        #expect(react.dedupKey == "messenger:\(account):reaction:m_AAA111:\(user):react:\u{2764}\u{FE0F}")
        let unreact = events[1]
        #expect(unreact.detail == "")
        #expect(unreact.dedupKey == "messenger:\(account):reaction:m_AAA111:\(user):unreact:")

        #expect(events[2].detail == "1764403399000")
        #expect(events[2].dedupKey == "messenger:\(account):read:\(user):1764403399000")
        #expect(events[3].messageID == "m_OUT1")
        #expect(events[3].detail == "1764403398000")
        #expect(events[3].dedupKey == "messenger:\(account):delivery:\(user):1764403398000")

        #expect(events[4].payload == "spring-sale")
        #expect(events[4].detail == "SHORTLINK")
        #expect(events[4].dedupKey.hasPrefix("messenger:\(account):sha256:"))

        // A postback without mid is keyed by sender, timestamp and payload.
        #expect(events[5].text == "Talk to a human")
        #expect(events[5].dedupKey == "messenger:\(account):postback:\(user):1764403400006:HUMAN")

        // An echo: the conversation is the recipient user; the sender is the page.
        let echo = events[6]
        #expect(echo.conversation == ConversationRef(platform: .messenger, account: account, kind: .direct, id: user))
        #expect(echo.sender?.id == account)
        #expect(echo.text == "Hi! How can I help?")
        #expect(echo.dedupKey == "messenger:\(account):mid:m_ECHO1")

        // Items we do not decode are kept whole.
        #expect(events[7].raw.contains(#""optin""#))
        #expect(events[7].conversation.id == user)
        #expect(events[7].timestamp == 1764403400008)
        #expect(events[8].raw.contains(#""message_edit""#))
        #expect(events[8].detail?.contains("no known event field") == true)
    }

    @Test func escapedUnicodeBecomesRealCharacters() throws {
        let events = try MessengerInbound.decode(Fixture.data("messenger/unicode.json"))
        #expect(events.count == 1)
        #expect(events[0].text == "Caf\u{e9} cr\u{e8}me, \u{65e5}\u{672c}\u{8a9e}, \u{1F600} and \"quotes\" \\/ ok")
        // The stored raw JSON keeps the real characters too.
        #expect(events[0].raw.contains("Café crème"))
    }

    @Test func sameInputSameKeys() throws {
        let body = try Fixture.data("messenger/events.json")
        let a = try MessengerInbound.decode(body), b = try MessengerInbound.decode(body)
        #expect(a.map(\.dedupKey) == b.map(\.dedupKey))
        #expect(Set(a.map(\.dedupKey)).count == a.count)
        #expect(a == b)
    }

    @Test func instagramBodyIsWrongObject() throws {
        #expect(throws: WebhookDecodeError.wrongObject(expected: "page", got: "instagram")) {
            try MessengerInbound.decode(Fixture.data("instagram/messages.json"))
        }
    }
}
