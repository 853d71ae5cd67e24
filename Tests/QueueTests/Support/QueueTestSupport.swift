import ChorusCore
import Foundation
import Synchronization
@testable import Queue

/// A fresh directory under the system's temporary directory, removed by `remove()`.
struct TemporaryDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("chorus-queue-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// A path inside the directory.
    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    func remove() { try? FileManager.default.removeItem(at: url) }
}

/// Runs `body` with a queue on a real file in a temporary directory, then closes and deletes it.
func withQueue<T>(_ configuration: SQLiteQueue.Configuration = SQLiteQueue.Configuration(),
                  _ body: (SQLiteQueue, TemporaryDirectory) async throws -> T) async throws -> T {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    let queue = try SQLiteQueue(path: directory.path("queue.sqlite"), configuration: configuration)
    defer { try? queue.close() }
    return try await body(queue, directory)
}

/// A WhatsApp-like message event; `dedup` defaults to a key derived from conversation and `n`.
func makeEvent(_ n: Int, conversation: String = "c1", kind: InboundEvent.Kind = .message, ts: Int64? = nil,
               dedup: String? = nil, platform: Platform = .whatsapp, group: Bool = false) -> InboundEvent {
    let ref = ConversationRef(platform: platform, account: "acct", kind: group ? .group : .direct, id: conversation)
    return InboundEvent(
        platform: platform, kind: kind, conversation: ref,
        sender: Participant(id: "user-\(conversation)", name: "User \(conversation)"),
        messageID: "wamid.\(conversation).\(n)", timestamp: ts ?? Int64(1_700_000_000_000 + n),
        text: "message \(n)", attachments: n % 2 == 0 ? [] : [Attachment(kind: .image, mediaID: "media-\(n)")],
        dedupKey: dedup ?? "wamid.\(conversation).\(n)",
        raw: #"{"id":"wamid.\#(conversation).\#(n)","text":{"body":"message \#(n)"}}"#)
}

/// A fixed, settable clock for tests that date `created_at`, `updated_at` and quarantine rows.
final class TestClock: Sendable {
    private let value: Mutex<Date>

    init(_ start: Date = Date(timeIntervalSince1970: 1_800_000_000)) { value = Mutex(start) }

    var now: Date { value.withLock { $0 } }

    func advance(by seconds: TimeInterval) { value.withLock { $0 = $0.addingTimeInterval(seconds) } }

    /// A `Configuration.clock` reading this clock.
    var read: @Sendable () -> Date { { self.now } }
}

/// Polls `condition` every few milliseconds until it holds or `timeout` passes; returns whether it held.
func eventually(timeout: TimeInterval = 5, _ condition: () -> Bool) async -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(2))
    }
    return condition()
}

/// A flag set once, readable from any thread.
final class Flag: Sendable {
    private let value = Mutex(false)

    func set() { value.withLock { $0 = true } }
    var isSet: Bool { value.withLock { $0 } }
}
