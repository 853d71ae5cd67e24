import ChorusCore
import Foundation
import Testing

/// `storageJSON` must read back through `JSONDecoder` as the same event, and must write every
/// field `Codable` writes (a field added to the model and forgotten here fails these tests).
@Suite struct InboundEventJSONTests {
    static func event(seed: Int, full: Bool) -> InboundEvent {
        let odd = "q\"u\\o/te\n\t\u{1}é🙂"
        func maybe(_ s: String) -> String? { full || seed % 2 == 0 ? s + "\(seed)" : nil }
        let attachments = (0..<(full ? 2 : seed % 3)).map { i in
            Attachment(kind: [.image, .storyMention, .ighStory, .contacts][i % 4], url: maybe("https://x/\(i)"), mediaID: maybe("m\(i)"),
                       mimeType: maybe("image/jpeg"), caption: maybe(odd), sha256: maybe("abc"), title: maybe("t"), detail: maybe("{\"a\":1}"))
        }
        return InboundEvent(
            platform: Platform.allCases[seed % 3], kind: InboundEvent.Kind.allCases[seed % InboundEvent.Kind.allCases.count],
            conversation: ConversationRef(platform: .whatsapp, account: "acct\(seed)", kind: seed % 2 == 0 ? .direct : .group, id: odd),
            sender: full || seed % 3 != 0 ? Participant(id: "u\(seed)", name: maybe(odd), phoneNumber: maybe("+1555")) : nil,
            messageID: maybe("wamid.\(seed)"), timestamp: Int64(seed) * 1_732_900_000_123 - 5, text: maybe(odd),
            attachments: attachments, replyTo: maybe("r"), payload: maybe("p"), detail: maybe("d"), forwarded: seed % 2 == 1,
            dedupKey: "whatsapp:\(seed)", raw: #"{"x":"\#(seed)"}"#)
    }

    @Test(arguments: 0..<24) func readsBackAsTheSameEvent(seed: Int) throws {
        for full in [false, true] {
            let event = Self.event(seed: seed, full: full)
            let decoded = try JSONDecoder().decode(InboundEvent.self, from: Data(event.storageJSON().utf8))
            #expect(decoded == event)
            var stripped = event
            stripped.raw = ""
            #expect(try JSONDecoder().decode(InboundEvent.self, from: Data(event.storageJSON(includingRaw: false).utf8)) == stripped)
        }
    }

    @Test func writesEveryFieldCodableWrites() throws {
        func keys(_ json: Data) throws -> Set<String> {
            var found: Set<String> = []
            func walk(_ value: Any, _ prefix: String) {
                if let object = value as? [String: Any] {
                    for (k, v) in object { found.insert(prefix + k); walk(v, prefix + k + ".") }
                } else if let array = value as? [Any] {
                    for v in array { walk(v, prefix + "[].") }
                }
            }
            walk(try JSONSerialization.jsonObject(with: json), "")
            return found
        }
        let event = Self.event(seed: 1, full: true)
        #expect(try keys(Data(event.storageJSON().utf8)) == (try keys(JSONEncoder().encode(event))))
    }
}
