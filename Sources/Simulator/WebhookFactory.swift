import ChorusCore
import Foundation

/// Builds webhook bodies in each platform's real shape (field names, id formats, timestamps),
/// as Meta's documentation shows them. The simulator, the tests and the benchmarks share it.
public struct WebhookFactory: Sendable {
    /// The business side: page id, Instagram account id or WhatsApp `phone_number_id`.
    public var account: String
    /// The WhatsApp business number shown as `display_phone_number`.
    public var displayPhoneNumber: String
    /// Whether WhatsApp contacts carry a business-scoped `user_id` (Meta's newer payloads; some
    /// client libraries require it), derived from the phone number.
    public var businessScopedUserIDs = false

    /// Creates a factory for one business account.
    public init(account: String = "106540352242922", displayPhoneNumber: String = "15550783881") {
        self.account = account
        self.displayPhoneNumber = displayPhoneNumber
    }

    /// One inbound text message from `user`, as the platform delivers it.
    public struct TextMessage: Sendable {
        /// The sender: PSID, IGSID or WhatsApp `wa_id`.
        public var user: String
        /// The sender's display name (WhatsApp contacts[].profile.name).
        public var name: String
        /// The message id: `m_…` (Messenger/Instagram) or `wamid.…` (WhatsApp).
        public var id: String
        /// The text.
        public var text: String
        /// Milliseconds since 1970.
        public var timestamp: Int64
        /// The WhatsApp group the message was sent in, if any.
        public var groupID: String?
        /// The message this one quote-replies to, if any.
        public var replyTo: String?

        /// Creates a message.
        public init(user: String, name: String, id: String, text: String, timestamp: Int64, groupID: String? = nil,
                    replyTo: String? = nil) {
            self.user = user
            self.name = name
            self.id = id
            self.text = text
            self.timestamp = timestamp
            self.groupID = groupID
            self.replyTo = replyTo
        }
    }

    /// A body carrying `messages` for `platform`, batched the way Meta batches: one entry per
    /// message for Messenger/Instagram (`entry[].messaging[]`), one change per message for WhatsApp.
    public func body(platform: Platform, messages: [TextMessage]) throws -> [UInt8] {
        switch platform {
        case .messenger, .instagram: try MetaJSON.body(messagingBody(platform: platform, messages: messages))
        case .whatsapp: try MetaJSON.body(whatsAppBody(messages: messages))
        }
    }

    private func messagingBody(platform: Platform, messages: [TextMessage]) -> JSONValue {
        .object([
            "object": .string(platform.webhookObject),
            "entry": .array(messages.map { m in
                var message: [String: JSONValue] = ["mid": .string(m.id), "text": .string(m.text)]
                if let quoted = m.replyTo { message["reply_to"] = .object(["mid": .string(quoted)]) }
                return .object([
                    "id": .string(account),
                    "time": .number(Double(m.timestamp)),
                    "messaging": .array([.object([
                        "sender": .object(["id": .string(m.user)]),
                        "recipient": .object(["id": .string(account)]),
                        "timestamp": .number(Double(m.timestamp)),
                        "message": .object(message),
                    ])]),
                ])
            }),
        ])
    }

    private func whatsAppBody(messages: [TextMessage]) -> JSONValue {
        .object([
            "object": .string(Platform.whatsapp.webhookObject),
            "entry": .array([.object([
                "id": .string("102290129340398"),
                "changes": .array(messages.map { m in
                    var message: [String: JSONValue] = [
                        "from": .string(m.user),
                        "id": .string(m.id),
                        "timestamp": .string(String(m.timestamp / 1000)),
                        "type": .string("text"),
                        "text": .object(["body": .string(m.text)]),
                    ]
                    if let group = m.groupID { message["group_id"] = .string(group) }
                    if let quoted = m.replyTo { message["context"] = .object(["from": .string(displayPhoneNumber), "id": .string(quoted)]) }
                    return .object([
                        "field": .string("messages"),
                        "value": .object([
                            "messaging_product": .string("whatsapp"),
                            "metadata": .object([
                                "display_phone_number": .string(displayPhoneNumber),
                                "phone_number_id": .string(account),
                            ]),
                            "contacts": .array([.object(contact(m))]),
                            "messages": .array([.object(message)]),
                        ]),
                    ])
                }),
            ])]),
        ])
    }
}

extension WebhookFactory {
    /// A WhatsApp `contacts[]` entry for the sender of `m`.
    func contact(_ m: TextMessage) -> [String: JSONValue] {
        var contact: [String: JSONValue] = ["profile": .object(["name": .string(m.name)]), "wa_id": .string(m.user)]
        if businessScopedUserIDs { contact["user_id"] = .string("US.\(m.user)") }
        return contact
    }

    /// A message id in the platform's shape, unique for (`conversation`, `sequence`, `salt`).
    public static func messageID(platform: Platform, conversation: Int, sequence: Int, salt: UInt64) -> String {
        let core = String(format: "%016llx%08x%08x", salt, conversation, sequence)
        switch platform {
        case .messenger, .instagram: return "m_\(core)"
        case .whatsapp: return "wamid.HBgL\(core)FQIAEhgU"
        }
    }

    /// A user id in the platform's shape: a 16-digit PSID/IGSID, or a phone number for WhatsApp.
    public static func userID(platform: Platform, index: Int) -> String {
        switch platform {
        case .messenger, .instagram: String(format: "7%015d", index)
        case .whatsapp: String(format: "1555%07d", index)
        }
    }
}
