import ChorusCore
import MetaWebhook

/// WhatsApp Cloud API webhook wire types: `object: "whatsapp_business_account"`,
/// `entry[].changes[]` with `field: "messages"` and a `value` holding `metadata`, `contacts[]`,
/// and `messages[]`, `statuses[]` or `errors[]`.
/// https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/messages
public enum WhatsAppPayload {
    /// One `entry[]` element: `id` is the WhatsApp Business Account id.
    public struct Entry: Decodable, Sendable {
        /// The WABA id (not used for routing: `metadata.phone_number_id` is).
        public var id: LenientString?
        /// The changes, each kept raw and typed.
        public var changes: [WebhookItem<Change>]?
    }

    /// One `changes[]` element.
    public struct Change: Decodable, Sendable {
        /// The subscribed field: `messages` is what we decode; others are kept as unsupported.
        public var field: String?
        /// The change's content.
        public var value: Value?
    }

    /// `changes[].value` for `field: "messages"`.
    public struct Value: Decodable, Sendable {
        /// The business phone number the change is for.
        public var metadata: Metadata?
        /// The users the messages are from (name, `wa_id`, business-scoped `user_id`).
        public var contacts: [Contact]?
        /// Incoming messages.
        public var messages: [WebhookItem<Message>]?
        /// Status updates for messages the business sent.
        public var statuses: [WebhookItem<Status>]?
        /// Errors not tied to one message.
        public var errors: [WebhookItem<ErrorItem>]?

        /// Decodes leniently: a malformed `contacts` list only loses names, not messages.
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: Keys.self)
            metadata = try? c.decodeIfPresent(Metadata.self, forKey: .metadata)
            contacts = (try? c.decodeIfPresent([WebhookItem<Contact>].self, forKey: .contacts))?.compactMap(\.wire)
            messages = try c.decodeIfPresent([WebhookItem<Message>].self, forKey: .messages)
            statuses = try c.decodeIfPresent([WebhookItem<Status>].self, forKey: .statuses)
            errors = try c.decodeIfPresent([WebhookItem<ErrorItem>].self, forKey: .errors)
        }

        private enum Keys: String, CodingKey { case metadata, contacts, messages, statuses, errors }
    }

    /// `value.metadata`.
    public struct Metadata: Decodable, Sendable {
        /// The business number as displayed.
        public var display_phone_number: LenientString?
        /// The business number's id: where replies are sent from (`/{phone_number_id}/messages`).
        public var phone_number_id: LenientString?
    }

    /// One `value.contacts[]` element.
    public struct Contact: Decodable, Sendable {
        /// `profile.name` (and `username` when the user has one).
        public struct Profile: Decodable, Sendable {
            /// The user's profile name.
            public var name: String?
            /// The user's WhatsApp username, when set.
            public var username: String?
        }
        /// The profile.
        public var profile: Profile?
        /// The user's phone number as a WhatsApp id; may be empty or absent for username users.
        public var wa_id: String?
        /// The business-scoped user id (`user.…`): key users by this first.
        public var user_id: String?
    }

    /// `errors[]` (value-level, per status, or per unsupported message).
    public struct ErrorItem: Decodable, Sendable {
        /// `error_data`.
        public struct Data: Decodable, Sendable {
            /// The long explanation.
            public var details: String?
        }
        /// The error code (130429 rate limit, 131047 window, 131051 unsupported type, …).
        public var code: LenientInt?
        /// The short title.
        public var title: String?
        /// The message.
        public var message: String?
        /// Details.
        public var error_data: Data?
    }

    /// One `statuses[]` element: the fate of a message the business sent.
    /// Group statuses carry `recipient_type: "group"` and the group id in `recipient_id`.
    public struct Status: Decodable, Sendable {
        /// The `wamid` of the business's message.
        public var id: String?
        /// `sent`, `delivered`, `read`, `failed`, `deleted`, …
        public var status: String?
        /// Unix seconds, as a string.
        public var timestamp: LenientString?
        /// The user's phone number, or the group id for group statuses.
        public var recipient_id: String?
        /// The user's business-scoped id (when the phone number is hidden).
        public var recipient_user_id: String?
        /// `group` for group messages; absent for one-to-one.
        public var recipient_type: String?
        /// The group id, where given separately.
        public var group_id: String?
        /// The group participant the status is about, where given.
        public var recipient_participant_id: String?
        /// Why a message failed.
        public var errors: [ErrorItem]?
    }
}
