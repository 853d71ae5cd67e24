import Foundation

/// Which deadlines have been met, shared by the reader and the watchdog.
final class RequestProgress: @unchecked Sendable {
    enum Milestone: Int { case none, head, text }
    private let lock = NSLock()
    private var reached = Milestone.none
    private var finished = false
    private(set) var expiredPhase: String?

    func reach(_ milestone: Milestone) {
        lock.withLock { if milestone.rawValue > reached.rawValue { reached = milestone } }
    }

    /// Whether `phase`'s deadline is missed now (recorded once).
    func expire(_ phase: String) -> Bool {
        lock.withLock {
            let missed = switch phase {
            case "connect": reached == .none
            case "first token": reached.rawValue < Milestone.text.rawValue
            default: true
            }
            if missed { expiredPhase = phase }
            return missed
        }
    }

    var expired: String? { lock.withLock { expiredPhase } }
}
