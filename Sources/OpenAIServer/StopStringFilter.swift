/// Cuts a streamed reply at the first of the request's `stop` strings, which is not sent: text
/// that might be the start of a stop string is held back until it is known not to be.
struct StopStringFilter: Sendable {
    let stops: [String]
    private var held = ""
    /// Whether a stop string was found (the reply ends there).
    private(set) var stopped = false

    init(stops: [String]) { self.stops = stops.filter { !$0.isEmpty } }

    /// Adds generated text; returns what can be sent now.
    mutating func feed(_ text: String) -> String {
        guard !stopped else { return "" }
        guard !stops.isEmpty else { return text }
        held += text
        let first = stops.compactMap { held.range(of: $0) }.min { $0.lowerBound < $1.lowerBound }
        if let first {
            stopped = true
            defer { held = "" }
            return String(held[..<first.lowerBound])
        }
        // Keep the longest end of `held` that begins some stop string.
        var keep = 0
        for stop in stops {
            for length in stride(from: min(stop.count - 1, held.count), to: keep, by: -1)
            where held.hasSuffix(String(stop.prefix(length))) {
                keep = length
                break
            }
        }
        let cut = held.index(held.endIndex, offsetBy: -keep)
        defer { held = String(held[cut...]) }
        return String(held[..<cut])
    }

    /// The reply ended without a stop string: what is still held back.
    mutating func finish() -> String {
        defer { held = "" }
        return stopped ? "" : held
    }
}
