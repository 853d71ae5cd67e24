#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An owned, zero-filled float buffer (freed with its owner).
///
/// Large buffers (KV caches, attention scores sized for a whole context) are anonymous
/// mappings: zero pages cost no memory until written, so a session sized for 32k tokens only
/// commits what it uses.
final class FloatBuffer {
    let p: UnsafeMutablePointer<Float>
    let count: Int
    private let mapped: Bool
    static let mapThreshold = 1 << 20  // bytes

    init(_ count: Int) {
        self.count = max(count, 1)
        let bytes = self.count * MemoryLayout<Float>.stride
        if bytes >= FloatBuffer.mapThreshold,
           let m = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0),
           m != MAP_FAILED {
            p = m.bindMemory(to: Float.self, capacity: self.count)
            mapped = true
        } else {
            p = .allocate(capacity: self.count)
            p.initialize(repeating: 0, count: self.count)
            mapped = false
        }
    }

    deinit {
        if mapped { munmap(p, count * MemoryLayout<Float>.stride) } else { p.deallocate() }
    }
}

/// Scratch activations for a batch of up to `capacity` tokens, all sized up front
/// (llama2.c's RunState). Row t of each buffer belongs to the batch's t-th token.
final class RunState {
    /// Largest batch (tokens per forward call).
    let capacity: Int
    let x: FloatBuffer          // [B, embd] residual stream
    let xb: FloatBuffer         // [B, embd] normed input of attention / FFN
    let xb2: FloatBuffer        // [B, embd] attention output projection, then FFN output
    let q: FloatBuffer          // [B, heads·hd]
    let k: FloatBuffer          // [B, kvHeads·hd]
    let v: FloatBuffer          // [B, kvHeads·hd]
    let att: FloatBuffer        // [B, heads·hd] attention output before wo
    let hb: FloatBuffer         // [B, ffMax] gate activations
    let hb2: FloatBuffer        // [B, ffMax] up activations
    let routerLogits: FloatBuffer // [B, experts]
    let chosen: UnsafeMutablePointer<Int32>   // [B, k] chosen experts, best first
    let chosenWeight: FloatBuffer            // [B, k] their weights
    /// Scratch for one expert at a time on the calling thread (shares `linear`, `gathered`, …).
    let mainExpertScratch: ExpertScratch
    /// Per-worker scratch when experts run in parallel (decode with several workers).
    let expertScratch: [ExpertScratch]
    let slotOut: FloatBuffer    // [B, k, embd] each token's expert outputs by slot
    let shared: FloatBuffer     // [B, embd] shared-expert output
    let scores: FloatBuffer     // [workers, B, maxTokens] attention scores
    /// Floats of `scores` per worker.
    let scoresPerWorker: Int
    let ropeCache: FloatBuffer  // [B, ropeDim] cos/sin pairs per token
    let logits: FloatBuffer     // [vocab] last token's logits
    /// Tokens of each expert in the current batch: (token, slot) pairs.
    var routes: [[(Int, Int)]]
    /// Product kernels with their own scratch (per sequence, so sequences can run concurrently).
    let linear: Linear

    init(config c: ModelConfig, capacity b: Int, maxTokens: Int, workers: Workers) {
        capacity = b
        let e = c.embedding, qd = c.headCount * c.headDim, kvd = c.kvHeadCount * c.headDim
        let ff = max(c.denseFFN, c.expertFFN, 1), ku = max(c.expertsUsed, 1)
        x = FloatBuffer(b * e); xb = FloatBuffer(b * e); xb2 = FloatBuffer(b * e)
        q = FloatBuffer(b * qd); k = FloatBuffer(b * kvd); v = FloatBuffer(b * kvd); att = FloatBuffer(b * qd)
        hb = FloatBuffer(b * ff); hb2 = FloatBuffer(b * ff)
        routerLogits = FloatBuffer(b * max(c.expertCount, 1))
        chosen = .allocate(capacity: b * ku); chosen.initialize(repeating: 0, count: b * ku)
        chosenWeight = FloatBuffer(b * ku)
        slotOut = FloatBuffer(b * ku * e); shared = FloatBuffer(b * e)
        scoresPerWorker = b * maxTokens
        scores = FloatBuffer(workers.count * b * maxTokens)
        ropeCache = FloatBuffer(b * c.ropeDim)
        logits = FloatBuffer(c.vocabSize)
        routes = Array(repeating: [], count: max(c.expertCount, 1))
        for i in routes.indices { routes[i].reserveCapacity(b) }
        linear = Linear(workers: workers, maxCols: max(e, qd, ff), maxTokens: b)
        let fe = max(c.expertFFN, 1)
        let expertLinear = Linear(workers: workers, maxCols: max(e, fe), maxTokens: b, integerAlways: true)
        mainExpertScratch = ExpertScratch(linear: expertLinear, rows: b, embedding: e, ffn: fe)
        if workers.count > 1 && c.expertCount > 0 {
            let smallRows = min(b, Linear.smallBatch)
            expertScratch = (0..<workers.count).map { _ in
                ExpertScratch(linear: Linear(workers: Workers(threads: 1), maxCols: max(e, fe), maxTokens: smallRows, integerAlways: true),
                              rows: smallRows, embedding: e, ffn: fe)
            }
        } else {
            expertScratch = []
        }
    }

    deinit { chosen.deallocate() }
}

/// Buffers for running one expert over up to `rows` tokens.
final class ExpertScratch {
    let linear: Linear
    let gathered: FloatBuffer   // [rows, embd] the expert's input rows
    let hb: FloatBuffer         // [rows, ffExp] gate activations
    let hb2: FloatBuffer        // [rows, ffExp] up activations
    let out: FloatBuffer        // [rows, embd] the expert's outputs

    init(linear: Linear, rows: Int, embedding: Int, ffn: Int) {
        self.linear = linear
        gathered = FloatBuffer(rows * embedding); out = FloatBuffer(rows * embedding)
        hb = FloatBuffer(rows * ffn); hb2 = FloatBuffer(rows * ffn)
    }
}
