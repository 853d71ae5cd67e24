import Assistant
import Foundation
import Testing

/// The event stream reader against the WHATWG format's corner cases and hostile input.
struct ServerSentEventParserTests {
    static let stream = Array(": keep-alive\r\ndata: {\"a\":1}\r\n\r\nevent: update\ndata: line one\ndata:line two\nid: 7\nretry: 10\n\n: ping\n\ndata: [DONE]\r\r".utf8)
    static let expected = [ServerSentEvent(data: "{\"a\":1}"), ServerSentEvent(event: "update", data: "line one\nline two"),
                           ServerSentEvent(data: "[DONE]")]

    @Test func readsEventsCommentsAndEveryLineEnding() throws {
        var parser = ServerSentEventParser()
        #expect(try parser.feed(Self.stream) == Self.expected)
        #expect(parser.finish() == false)
    }

    /// Whatever the chunk boundaries (every split point, and one byte at a time), the same events.
    @Test func chunkBoundariesDoNotMatter() throws {
        for split in 0...Self.stream.count {
            var parser = ServerSentEventParser()
            let events = try parser.feed(Self.stream[..<split]) + parser.feed(Self.stream[split...])
            #expect(events == Self.expected, "split at \(split)")
        }
        var parser = ServerSentEventParser()
        var events: [ServerSentEvent] = []
        for byte in Self.stream { events += try parser.feed([byte]) }
        #expect(events == Self.expected)
    }

    @Test func anEventWithoutItsBlankLineIsDropped() throws {
        var parser = ServerSentEventParser()
        #expect(try parser.feed(Array("data: {\"a\":1}\n\ndata: {\"cut".utf8)) == [ServerSentEvent(data: "{\"a\":1}")])
        #expect(parser.finish() == true)
    }

    @Test func oversizedLinesAndEventsAreRefused() throws {
        var parser = ServerSentEventParser(maxEventBytes: 64)
        #expect(throws: ServerSentEventParser.Failure.self) { try parser.feed(Array(repeating: UInt8(ascii: "x"), count: 100)) }
        var lines = ServerSentEventParser(maxEventBytes: 64)
        let many = Array(String(repeating: "data: 0123456789\n", count: 10).utf8)
        #expect(throws: ServerSentEventParser.Failure.self) { try lines.feed(many) }
    }

    @Test func hostileBytesNeverCrash() throws {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let bytes = (0..<Int.random(in: 0..<400, using: &generator)).map { _ in
                [UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: ":"), UInt8(ascii: " "), UInt8(ascii: "d"), 0xFF, 0xC3, 0x00]
                    .randomElement(using: &generator)!
            }
            var parser = ServerSentEventParser(maxEventBytes: 128)
            _ = try? parser.feed(bytes)
            _ = parser.finish()
        }
        var parser = ServerSentEventParser()
        let events = try parser.feed([0x64, 0x61, 0x74, 0x61, 0x3A, 0xFF, 0xFE, 0x0A, 0x0A])
        #expect(events == [ServerSentEvent(data: "\u{FFFD}\u{FFFD}")])
    }

    @Test func encodedEventsReadBack() throws {
        let event = ServerSentEvent(event: "x", data: "a\nb")
        var parser = ServerSentEventParser()
        #expect(try parser.feed(Array(event.encoded.utf8)) == [event])
    }
}
