import Synchronization

/// Runs `operation` and returns its result, or throws `onTimeout()` once `limit` has passed,
/// whichever comes first; on timeout the operation is cancelled and left to finish in the
/// background (postgres-nio's waits for a pooled connection honour cancellation; a statement
/// already sent runs to its end).
///
/// Why not a task group: a group waits for every child before it returns, so a child that does not
/// stop at once would hold the caller past the limit. The ingress must answer Meta in time.
func withDeadline<T: Sendable>(_ limit: Duration, onTimeout: @escaping @Sendable () -> any Error,
                               _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
    let race = DeadlineRace<T>()
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            race.start(continuation, limit: limit, onTimeout: onTimeout, operation)
        }
    } onCancel: {
        race.cancel()
    }
}

/// The state of one `withDeadline` call: the caller to resume once, and the two tasks racing.
private final class DeadlineRace<T: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<T, any Error>?
        var work: Task<Void, Never>?
        var timer: Task<Void, Never>?
        var cancelled = false
    }
    private let state = Mutex(State())

    func start(_ continuation: CheckedContinuation<T, any Error>, limit: Duration, onTimeout: @escaping @Sendable () -> any Error,
               _ operation: @escaping @Sendable () async throws -> T) {
        state.withLock { $0.continuation = continuation }
        let work = Task {
            let result: Result<T, any Error>
            do { result = .success(try await operation()) } catch { result = .failure(error) }
            self.finish(result)
        }
        let timer = Task {
            guard (try? await Task.sleep(for: limit)) != nil else { return }
            self.finish(.failure(onTimeout()))
        }
        let cancelled = state.withLock { state -> Bool in
            state.work = work
            state.timer = timer
            return state.cancelled
        }
        if cancelled { cancel() }
    }

    /// Resumes the caller with `result` unless it already was, and stops the other task.
    private func finish(_ result: Result<T, any Error>) {
        let (continuation, work, timer) = state.withLock { state in
            defer { state.continuation = nil }
            return (state.continuation, state.work, state.timer)
        }
        guard let continuation else { return }
        work?.cancel()
        timer?.cancel()
        continuation.resume(with: result)
    }

    /// The caller was cancelled: cancel the operation (its error then resumes the caller).
    func cancel() {
        let work = state.withLock { state -> Task<Void, Never>? in
            state.cancelled = true
            return state.work
        }
        work?.cancel()
    }
}
