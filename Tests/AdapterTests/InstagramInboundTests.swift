import ChorusCore
import Foundation
import InstagramAdapter
import MetaWebhook
import Testing

/// Instagram webhook bodies → normalized events, against recorded payloads.
@Suite struct InstagramInboundTests {
    let account = "17841400000000001", user = "980000000000001"

    @Test func messagesStoriesSharesDeletions() throws {
        let events = try InstagramInbound.decode(Fixture.data("instagram/messages.json"))
        #expect(events.map(\.kind) == [.message, .message, .message, .message, .message, .message, .deleted, .unsupported, .message])
        for e in events {
            #expect(e.platform == .instagram)
            #expect(e.conversation == ConversationRef(platform: .instagram, account: account, kind: .direct, id: user))
        }
        #expect(events[0].text == "Do you ship to Lyon?")
        #expect(events[0].timestamp == 1764403600001)
        #expect(events[0].dedupKey == "instagram:\(account):mid:aWdfZAG1faXRlbTox")
        #expect(events[1].replyTo == "aWdfZAG1faXRlbTox")

        // A story reply: the story is the thing replied to, kept as an attachment.
        #expect(events[2].text == "Love this story!")
        #expect(events[2].replyTo == "17900000000000042")
        #expect(events[2].attachments == [Attachment(kind: .ighStory, url: "https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=1790", title: "17900000000000042")])

        #expect(events[3].attachments.map(\.kind) == [.storyMention])
        #expect(events[3].attachments[0].url == "https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=1791")
        #expect(events[4].attachments.map(\.kind) == [.reel])
        #expect(events[4].attachments[0].title == "Reel caption")
        #expect(events[4].attachments[0].detail?.contains(#""reel_video_id":"18000000000000007""#) == true)
        #expect(events[5].attachments.map(\.kind) == [.share])

        // Unsend: same mid as the original message, a different key.
        #expect(events[6].messageID == "aWdfZAG1faXRlbTox")
        #expect(events[6].dedupKey == "instagram:\(account):deleted:aWdfZAG1faXRlbTox")
        #expect(events[6].dedupKey != events[0].dedupKey)
        #expect(events[7].messageID == "aWdfZAG1faXRlbTo3")
        #expect(events[7].dedupKey == "instagram:\(account):mid:aWdfZAG1faXRlbTo3")
        #expect(events[8].attachments.map(\.kind) == [.image, .reel])
    }

    @Test func seenReactionsPostbacksReferralsEchoesChanges() throws {
        let events = try InstagramInbound.decode(Fixture.data("instagram/events.json"))
        #expect(events.map(\.kind) == [.read, .reaction, .postback, .referral, .echo, .unsupported])
        #expect(events[0].messageID == "aWdfZAG1faXRlbTpPVVQx")
        #expect(events[0].dedupKey == "instagram:\(account):read:\(user):aWdfZAG1faXRlbTpPVVQx")
        #expect(events[1].detail == "\u{2764}")
        #expect(events[1].replyTo == "aWdfZAG1faXRlbTpPVVQx")
        #expect(events[2].text == "Opening hours")
        #expect(events[2].payload == "HOURS")
        #expect(events[2].messageID == "aWdfZAG1faXRlbTpQQjE=")
        #expect(events[3].payload == "bio-link")
        #expect(events[4].conversation.id == user)
        #expect(events[4].sender?.id == account)
        #expect(events[4].text == "We are open 9 to 5.")
        // A comment change is not a message: kept, unsupported, with its raw JSON.
        #expect(events[5].raw.contains(#""field":"comments""#))
        #expect(events[5].detail == "entry change \"comments\" is not decoded")
        #expect(events[5].conversation.account == account)
    }

    @Test func pageBodyIsWrongObject() throws {
        #expect(throws: WebhookDecodeError.wrongObject(expected: "instagram", got: "page")) {
            try InstagramInbound.decode(Fixture.data("messenger/batched.json"))
        }
    }
}
