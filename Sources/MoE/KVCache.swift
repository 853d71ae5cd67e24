/// Keys and values of one sequence, F32, for every layer and position up to `maxTokens`
/// (llama.cpp with type_k = type_v = f32). Layout per layer: [maxTokens, kvHeads·hd].
final class KVCache {
    let maxTokens: Int
    let kvDim: Int
    let keys: [FloatBuffer]
    let values: [FloatBuffer]

    init(layers: Int, maxTokens: Int, kvDim: Int) {
        self.maxTokens = maxTokens
        self.kvDim = kvDim
        keys = (0..<layers).map { _ in FloatBuffer(maxTokens * kvDim) }
        values = (0..<layers).map { _ in FloatBuffer(maxTokens * kvDim) }
    }

    /// Key row of `layer` at `position`.
    @inline(__always) func key(_ layer: Int, _ position: Int) -> UnsafeMutablePointer<Float> { keys[layer].p + position * kvDim }
    /// Value row of `layer` at `position`.
    @inline(__always) func value(_ layer: Int, _ position: Int) -> UnsafeMutablePointer<Float> { values[layer].p + position * kvDim }

    /// Bytes held.
    var byteCount: Int { 2 * keys.count * maxTokens * kvDim * 4 }
}
