/// Someone who speaks in a conversation.
public struct Participant: Codable, Sendable, Hashable {
    /// The platform's id for this person: PSID, IGSID, or WhatsApp's business-scoped `user_id`
    /// when given, else the `wa_id` phone number.
    public var id: String
    /// The display name, when the platform sends one (WhatsApp `contacts[].profile.name`).
    public var name: String?
    /// WhatsApp's `wa_id` (a phone number) when it differs from `id` or `id` is a `user_id`.
    public var phoneNumber: String?

    /// Creates a participant.
    public init(id: String, name: String? = nil, phoneNumber: String? = nil) {
        self.id = id
        self.name = name
        self.phoneNumber = phoneNumber
    }
}
