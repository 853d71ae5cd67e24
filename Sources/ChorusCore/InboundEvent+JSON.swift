extension InboundEvent {
    /// The event as JSON in its `Codable` shape (what `JSONDecoder` reads back as an `InboundEvent`),
    /// written directly: the queue stores every event this way before the webhook is answered, and
    /// `JSONEncoder` was a tenth of the ingress's CPU. `raw` is left out when `includingRaw` is false
    /// (the queue keeps it in a column of its own).
    public func storageJSON(includingRaw: Bool = true) -> String {
        var out = JSONObjectWriter()
        out.field("platform", platform.rawValue)
        out.field("kind", kind.rawValue)
        out.object("conversation") { c in
            c.field("platform", conversation.platform.rawValue)
            c.field("account", conversation.account)
            c.field("kind", conversation.kind.rawValue)
            c.field("id", conversation.id)
        }
        if let sender {
            out.object("sender") { s in
                s.field("id", sender.id)
                s.field("name", sender.name)
                s.field("phoneNumber", sender.phoneNumber)
            }
        }
        out.field("messageID", messageID)
        out.number("timestamp", timestamp)
        out.field("text", text)
        out.array("attachments", attachments) { a, attachment in
            a.field("kind", attachment.kind.rawValue)
            a.field("url", attachment.url)
            a.field("mediaID", attachment.mediaID)
            a.field("mimeType", attachment.mimeType)
            a.field("caption", attachment.caption)
            a.field("sha256", attachment.sha256)
            a.field("title", attachment.title)
            a.field("detail", attachment.detail)
        }
        out.field("replyTo", replyTo)
        out.field("payload", payload)
        out.field("detail", detail)
        out.bool("forwarded", forwarded)
        out.field("dedupKey", dedupKey)
        out.field("raw", includingRaw ? raw : "")
        return out.finish()
    }
}

/// Writes one JSON object member by member (nil optionals are left out, as `Codable` does).
struct JSONObjectWriter {
    private(set) var bytes: [UInt8] = [UInt8(ascii: "{")]
    private var first = true

    init() { bytes.reserveCapacity(512) }

    private mutating func key(_ name: String) {
        if !first { bytes.append(UInt8(ascii: ",")) }
        first = false
        JSONValue.writeString(name, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
    }

    mutating func field(_ name: String, _ value: String?) {
        guard let value else { return }
        key(name)
        JSONValue.writeString(value, to: &bytes)
    }

    mutating func number(_ name: String, _ value: Int64) {
        key(name)
        bytes.append(contentsOf: String(value).utf8)
    }

    mutating func bool(_ name: String, _ value: Bool) {
        key(name)
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
    }

    mutating func object(_ name: String, _ body: (inout JSONObjectWriter) -> Void) {
        key(name)
        var inner = JSONObjectWriter()
        body(&inner)
        inner.close()
        bytes.append(contentsOf: inner.bytes)
    }

    mutating func array<T>(_ name: String, _ elements: [T], _ body: (inout JSONObjectWriter, T) -> Void) {
        key(name)
        bytes.append(UInt8(ascii: "["))
        for (i, element) in elements.enumerated() {
            if i > 0 { bytes.append(UInt8(ascii: ",")) }
            var inner = JSONObjectWriter()
            body(&inner, element)
            inner.close()
            bytes.append(contentsOf: inner.bytes)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    private mutating func close() { bytes.append(UInt8(ascii: "}")) }

    mutating func finish() -> String {
        close()
        return String(decoding: bytes, as: UTF8.self)
    }
}
