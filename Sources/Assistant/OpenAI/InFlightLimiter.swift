/// At most `limit` holders at once; the others wait in arrival order.
actor InFlightLimiter {
    let limit: Int
    private var used = 0
    private var waiters: [CheckedContinuation<Void, Never>] = []

    init(limit: Int) { self.limit = max(1, limit) }

    /// Waits for a place.
    func acquire() async {
        if used < limit {
            used += 1
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    /// Gives a place back (to the longest waiter, if any).
    func release() {
        if waiters.isEmpty { used -= 1 } else { waiters.removeFirst().resume() }
    }

    /// Places held now.
    var inUse: Int { used }
}
