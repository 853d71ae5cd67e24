/// One Server-Sent Event (WHATWG HTML, "Server-sent events", the event stream format).
public struct ServerSentEvent: Sendable, Equatable {
    /// The `event:` field (`message` when absent).
    public var event: String
    /// The `data:` lines joined by newlines.
    public var data: String

    /// An event.
    public init(event: String = "message", data: String) {
        self.event = event
        self.data = data
    }

    /// The event as it goes on the wire: `data: …` lines and a blank line.
    public var encoded: String {
        var text = event == "message" ? "" : "event: \(event)\n"
        for line in data.split(separator: "\n", omittingEmptySubsequences: false) { text += "data: \(line)\n" }
        return text + "\n"
    }
}

/// Reads an event stream incrementally, whatever the chunk boundaries: lines end with LF, CRLF
/// or CR (a CR at the end of one chunk and an LF at the start of the next are one line end);
/// lines starting with `:` are comments (keep-alives); a blank line ends an event; `id` and
/// `retry` are ignored. A line or an event over `maxEventBytes` is an error, not a memory leak.
public struct ServerSentEventParser: Sendable {
    /// Why the stream cannot be read.
    public struct Failure: Error, CustomStringConvertible, Equatable {
        /// What went wrong.
        public let description: String
    }

    /// The largest line or event accepted, in bytes.
    public let maxEventBytes: Int
    private var line: [UInt8] = []
    private var afterCR = false
    private var data: [UInt8] = []
    private var hasData = false
    private var event = ""

    /// A parser that refuses lines and events over `maxEventBytes`.
    public init(maxEventBytes: Int = 1 << 20) { self.maxEventBytes = maxEventBytes }

    /// Adds received bytes; returns the events they complete.
    public mutating func feed(_ bytes: some Sequence<UInt8>) throws(Failure) -> [ServerSentEvent] {
        var events: [ServerSentEvent] = []
        for byte in bytes {
            if afterCR {
                afterCR = false
                if byte == UInt8(ascii: "\n") { continue }
            }
            switch byte {
            case UInt8(ascii: "\n"):
                if let event = try endLine() { events.append(event) }
            case UInt8(ascii: "\r"):
                afterCR = true
                if let event = try endLine() { events.append(event) }
            default:
                line.append(byte)
                guard line.count <= maxEventBytes else { throw Failure(description: "event stream line over \(maxEventBytes) bytes") }
            }
        }
        return events
    }

    /// The stream ended: an event without its closing blank line is dropped (as the standard
    /// says); returns whether such an incomplete event or line was pending.
    public mutating func finish() -> Bool {
        defer { line = []; data = []; hasData = false; event = "" }
        return !line.isEmpty || hasData
    }

    private mutating func endLine() throws(Failure) -> ServerSentEvent? {
        defer { line.removeAll(keepingCapacity: true) }
        guard !line.isEmpty else {
            guard hasData else { event = ""; return nil }
            let complete = ServerSentEvent(event: event.isEmpty ? "message" : event, data: String(decoding: data, as: UTF8.self))
            data.removeAll(keepingCapacity: true)
            hasData = false
            event = ""
            return complete
        }
        if line[0] == UInt8(ascii: ":") { return nil }
        let colon = line.firstIndex(of: UInt8(ascii: ":"))
        let name = String(decoding: line[..<(colon ?? line.count)], as: UTF8.self)
        var valueStart = colon.map { $0 + 1 } ?? line.count
        if valueStart < line.count, line[valueStart] == UInt8(ascii: " ") { valueStart += 1 }
        let value = line[valueStart...]
        switch name {
        case "data":
            if hasData { data.append(UInt8(ascii: "\n")) }
            data += value
            hasData = true
            guard data.count <= maxEventBytes else { throw Failure(description: "event stream event over \(maxEventBytes) bytes") }
        case "event":
            event = String(decoding: value, as: UTF8.self)
        default:
            break
        }
        return nil
    }
}
