import ChorusCore

/// Maps Messenger/Instagram `message.attachments[]` to `Attachment`.
/// Types: https://developers.facebook.com/docs/messenger-platform/reference/webhook-events/messages
/// and https://developers.facebook.com/docs/instagram-platform/webhooks/examples (share,
/// story_mention, ig_reel, reel).
enum MessagingAttachments {
    /// The normalized attachment: `url` and `title` from the payload; the payload's JSON in
    /// `detail` whenever it holds more than those (template elements, coordinates, sticker id…).
    static func attachment(_ wire: MessagingPayload.Attachment) -> Attachment {
        let payload = wire.payload
        let kind = kind(of: wire.type, payload: payload)
        var attachment = Attachment(kind: kind, url: payload?["url"]?.stringValue,
                                    title: payload?["title"]?.stringValue ?? payload?["name"]?.stringValue)
        if kind == .unknown {
            // Keep the type name with the payload: we do not know what it means yet.
            var whole: [String: JSONValue] = ["type": wire.type.map(JSONValue.string) ?? .null]
            if let payload { whole["payload"] = payload }
            attachment.detail = JSONValue.object(whole).jsonText
        } else if let payload, hasMore(than: ["url", "title"], payload) {
            attachment.detail = payload.jsonText
        }
        return attachment
    }

    /// The attachment kind for a wire `type`. Messenger sends stickers as `image` with a
    /// `sticker_id` in the payload.
    static func kind(of type: String?, payload: JSONValue?) -> Attachment.Kind {
        switch type {
        case "image": payload?["sticker_id"] != nil ? .sticker : .image
        case "sticker", "animated_image": .sticker
        case "audio": .audio
        case "video": .video
        case "file": .file
        case "location": .location
        case "fallback": .fallback
        case "template": .template
        case "share", "post", "ig_post": .share
        case "story_mention": .storyMention
        case "reel", "ig_reel": .reel
        case "story", "ig_story": .ighStory
        default: .unknown
        }
    }

    private static func hasMore(than keys: Set<String>, _ payload: JSONValue) -> Bool {
        switch payload {
        case .object(let o): o.keys.contains { !keys.contains($0) }
        case .null: false
        default: true
        }
    }
}
