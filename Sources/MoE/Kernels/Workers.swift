import Dispatch
import CBLAS
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A fixed number of workers for the engine's parallel loops.
///
/// Work is split into `count` contiguous chunks, one per worker, each run by
/// `DispatchQueue.concurrentPerform`; chunk `i` may use per-worker scratch `i`. OpenBLAS is
/// told to use one thread, since we parallelize around it.
final class Workers: @unchecked Sendable {
    /// Number of workers (≥ 1).
    let count: Int

    init(threads: Int) {
        count = max(1, threads)
        openblas_set_num_threads(1)
    }

    /// Runs `body(worker, range)` over `0..<n` split in `count` contiguous ranges (fewer if `n` is small).
    /// `grain` rounds chunk boundaries to multiples of it.
    func split(_ n: Int, grain: Int = 1, _ body: (Int, Range<Int>) -> Void) {
        if n <= 0 { return }
        let units = (n + grain - 1) / grain
        let parts = min(count, units)
        if parts == 1 { body(0, 0..<n); return }
        DispatchQueue.concurrentPerform(iterations: parts) { w in
            let lo = units * w / parts * grain, hi = min(n, units * (w + 1) / parts * grain)
            if lo < hi { body(w, lo..<hi) }
        }
    }

    /// Runs `body(worker, item)` for items `0..<n`, items spread over the workers (dynamic: uneven work).
    func forEach(_ n: Int, _ body: (Int, Int) -> Void) {
        if n <= 0 { return }
        if count == 1 || n == 1 { for i in 0..<n { body(0, i) }; return }
        let parts = min(count, n)
        let next = UnsafeMutablePointer<Int>.allocate(capacity: 1)
        next.initialize(to: 0)
        defer { next.deallocate() }
        let lock = SpinLock()
        DispatchQueue.concurrentPerform(iterations: parts) { w in
            while true {
                lock.lock(); let i = next.pointee; next.pointee += 1; lock.unlock()
                if i >= n { break }
                body(w, i)
            }
        }
    }
}

/// A minimal lock for short critical sections.
final class SpinLock: @unchecked Sendable {
    private let m = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    init() { pthread_mutex_init(m, nil) }
    deinit { pthread_mutex_destroy(m); m.deallocate() }
    func lock() { pthread_mutex_lock(m) }
    func unlock() { pthread_mutex_unlock(m) }
}
