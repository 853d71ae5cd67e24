import ChorusCore
import Foundation
import InstagramAdapter
import MessengerAdapter
import MetaWebhook
import Testing
import WhatsAppAdapter

/// Bad, truncated, mistyped, deeply nested and huge bodies: a clear error or an `.unsupported`
/// event, never a crash or a hang.
@Suite struct HostileInputTests {
    func decodeAll(_ body: Data) -> [Result<[InboundEvent], WebhookDecodeError>] {
        [Result { () throws(WebhookDecodeError) in try MessengerInbound.decode(body) },
         Result { () throws(WebhookDecodeError) in try InstagramInbound.decode(body) },
         Result { () throws(WebhookDecodeError) in try WhatsAppInbound.decode(body) }]
    }

    @Test(arguments: ["", " ", "not json", "{", #"{"object":"page","entry":["#, "\u{0}", "{'object':'page'}", "[1,]x"])
    func notJSON(text: String) {
        for result in decodeAll(Data(text.utf8)) {
            guard case .failure(.notJSON(let why)) = result else {
                Issue.record("expected notJSON for \(text.debugDescription), got \(result)")
                continue
            }
            #expect(!why.isEmpty)
        }
    }

    @Test func invalidUTF8IsNotJSON() {
        let body = Data([0x7b, 0x22, 0x6f, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d])  // {"o":"\xff\xfe"}
        #expect(throws: WebhookDecodeError.self) { try MessengerInbound.decode(body) }
    }

    @Test(arguments: ["[]", "[1,2]", "\"page\"", "42", "null", "true"])
    func validJSONButNotAnObjectIsMalformed(text: String) {
        #expect(throws: WebhookDecodeError.malformed("the top level is not a JSON object")) {
            try WhatsAppInbound.decode(Data(text.utf8))
        }
    }

    @Test func wrongOrMissingObject() {
        #expect(throws: WebhookDecodeError.wrongObject(expected: "page", got: nil)) {
            try MessengerInbound.decode(Data(#"{"entry":[]}"#.utf8))
        }
        #expect(throws: WebhookDecodeError.wrongObject(expected: "page", got: "5")) {
            try MessengerInbound.decode(Data(#"{"object":5,"entry":[]}"#.utf8))
        }
        #expect(throws: WebhookDecodeError.wrongObject(expected: "instagram", got: "user")) {
            try InstagramInbound.decode(Data(#"{"object":"user","entry":[]}"#.utf8))
        }
        #expect(WebhookDecodeError.wrongObject(expected: "page", got: "user").description
                == #"the webhook is for object "user", expected "page""#)
    }

    @Test(arguments: [#"{"object":"page"}"#, #"{"object":"page","entry":"x"}"#, #"{"object":"page","entry":{}}"#, #"{"object":"page","entry":null}"#])
    func entryNotAnArrayIsMalformed(text: String) {
        #expect(throws: WebhookDecodeError.malformed(#""entry" is missing or not an array"#)) {
            try MessengerInbound.decode(Data(text.utf8))
        }
    }

    @Test func emptyEntryIsNoEvents() throws {
        #expect(try MessengerInbound.decode(Data(#"{"object":"page","entry":[]}"#.utf8)).isEmpty)
    }

    @Test func everyTruncationIsAnErrorNeverACrash() throws {
        for file in ["messenger/unicode.json", "whatsapp/chorus_group.json", "instagram/events.json"] {
            let full = try Fixture.data(file)
            let trimmed = Data(String(decoding: full, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines).utf8)
            for length in 0..<trimmed.count {
                for result in decodeAll(trimmed.prefix(length)) {
                    if case .failure(.notJSON) = result { continue }
                    Issue.record("\(file) cut at \(length): \(result)")
                }
            }
        }
    }

    /// Foundation's JSONDecoder on Linux traps (SIGILL) on exactly 513 unclosed `[`; the
    /// nesting guard must reject it (and anything deeper) before Foundation sees it.
    @Test(arguments: [257, 512, 513, 514, 100_000])
    func deepNestingIsMalformed(depth: Int) {
        let open = Data(String(repeating: "[", count: depth).utf8)
        let closed = Data((String(repeating: "[", count: depth) + String(repeating: "]", count: depth)).utf8)
        let inside = Data((#"{"object":"page","entry":["# + String(repeating: "{\"a\":", count: depth)).utf8)
        for body in [open, closed, inside] {
            for result in decodeAll(body) {
                guard case .failure(.malformed(let why)) = result else {
                    Issue.record("depth \(depth): \(result)")
                    continue
                }
                #expect(why.contains("nested deeper"))
            }
        }
    }

    @Test func nestingWithinTheLimitIsKept() throws {
        let deep = String(repeating: "[", count: 240) + String(repeating: "]", count: 240)
        let body = #"{"object":"page","entry":[{"id":"1","messaging":[{"sender":{"id":"u"},"recipient":{"id":"1"},"timestamp":5,"message":{"mid":"m.deep","text":"deep","extra":"# + deep + "}}]}]}"
        let events = try MessengerInbound.decode(Data(body.utf8))
        #expect(events.map(\.kind) == [.message])
        #expect(events.first?.text == "deep")
        // Brackets inside strings are text, not nesting.
        let brackets = String(repeating: "[{", count: 5000)
        let inString = #"{"object":"page","entry":[{"id":"1","messaging":[{"sender":{"id":"u"},"timestamp":5,"message":{"mid":"m.str","text":""# + brackets + #"\"\\"}}]}]}"#
        let more = try MessengerInbound.decode(Data(inString.utf8))
        #expect(more.first?.text == brackets + "\"\\")
    }

    @Test func hugeStringDecodes() throws {
        let huge = String(repeating: "ab\\u00e9", count: 1_000_000)  // 8 MB on the wire, 3 MB decoded
        let body = #"{"object":"page","entry":[{"id":"1","messaging":[{"sender":{"id":"u"},"timestamp":5,"message":{"mid":"m.huge","text":""# + huge + #""}}]}]}"#
        let events = try MessengerInbound.decode(Data(body.utf8))
        #expect(events.first?.text?.count == 3_000_000)
        #expect(events.first?.text?.hasPrefix("ab\u{e9}ab\u{e9}") == true)
    }

    @Test func loneSurrogateDoesNotCrash() {
        let body = Data(#"{"object":"page","entry":[{"id":"1","messaging":[{"sender":{"id":"u"},"timestamp":5,"message":{"mid":"m","text":"\udc00 \ud83d"}}]}]}"#.utf8)
        _ = try? MessengerInbound.decode(body)
    }

    @Test func messengerWrongTypesAndMissingFieldsBecomeUnsupported() throws {
        let events = try MessengerInbound.decode(Fixture.data("hostile/messenger_mixed.json"))
        #expect(events.map(\.kind) == [.message, .unsupported, .unsupported, .unsupported, .unsupported, .message, .unsupported, .unsupported])
        #expect(events[0].text == "fine")
        #expect(events[5].text == "still fine")
        #expect(events[1].detail == "messaging item: timestamp is invalid")
        #expect(events[1].raw.contains(#""timestamp":"yesterday""#))
        #expect(events[2].detail == "messaging item: message.text is not a string")
        #expect(events[3].detail == "messaging item: the item is not an object")
        #expect(events[3].raw == #""just a string""#)
        #expect(events[4].detail == "messaging item without sender id")
        #expect(events[6].detail == "entry: messaging is not an array")
        #expect(events[6].conversation.account == "104000000000002")
        #expect(events[7].raw == "17")
        // Unsupported items without ids are keyed by the hash of their raw JSON: distinct here.
        #expect(Set(events.map(\.dedupKey)).count == events.count)
    }

    @Test func whatsappWrongTypesAndMissingFieldsBecomeUnsupported() throws {
        let events = try WhatsAppInbound.decode(Fixture.data("hostile/whatsapp_mixed.json"))
        #expect(events.map(\.kind) == [.message, .unsupported, .unsupported, .unsupported, .unsupported, .unsupported, .unsupported])
        // A malformed contacts list loses names, not messages.
        #expect(events[0].text == "ok")
        #expect(events[0].sender == Participant(id: "16505551234"))
        #expect(events[1].detail == "message: text is not an object")
        #expect(events[1].conversation.id == "16505551234")
        #expect(events[1].conversation.account == "106540352242922")
        #expect(events[2].detail == "message type hologram is not decoded")
        #expect(events[2].dedupKey == "whatsapp:106540352242922:wamid:wamid.NEW1")
        #expect(events[3].detail == "image message without its media object")
        #expect(events[4].detail == #"change field "message_template_status_update" is not decoded"#)
        #expect(events[5].detail == "value without metadata.phone_number_id")
        #expect(events[6].detail == "status: missing id or status")
    }

    @Test func aThousandItemBatchIsTakenWhole() throws {
        var entries: [String] = []
        for page in 0..<10 {
            let items = (0..<100).map { i in
                #"{"sender":{"id":"u\#(i)"},"recipient":{"id":"p\#(page)"},"timestamp":\#(1_764_403_200_000 + i),"message":{"mid":"m.\#(page).\#(i)","text":"n\#(i)"}}"#
            }
            entries.append(#"{"id":"p\#(page)","time":1,"messaging":[\#(items.joined(separator: ","))]}"#)
        }
        let body = Data(#"{"object":"page","entry":[\#(entries.joined(separator: ","))]}"#.utf8)
        let started = ContinuousClock.now
        let events = try MessengerInbound.decode(body)
        let elapsed = ContinuousClock.now - started
        #expect(events.count == 1000)
        #expect(Set(events.map(\.dedupKey)).count == 1000)
        #expect(events.last?.dedupKey == "messenger:p9:mid:m.9.99")
        #expect(elapsed < .seconds(10))
    }
}

extension HostileInputTests {
    @Test func outOfRangeNumbersKeepTheRestOfTheItem() throws {
        let body = #"{"object":"page","entry":[{"id":"1","messaging":[{"sender":{"id":"u"},"timestamp":5,"message":{"mid":"m.big","text":"x","n":1e400}},{"sender":{"id":"u"},"timestamp":6,"weird":-1e999}]}]}"#
        let events = try MessengerInbound.decode(Data(body.utf8))
        #expect(events.map(\.kind) == [.message, .unsupported])
        #expect(events[0].raw.contains(#""n":"<number out of range>""#))
        #expect(events[0].raw.contains(#""mid":"m.big""#))
        #expect(events[1].raw == #"{"sender":{"id":"u"},"timestamp":6,"weird":"<number out of range>"}"#)
    }
}

extension HostileInputTests {
    @Test func emptyListsCarryNoEventsButUnknownShapesAreKept() throws {
        let empty = #"{"object":"page","entry":[{"id":"1","time":2,"messaging":[]}]}"#
        #expect(try MessengerInbound.decode(Data(empty.utf8)).isEmpty)
        let bare = #"{"object":"page","entry":[{"id":"1","time":2,"novelty":{"x":1}}]}"#
        let kept = try MessengerInbound.decode(Data(bare.utf8))
        #expect(kept.map(\.kind) == [.unsupported])
        #expect(kept.first?.detail == "entry has no messaging, standby or changes")
        #expect(kept.first?.timestamp == 2)

        let waEmpty = #"{"object":"whatsapp_business_account","entry":[{"id":"9","changes":[{"field":"messages","value":{"metadata":{"phone_number_id":"5"},"statuses":[]}}]}]}"#
        #expect(try WhatsAppInbound.decode(Data(waEmpty.utf8)).isEmpty)
        let waNew = #"{"object":"whatsapp_business_account","entry":[{"id":"9","changes":[{"field":"messages","value":{"metadata":{"phone_number_id":"5"},"calls":[{"id":"c"}]}}]}]}"#
        let waKept = try WhatsAppInbound.decode(Data(waNew.utf8))
        #expect(waKept.map(\.kind) == [.unsupported])
        #expect(waKept.first?.conversation.account == "5")
    }
}
