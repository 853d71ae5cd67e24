import Synchronization

/// Bounds the requests in flight (decoding plus waiting): past the bound a request is refused
/// at once (503) instead of queueing without end.
final class CompletionAdmission: Sendable {
    /// The most requests in flight.
    let limit: Int
    private let inFlight = Mutex(0)

    init(limit: Int) { self.limit = max(1, limit) }

    /// Takes a place; false when none is free.
    func enter() -> Bool {
        inFlight.withLock { count in
            guard count < limit else { return false }
            count += 1
            return true
        }
    }

    /// Gives a place back.
    func leave() { inFlight.withLock { $0 -= 1 } }

    /// Requests in flight now.
    var current: Int { inFlight.withLock { $0 } }
}

/// A place in flight, given back exactly once.
final class Place: Sendable {
    private let admission: CompletionAdmission
    private let released = Atomic<Bool>(false)

    init(_ admission: CompletionAdmission) { self.admission = admission }

    func release() {
        if !released.exchange(true, ordering: .relaxed) { admission.leave() }
    }

    deinit { release() }
}
