/// A piece of media or structured content attached to a message.
public struct Attachment: Codable, Sendable, Hashable {
    /// What the attachment is.
    public enum Kind: String, Codable, Sendable, Hashable {
        case image, audio, video, file, sticker, location, contacts
        case storyMention = "story_mention"
        case share, template, fallback, reel, ighStory = "ig_story"
        case unknown
    }

    /// What the attachment is.
    public var kind: Kind
    /// A URL to fetch it from (Messenger/Instagram CDN URLs).
    public var url: String?
    /// A media id to resolve through the Graph API (WhatsApp).
    public var mediaID: String?
    /// The MIME type, when given.
    public var mimeType: String?
    /// The caption, when given (WhatsApp image/video/document).
    public var caption: String?
    /// The sha256 of the media, when given (WhatsApp).
    public var sha256: String?
    /// A file name, title or other short label (documents, shares, locations).
    public var title: String?
    /// Structured content: a location's coordinates, a contact card, a template, as JSON text.
    public var detail: String?

    /// Creates an attachment.
    public init(kind: Kind, url: String? = nil, mediaID: String? = nil, mimeType: String? = nil,
                caption: String? = nil, sha256: String? = nil, title: String? = nil, detail: String? = nil) {
        self.kind = kind
        self.url = url
        self.mediaID = mediaID
        self.mimeType = mimeType
        self.caption = caption
        self.sha256 = sha256
        self.title = title
        self.detail = detail
    }
}
