import ChorusCore
import Foundation

/// The envelope every Meta webhook shares: `{"object": "<page|instagram|whatsapp_business_account>",
/// "entry": [ … ]}` (https://developers.facebook.com/docs/graph-api/webhooks/getting-started#event-notifications).
/// Meta batches up to 1000 updates per POST across `entry[]` and the items inside each entry.
public struct WebhookEnvelope<Entry: Decodable>: Decodable {
    /// The top-level `object`.
    public let object: String
    /// Every entry, each kept raw and typed.
    public let entries: [WebhookItem<Entry>]

    /// Parses `body` as a webhook for `platform`: checks nesting, JSON syntax, `object` and
    /// `entry`, then reads each entry as `Entry` (an entry that fails stays raw).
    public static func decode(_ body: Data, platform: Platform) throws(WebhookDecodeError) -> WebhookEnvelope<Entry> {
        let depth = body.withUnsafeBytes { NestingGuard.depth(of: $0) }
        if depth > NestingGuard.maxDepth {
            throw .malformed("JSON nested deeper than \(NestingGuard.maxDepth) levels")
        }
        // One fast pass builds the whole body as `JSONValue`; the typed pass then reads this tree
        // (`JSONValueDecoder`), and each item keeps its own node as its raw JSON (`WebhookItem`).
        let tree: JSONValue
        do {
            tree = try body.withUnsafeBytes { (bytes) throws(JSONValue.ParseError) -> JSONValue in
                try JSONValue.parse(bytes, maxDepth: NestingGuard.maxDepth)
            }
        } catch {
            throw .notJSON(String(String(describing: error).prefix(200)))
        }
        var decoder = JSONValueDecoder()
        decoder.userInfo[expectedObjectKey] = platform.webhookObject
        do {
            return try decoder.decode(WebhookEnvelope<Entry>.self, from: tree)
        } catch let problem as Problem {
            switch problem {
            case .notAnObject: throw .malformed("the top level is not a JSON object")
            case .wrongObject(let got): throw .wrongObject(expected: platform.webhookObject, got: got)
            case .noEntryArray: throw .malformed("\"entry\" is missing or not an array")
            }
        } catch {
            // Our own reads are all `try?`: nothing else is expected here.
            throw .malformed(syntaxSummary(error))
        }
    }

    /// Reads the envelope: `object` first (a wrong one stops before any entry is read).
    public init(from decoder: any Decoder) throws {
        // The scanner has read the whole body before this runs, so a syntax error never gets
        // here: not a keyed container means an array, string, number, bool or null.
        guard let c = try? decoder.container(keyedBy: Keys.self) else { throw Problem.notAnObject }
        let expected = decoder.userInfo[WebhookEnvelope.expectedObjectKey] as? String
        let object: String?
        switch try? c.decodeIfPresent(JSONValue.self, forKey: .object) {
        case .string(let s)?: object = s
        case let other?: object = other.jsonText
        case nil: object = nil
        }
        guard let object, expected == nil || object == expected else { throw Problem.wrongObject(object) }
        guard let entries = try? c.decode([WebhookItem<Entry>].self, forKey: .entry) else { throw Problem.noEntryArray }
        self.object = object
        self.entries = entries
    }

    private enum Keys: String, CodingKey { case object, entry }

    /// Shape problems found while reading the envelope, mapped to `WebhookDecodeError`.
    enum Problem: Error { case notAnObject, wrongObject(String?), noEntryArray }

    static var expectedObjectKey: CodingUserInfoKey { CodingUserInfoKey(rawValue: "chorus.expectedObject")! }

    /// The decoder's syntax complaint, shortened: never echo the (possibly huge) body.
    static func syntaxSummary(_ error: any Error) -> String {
        if case DecodingError.dataCorrupted(let context) = error {
            if let underlying = context.underlyingError {
                let text = String(describing: underlying)
                return String(text.prefix(200))
            }
            return String(context.debugDescription.prefix(200))
        }
        return String(String(describing: error).prefix(200))
    }
}

extension WebhookEnvelope: Sendable where Entry: Sendable {}
