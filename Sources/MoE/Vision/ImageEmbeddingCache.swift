import Foundation

/// A small least-recently-used cache of image embeddings keyed by a caller-given key (e.g. the
/// hex sha256 of the media bytes plus the mmproj identity), so a picture asked about twice is
/// encoded once. Thread-safe.
public final class ImageEmbeddingCache: @unchecked Sendable {
    /// Most embeddings kept.
    public let capacity: Int
    private var entries: [String: ImageEmbedding] = [:]
    private var order: [String] = []   // least recent first
    private let lock = NSLock()

    /// A cache holding at most `capacity` embeddings (a Scout 3×3 image is 10·144·5120 floats, 29 MB).
    public init(capacity: Int = 16) { self.capacity = max(1, capacity) }

    /// Number of cached embeddings.
    public var count: Int { lock.withLock { entries.count } }

    /// The cached embedding for `key`, marking it recently used.
    public func get(_ key: String) -> ImageEmbedding? {
        lock.withLock {
            guard let e = entries[key] else { return nil }
            touch(key)
            return e
        }
    }

    /// Stores `embedding` under `key`, evicting the least recently used beyond `capacity`.
    public func put(_ key: String, _ embedding: ImageEmbedding) {
        lock.withLock {
            entries[key] = embedding
            touch(key)
            while order.count > capacity { entries[order.removeFirst()] = nil }
        }
    }

    /// The embedding for `key`, computed by `encode` (outside the lock) and cached when missing.
    public func embedding(for key: String, encode: () throws -> ImageEmbedding) rethrows -> ImageEmbedding {
        if let e = get(key) { return e }
        let e = try encode()
        put(key, e)
        return e
    }

    private func touch(_ key: String) {
        if let i = order.firstIndex(of: key) { order.remove(at: i) }
        order.append(key)
    }
}
