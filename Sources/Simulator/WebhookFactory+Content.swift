import ChorusCore
import Foundation

extension WebhookFactory {
    /// What a person sends, beyond plain text.
    public enum Content: Sendable {
        /// Text.
        case text(String)
        /// A picture: a WhatsApp media id (served by the fake Graph API) or a Messenger/Instagram URL.
        case image(mediaIDOrURL: String, mimeType: String, sha256: String, caption: String?)
        /// A reaction to a message (empty emoji: removed).
        case reaction(to: String, emoji: String)
        /// A button press: Messenger/Instagram postback, WhatsApp interactive button reply.
        case button(title: String, payload: String)
    }

    /// A body carrying one item of `content` from `user`, in the platform's real shape.
    public func body(platform: Platform, user: String, name: String, id: String, timestamp: Int64, group: String? = nil,
                     replyTo: String? = nil, content: Content) throws -> [UInt8] {
        if case .text(let text) = content {
            return try body(platform: platform, messages: [TextMessage(user: user, name: name, id: id, text: text,
                                                                       timestamp: timestamp, groupID: group, replyTo: replyTo)])
        }
        switch platform {
        case .messenger, .instagram:
            var item: [String: JSONValue] = [
                "sender": .object(["id": .string(user)]), "recipient": .object(["id": .string(account)]),
                "timestamp": .number(Double(timestamp)),
            ]
            switch content {
            case .image(let url, _, _, _):
                item["message"] = .object(["mid": .string(id), "attachments": .array([.object([
                    "type": .string("image"), "payload": .object(["url": .string(url)]),
                ])])])
            case .reaction(let target, let emoji):
                item["reaction"] = .object(["mid": .string(target), "action": .string(emoji.isEmpty ? "unreact" : "react"),
                                            "emoji": .string(emoji), "reaction": .string("other")])
            case .button(let title, let payload):
                item["postback"] = .object(["mid": .string(id), "title": .string(title), "payload": .string(payload)])
            case .text: break
            }
            return try MetaJSON.body(JSONValue.object([
                "object": .string(platform.webhookObject),
                "entry": .array([.object(["id": .string(account), "time": .number(Double(timestamp)), "messaging": .array([.object(item)])])]),
            ]))
        case .whatsapp:
            var message: [String: JSONValue] = [
                "from": .string(user), "id": .string(id), "timestamp": .string(String(timestamp / 1000)),
            ]
            if let group { message["group_id"] = .string(group) }
            if let replyTo { message["context"] = .object(["from": .string(displayPhoneNumber), "id": .string(replyTo)]) }
            switch content {
            case .image(let mediaID, let mime, let sha, let caption):
                message["type"] = .string("image")
                var image: [String: JSONValue] = ["id": .string(mediaID), "mime_type": .string(mime), "sha256": .string(sha)]
                if let caption { image["caption"] = .string(caption) }
                message["image"] = .object(image)
            case .reaction(let target, let emoji):
                message["type"] = .string("reaction")
                message["reaction"] = .object(["message_id": .string(target), "emoji": .string(emoji)])
            case .button(let title, let payload):
                message["type"] = .string("interactive")
                message["interactive"] = .object(["type": .string("button_reply"),
                                                  "button_reply": .object(["id": .string(payload), "title": .string(title)])])
            case .text: break
            }
            return try MetaJSON.body(JSONValue.object([
                "object": .string(Platform.whatsapp.webhookObject),
                "entry": .array([.object(["id": .string("102290129340398"), "changes": .array([.object([
                    "field": .string("messages"),
                    "value": .object([
                        "messaging_product": .string("whatsapp"),
                        "metadata": .object(["display_phone_number": .string(displayPhoneNumber), "phone_number_id": .string(account)]),
                        "contacts": .array([.object(["profile": .object(["name": .string(name)]), "wa_id": .string(user)])]),
                        "messages": .array([.object(message)]),
                    ]),
                ])])])]),
            ]))
        }
    }
}
