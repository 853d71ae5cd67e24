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

    /// Maps the file at `path`, reads its configuration and checks every tensor it needs.
    /// Throws `GGUFError` naming the key or tensor on any problem.
    public static func load(path: String, threads: Int = 1, progress: ((Double) -> Void)? = nil) throws -> Model {
        let file = try GGUFFile(path: path)
        progress?(0.5)
        let m = try Model(file: file, threads: threads)
        progress?(1)
        return m
    }

    /// Builds a model from an opened file.
    public init(file: GGUFFile, threads: Int = 1) throws {
        guard let arch = file.string(GGUFKey.architecture) else { throw GGUFError("missing metadata key \(GGUFKey.architecture)") }
        var c = try ArchitectureRegistry.definition(for: arch).config(from: file, arch: arch)
        weights = try ModelWeights(file: file, config: &c)
        config = c
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
