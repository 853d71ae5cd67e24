import Synchronization

/// Merges concurrent write requests into one transaction: one fsync acknowledges them all.
///
/// Callers `submit` their items and wait. One drain task at a time takes every waiting request,
/// hands them to `commit` together, and resumes each caller with its own output; requests that
/// arrive meanwhile form the next group. If `commit` throws, every caller of that group gets the
/// error: nothing in it was acknowledged. Backend-neutral: the SQLite queue commits with GRDB,
/// a PostgreSQL one would commit the same way.
///
/// Backpressure: items submitted but not yet acknowledged (waiting or being committed) are counted;
/// a request that would push the count past `limit` fails at once with `QueueError.overloaded`,
/// so memory stays bounded while the disk is slow. A request alone may exceed `limit` (an
/// idle queue accepts one large body rather than rejecting it forever).
final class GroupCommitter<Item: Sendable, Output: Sendable>: Sendable {
    /// Writes all groups in one transaction; returns one output per group, in order.
    typealias Commit = @Sendable (_ groups: [[Item]]) async throws -> [Output]

    private struct Waiter {
        var items: [Item]
        var continuation: CheckedContinuation<Output, any Error>
    }

    private struct State {
        var waiting: [Waiter] = []
        /// Items submitted and not yet answered, the ones being committed included.
        var pendingItems = 0
        var draining = false
        /// Transactions attempted, for metrics and tests.
        var commits = 0
    }

    private enum Admission {
        case overloaded(pending: Int)
        case waiting
        case startDrain
    }

    /// The most unacknowledged items accepted.
    let limit: Int
    private let commit: Commit
    private let state = Mutex(State())

    /// Creates a committer that admits up to `limit` unacknowledged items.
    init(limit: Int, commit: @escaping Commit) {
        self.limit = max(1, limit)
        self.commit = commit
    }

    /// Items submitted and not yet acknowledged.
    var pendingItems: Int { state.withLock { $0.pendingItems } }

    /// Group transactions attempted so far.
    var commits: Int { state.withLock { $0.commits } }

    /// Waits until `items` are committed together with whatever else is waiting.
    ///
    /// Not cancellable once admitted: the outcome of a write in flight must reach its caller.
    func submit(_ items: [Item]) async throws -> Output {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Output, any Error>) in
            let admission: Admission = state.withLock { state in
                if state.pendingItems > 0, state.pendingItems + items.count > limit {
                    return .overloaded(pending: state.pendingItems)
                }
                state.waiting.append(Waiter(items: items, continuation: continuation))
                state.pendingItems += items.count
                if state.draining { return .waiting }
                state.draining = true
                return .startDrain
            }
            switch admission {
            case .overloaded(let pending):
                continuation.resume(throwing: QueueError.overloaded(pending: pending, limit: limit))
            case .waiting:
                break
            case .startDrain:
                Task { await self.drain() }
            }
        }
    }

    /// Commits groups until nobody waits; exactly one drain runs at a time.
    private func drain() async {
        while true {
            let group: [Waiter]? = state.withLock { state in
                if state.waiting.isEmpty {
                    state.draining = false
                    return nil
                }
                defer { state.waiting.removeAll(keepingCapacity: true) }
                return state.waiting
            }
            guard let group else { return }

            let outcome: Result<[Output], any Error>
            do {
                let outputs = try await commit(group.map(\.items))
                precondition(outputs.count == group.count, "commit must return one output per group")
                outcome = .success(outputs)
            } catch {
                outcome = .failure(error)
            }
            let committed = group.reduce(0) { $0 + $1.items.count }
            state.withLock {
                $0.pendingItems -= committed
                $0.commits += 1
            }
            for (index, waiter) in group.enumerated() {
                switch outcome {
                case .success(let outputs): waiter.continuation.resume(returning: outputs[index])
                case .failure(let error): waiter.continuation.resume(throwing: error)
                }
            }
        }
    }
}
