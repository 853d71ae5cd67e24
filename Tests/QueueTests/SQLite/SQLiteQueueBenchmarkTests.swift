import ChorusCore
import Foundation
import Testing
@testable import Queue

/// Enqueue throughput with durable commits: 64 concurrent callers, each awaiting its own enqueue
/// before sending the next, as webhook handlers do.
///
/// Serialized: the two cases would otherwise compete for the disk. Quick by default. For the
/// real figure (in a release build) run:
/// `CHORUS_QUEUE_BENCH=1 swift test -c release --filter SQLiteQueueBenchmarkTests`; set
/// `CHORUS_QUEUE_BENCH_MIN=<events/s>` to make the test fail below a floor.
@Suite(.serialized) struct SQLiteQueueBenchmarkTests {
    static let environment = ProcessInfo.processInfo.environment
    static let full = environment["CHORUS_QUEUE_BENCH"] == "1"

    @Test(arguments: [1, 10])
    func enqueueThroughputFrom64Callers(eventsPerCall: Int) async throws {
        let callers = 64
        let callsPerCaller = Self.full ? max(1, 2_000 / eventsPerCall) : max(1, 40 / eventsPerCall)
        try await withQueue { queue, _ in
            let start = ContinuousClock.now
            let inserted = try await withThrowingTaskGroup(of: Int.self) { group in
                for caller in 0..<callers {
                    group.addTask {
                        var inserted = 0
                        for call in 0..<callsPerCaller {
                            let base = (caller * callsPerCaller + call) * eventsPerCall
                            let events = (0..<eventsPerCall).map { makeEvent(base + $0, conversation: "c\(caller)") }
                            inserted += try await queue.enqueue(events).inserted
                        }
                        return inserted
                    }
                }
                return try await group.reduce(0, +)
            }
            let elapsed = ContinuousClock.now - start
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            let rate = Double(inserted) / seconds
            let perCommit = Double(inserted) / Double(max(1, queue.groupCommits))
            print("queue benchmark: \(inserted) events, \(callers) callers × \(eventsPerCall) events/call: "
                  + "\(Int(rate)) events/s, \(queue.groupCommits) commits (\(String(format: "%.1f", perCommit)) events/commit), "
                  + "\(String(format: "%.2f", seconds)) s")
            #expect(inserted == callers * callsPerCaller * eventsPerCall)
            if let floor = Self.environment["CHORUS_QUEUE_BENCH_MIN"].flatMap(Double.init) {
                #expect(rate >= floor, "enqueue throughput \(Int(rate)) events/s below \(Int(floor))")
            }
        }
    }
}
