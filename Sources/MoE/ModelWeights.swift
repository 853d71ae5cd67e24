/// Every weight of a model, as views into the mapped GGUF file (nothing is copied but the
/// small 1-D norm vectors, which are decoded to float). Shapes in ggml order [ne0, ne1, ...];
/// a `Matrix` of [cols, rows] computes rows outputs from cols inputs.
struct ModelWeights {
    /// Per-block weights.
    struct Layer {
        var attnNorm: [Float]            // [embd]
        var wq: Matrix                   // [embd, heads·hd]
        var wk: Matrix                   // [embd, kvHeads·hd]
        var wv: Matrix                   // [embd, kvHeads·hd]
        var wo: Matrix                   // [heads·hd, embd]
        var qNorm: [Float]?              // [hd] (Qwen3)
        var kNorm: [Float]?              // [hd] (Qwen3)
        var ffnNorm: [Float]             // [embd]
        var ffnGate: Matrix?             // [embd, ff] dense layers
        var ffnUp: Matrix?               // [embd, ff]
        var ffnDown: Matrix?             // [ff, embd]
        var router: Matrix?              // [embd, experts] (ffn_gate_inp, F32 in practice)
        var gateExperts: ExpertMatrix?   // [embd, ffExp, experts]
        var upExperts: ExpertMatrix?     // [embd, ffExp, experts]
        var downExperts: ExpertMatrix?   // [ffExp, embd, experts]
        var gateShared: Matrix?          // [embd, ffExp] (Llama 4 shared expert)
        var upShared: Matrix?            // [embd, ffExp]
        var downShared: Matrix?          // [ffExp, embd]
    }

    var tokenEmbedding: Matrix           // [embd, vocab]; row t is token t's embedding
    var outputNorm: [Float]              // [embd]
    var output: Matrix                   // [embd, vocab]; `token_embd` when absent (tied)
    var ropeFreqs: [Float]?              // [ropeDim/2] (Llama 3/4: divides each frequency)
    var layers: [Layer]

    /// Finds every tensor the configuration needs, checking presence, shape and type;
    /// `onLayer(layersDone, tensorsChecked)` follows the work (for `LoadProgress`).
    init(file f: GGUFFile, config c: inout ModelConfig, onLayer: (Int, Int) -> Void = { _, _ in }) throws {
        let loader = TensorLoader(file: f)
        tokenEmbedding = try loader.matrix(TensorName.tokenEmbedding, cols: c.embedding, rows: nil)
        c.vocabSize = tokenEmbedding.rows
        guard c.vocabSize > 0 else { throw GGUFError("tensor \(TensorName.tokenEmbedding) has no rows") }
        outputNorm = try loader.vector(TensorName.outputNorm, c.embedding)
        output = f.tensors[TensorName.output] == nil ? tokenEmbedding
            : try loader.matrix(TensorName.output, cols: c.embedding, rows: c.vocabSize)
        ropeFreqs = f.tensors[TensorName.ropeFreqs] == nil ? nil : try loader.vector(TensorName.ropeFreqs, c.ropeDim / 2)

        let qDim = c.headCount * c.headDim, kvDim = c.kvHeadCount * c.headDim, e = c.embedding
        layers = []
        for i in 0..<c.layerCount {
            let s = c.layers[i]
            var l = Layer(
                attnNorm: try loader.vector(TensorName.attnNorm(i), e),
                wq: try loader.matrix(TensorName.attnQ(i), cols: e, rows: qDim),
                wk: try loader.matrix(TensorName.attnK(i), cols: e, rows: kvDim),
                wv: try loader.matrix(TensorName.attnV(i), cols: e, rows: kvDim),
                wo: try loader.matrix(TensorName.attnOutput(i), cols: qDim, rows: e),
                ffnNorm: try loader.vector(TensorName.ffnNorm(i), e))
            if s.qkNormWeights {
                l.qNorm = try loader.vector(TensorName.attnQNorm(i), c.headDim)
                l.kNorm = try loader.vector(TensorName.attnKNorm(i), c.headDim)
            }
            if s.isMoE {
                let n = c.expertCount, ff = c.expertFFN
                l.router = try loader.matrix(TensorName.ffnRouter(i), cols: e, rows: n)
                l.gateExperts = try loader.experts(TensorName.ffnGateExperts(i), cols: e, rows: ff, experts: n)
                l.upExperts = try loader.experts(TensorName.ffnUpExperts(i), cols: e, rows: ff, experts: n)
                l.downExperts = try loader.experts(TensorName.ffnDownExperts(i), cols: ff, rows: e, experts: n)
                if s.sharedExpert {
                    l.gateShared = try loader.matrix(TensorName.ffnGateShared(i), cols: e, rows: ff)
                    l.upShared = try loader.matrix(TensorName.ffnUpShared(i), cols: e, rows: ff)
                    l.downShared = try loader.matrix(TensorName.ffnDownShared(i), cols: ff, rows: e)
                }
            } else {
                guard s.ffn > 0 else { throw GGUFError("layer \(i) is dense but feed_forward_length is missing") }
                l.ffnGate = try loader.matrix(TensorName.ffnGate(i), cols: e, rows: s.ffn)
                l.ffnUp = try loader.matrix(TensorName.ffnUp(i), cols: e, rows: s.ffn)
                l.ffnDown = try loader.matrix(TensorName.ffnDown(i), cols: s.ffn, rows: e)
            }
            layers.append(l)
            onLayer(i + 1, loader.checked)
        }
    }
}

/// Looks up tensors by name and checks them against the shapes the config implies.
final class TensorLoader {
    let file: GGUFFile
    /// Tensors looked up so far.
    private(set) var checked = 0

    init(file: GGUFFile) { self.file = file }

    func info(_ name: String) throws -> GGUFTensorInfo {
        guard let t = file.tensors[name] else { throw GGUFError("missing tensor \(name)") }
        checked += 1
        guard t.type.isSupported else { throw GGUFError("tensor \(name) has type \(t.type.name), which the engine does not support") }
        return t
    }

    func shapeError(_ t: GGUFTensorInfo, _ want: [Int?]) -> GGUFError {
        GGUFError("tensor \(t.name) has shape \(t.shape), expected \(want.map { $0.map(String.init) ?? "?" })")
    }

    /// A 2-D tensor [cols, rows] (rows nil: any positive).
    func matrix(_ name: String, cols: Int, rows: Int?) throws -> Matrix {
        let t = try info(name)
        guard t.shape.count == 2, t.shape[0] == cols, rows.map({ t.shape[1] == $0 }) ?? (t.shape[1] > 0) else {
            throw shapeError(t, [cols, rows])
        }
        return Matrix(base: file.pointer(to: t), type: t.type, cols: cols, rows: t.shape[1])
    }

    /// A 3-D expert stack [cols, rows, experts].
    func experts(_ name: String, cols: Int, rows: Int, experts: Int) throws -> ExpertMatrix {
        let t = try info(name)
        guard t.shape == [cols, rows, experts] else { throw shapeError(t, [cols, rows, experts]) }
        return ExpertMatrix(base: file.pointer(to: t), type: t.type, cols: cols, rows: rows, experts: experts)
    }

    /// A 1-D tensor of `n` values, decoded to float.
    func vector(_ name: String, _ n: Int) throws -> [Float] {
        let t = try info(name)
        guard t.shape == [n] else { throw shapeError(t, [n]) }
        var out = [Float](repeating: 0, count: n)
        out.withUnsafeMutableBufferPointer { dequantizeRow(t.type, file.pointer(to: t), $0.baseAddress!, n) }
        return out
    }
}
