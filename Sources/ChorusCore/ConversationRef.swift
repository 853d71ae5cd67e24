/// A conversation: one-to-one with a user, or a WhatsApp group.
public struct ConversationRef: Codable, Sendable, Hashable {
    /// Whether the conversation is one-to-one or a group.
    public enum Kind: String, Codable, Sendable, Hashable {
        case direct
        case group
    }

    /// The platform the conversation lives on.
    public var platform: Platform
    /// The business side: page id, Instagram account id or WhatsApp `phone_number_id`.
    public var account: String
    /// Direct or group.
    public var kind: Kind
    /// The other side: the user's id (PSID, IGSID, WhatsApp user id) or the group id.
    public var id: String

    /// Creates a conversation reference.
    public init(platform: Platform, account: String, kind: Kind, id: String) {
        self.platform = platform
        self.account = account
        self.kind = kind
        self.id = id
    }

    /// A stable key, unique across platforms and accounts: `platform:account:kind:id`.
    public var key: String { "\(platform.rawValue):\(account):\(kind.rawValue):\(id)" }

    /// Whether this is a group conversation.
    public var isGroup: Bool { kind == .group }
}
