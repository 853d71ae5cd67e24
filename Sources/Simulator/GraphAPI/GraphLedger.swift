import ChorusCore
import Foundation

/// The fake Graph API's state: who exists, what the bot sent, what to misbehave with.
/// An actor so the HTTP handlers, the simulator's driver and tests share it safely.
public actor GraphLedger {
    /// A media file the fake serves for WhatsApp media ids and Messenger attachment URLs.
    public struct Media: Sendable, Hashable {
        /// The bytes.
        public var data: Data
        /// The MIME type.
        public var mimeType: String
    }

    /// Which platform each business account belongs to.
    public private(set) var accounts: [String: Platform] = [:]
    /// The access token each platform must present (`Authorization: Bearer …`).
    public private(set) var tokens: [Platform: String] = [:]
    /// Known WhatsApp groups.
    public private(set) var groups: Set<String> = []
    /// Everything the bot asked for, in order.
    public private(set) var records: [GraphRecord] = []
    /// Faults to play.
    public var faults = GraphFaults()
    private var media: [String: Media] = [:]
    private var lastInbound: [String: Date] = [:]
    private var groupMessages: Set<String> = []
    private var random = SplitMix64(seed: 0x5EED)
    private var sentCounter = 0

    /// An empty ledger.
    public init() {}

    /// Registers a business account and the token its sends must carry.
    public func register(account: String, platform: Platform, token: String) {
        accounts[account] = platform
        tokens[platform] = token
    }

    /// Registers a WhatsApp group.
    public func register(group: String) { groups.insert(group) }

    /// Notes that a user wrote to the business (opens the 24-hour window; marks group messages).
    public func noteInbound(account: String, user: String, messageID: String, groupID: String?, at: Date) {
        lastInbound[account + "/" + (groupID ?? user)] = at
        if groupID != nil { groupMessages.insert(messageID) }
    }

    /// Adds a media file; returns its id.
    public func addMedia(_ data: Data, mimeType: String, id: String? = nil) -> String {
        let id = id ?? String(format: "%015llu", UInt64(1_000_000_000_000) + UInt64(media.count + 1))
        media[id] = Media(data: data, mimeType: mimeType)
        return id
    }

    /// A media file by id.
    public func mediaFile(_ id: String) -> Media? { media[id] }

    /// Replaces the faults.
    public func setFaults(_ faults: GraphFaults) { self.faults = faults }

    /// Forgets every record.
    public func clearRecords() { records.removeAll() }

    /// Text messages that were accepted, in order.
    public var deliveredTexts: [GraphRecord] { records.filter(\.isDeliveredText) }

    /// Waits until at least `count` texts were delivered, or `timeout` passes; returns them.
    public func waitForDeliveredTexts(_ count: Int, timeout: Duration) async -> [GraphRecord] {
        if deliveredTexts.count >= count { return deliveredTexts }
        let deadline = ContinuousClock.now + timeout
        while deliveredTexts.count < count, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        return deliveredTexts
    }

    func record(_ record: GraphRecord) -> GraphRecord {
        var record = record
        record.sequence = records.count + 1
        records.append(record)
        return record
    }

    func nextSentID(platform: Platform) -> String {
        sentCounter += 1
        switch platform {
        case .whatsapp: return String(format: "wamid.HBgLMTU1NTBCOT%010dAA==", sentCounter)
        case .messenger, .instagram: return String(format: "m_sim%012d", sentCounter)
        }
    }

    func isWithinWindow(account: String, to: String, now: Date) -> Bool {
        guard let last = lastInbound[account + "/" + to] else { return false }
        return now.timeIntervalSince(last) < 24 * 3600
    }

    func isGroupMessage(_ id: String) -> Bool { groupMessages.contains(id) }

    /// The fault for the next message send, if any.
    func nextFault() -> GraphFaults.Scripted? {
        if !faults.script.isEmpty { return faults.script.removeFirst() }
        let roll = random.nextDouble()
        if roll < faults.errorRate { return .serverError }
        if roll < faults.errorRate + faults.rateLimitRate { return .rateLimited(retryAfter: faults.retryAfterSeconds) }
        if roll < faults.errorRate + faults.rateLimitRate + faults.timeoutRate { return .slow(milliseconds: faults.hangMilliseconds) }
        return nil
    }
}

/// A small seeded generator (SplitMix64), so fault sequences and kill schedules repeat.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    var state: UInt64
    /// A generator starting at `seed`.
    public init(seed: UInt64) { state = seed }
    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// A double in [0, 1).
    public mutating func nextDouble() -> Double { Double(next() >> 11) / Double(1 << 53) }
}
