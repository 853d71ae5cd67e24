/// A loaded model: configuration, weights (views into the mmapped GGUF) and worker threads.
///
/// Immutable after `load`; any number of `Session`s may run on it, each on its own thread.
public final class Model: @unchecked Sendable {
    /// Sizes, experts and per-layer behaviour.
    public let config: ModelConfig
    /// The underlying file (metadata for the tokenizer, tensor table for `model info`).
    public let file: GGUFFile
    /// Worker threads used by each forward pass.
    public let threads: Int
    let weights: ModelWeights
    let workers: Workers
    /// Tokens, seconds and expert routing computed so far (`EngineUsage.snapshot()`).
    public let usage: EngineUsage
    /// Sum of the bytes read while warming (kept so the reads are not optimized away).
    var warmChecksum: UInt64 = 0

    /// Maps the file at `path`, reads its configuration, checks every tensor it needs and, with
    /// `warm` (when the weights fit in memory), makes the weights resident. `progress` follows
    /// each stage (`LoadProgress`; monotonic, ending with `.ready`).
    /// Throws `GGUFError` naming the key or tensor on any problem.
    public static func load(path: String, threads: Int = 1, warm: Bool = true,
                            progress: ((LoadProgress) -> Void)? = nil) throws -> Model {
        let clock = ContinuousClock(), start = clock.now
        var report = LoadProgress()
        func send() {
            guard let progress else { return }
            let d = clock.now - start
            report.seconds = Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
            progress(report)
        }
        send()
        let file = try GGUFFile(path: path)
        report.fileBytes = file.fileSize
        report.stage = .validating
        let model = try Model(file: file, threads: threads) { done, total, tensors in
            report.layersChecked = done
            report.layerCount = total
            report.tensorsChecked = tensors
            send()
        }
        if warm && file.fitsInMemory {
            report.stage = .warming
            report.bytesToWarm = file.tensorDataBytes
            send()
            model.warmChecksum = file.warm { done in
                report.bytesWarmed = done
                send()
            }
        }
        report.stage = .ready
        send()
        return model
    }

    /// Builds a model from an opened file.
    public convenience init(file: GGUFFile, threads: Int = 1) throws {
        try self.init(file: file, threads: threads, onLayer: { _, _, _ in })
    }

    /// Builds a model from an opened file; `onLayer(layersDone, layerCount, tensorsChecked)`
    /// follows the tensor checks.
    init(file: GGUFFile, threads: Int, onLayer: (Int, Int, Int) -> Void) throws {
        guard let arch = file.string(GGUFKey.architecture) else { throw GGUFError("missing metadata key \(GGUFKey.architecture)") }
        var c = try ArchitectureRegistry.definition(for: arch).config(from: file, arch: arch)
        let layers = c.layerCount
        weights = try ModelWeights(file: file, config: &c) { done, tensors in onLayer(done, layers, tensors) }
        config = c
        usage = EngineUsage(config: c)
        self.file = file
        self.threads = max(1, threads)
        workers = Workers(threads: self.threads)
    }

    /// A new session (one sequence of tokens, its KV cache and scratch) with room for `maxTokens` positions; prompts are processed in batches
    /// of at most `batchSize` tokens.
    public func makeSession(maxTokens: Int, batchSize: Int = 256) -> Session {
        Session(model: self, maxTokens: maxTokens, batchSize: batchSize)
    }
}
