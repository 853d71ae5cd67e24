/// Every weight of a Llama 4 vision tower and its projector, as views into the mapped mmproj
/// (norm vectors and biases decoded to float). Shapes in ggml order [ne0, ne1]: a `Matrix` of
/// [cols, rows] maps cols inputs to rows outputs. Names: transformers' Llama4VisionModel.
struct VisionWeights {
    struct Block {
        var norm1: [Float], norm1Bias: [Float]   // [W] input_layernorm
        var wq: Matrix, bq: [Float]              // [W, W], [W]
        var wk: Matrix, bk: [Float]
        var wv: Matrix, bv: [Float]
        var wo: Matrix, bo: [Float]              // [W, W] o_proj
        var norm2: [Float], norm2Bias: [Float]   // [W] post_attention_layernorm
        var fc1: Matrix, fc1Bias: [Float]        // [W, F], [F]
        var fc2: Matrix, fc2Bias: [Float]        // [F, W], [W]
    }

    var patchEmbedding: Matrix       // [3·p·p, W]: patch_embedding.linear (no bias), input order channel, row, column
    var classEmbedding: [Float]      // [W]
    var positionEmbedding: [Float]   // [W, patches+1] row-major by position; the last row is the class token's
    var preNorm: [Float], preNormBias: [Float]     // [W] layernorm_pre
    var postNorm: [Float], postNormBias: [Float]   // [W] layernorm_post
    var blocks: [Block]
    var adapterFC1: Matrix           // [4W, H] vision_adapter.mlp.fc1 (no bias)
    var adapterFC2: Matrix           // [H, O] vision_adapter.mlp.fc2 (no bias)
    var projector: Matrix            // [O, text] multi_modal_projector.linear_1 (no bias)

    init(file f: GGUFFile, config c: inout VisionConfig) throws {
        let l = TensorLoader(file: f), W = c.width
        // The patch embedding may be stored flat [588, W] or as a conv kernel [p, p, 3, W]: same bytes.
        let pt = try l.info(VisionTensorName.patchEmbedding)
        guard pt.shape.first.map({ _ in pt.shape.reduce(1, *) == c.patchValues * W }) == true, pt.shape.last == W else {
            throw l.shapeError(pt, [c.patchValues, W])
        }
        guard pt.shape.count == 2 || pt.type == .f32 || pt.type == .f16 else {
            throw GGUFError("tensor \(pt.name): a 4-D patch kernel must be F32 or F16")
        }
        patchEmbedding = Matrix(base: f.pointer(to: pt), type: pt.type, cols: c.patchValues, rows: W)
        classEmbedding = try l.vector(VisionTensorName.classEmbedding, W)
        let pos = try l.matrix(VisionTensorName.positionEmbedding, cols: W, rows: c.patches + 1)
        positionEmbedding = VisionWeights.rows(pos)
        preNorm = try l.vector(VisionTensorName.preNorm + ".weight", W)
        preNormBias = try l.vector(VisionTensorName.preNorm + ".bias", W)
        postNorm = try l.vector(VisionTensorName.postNorm + ".weight", W)
        postNormBias = try l.vector(VisionTensorName.postNorm + ".bias", W)
        blocks = []
        for i in 0..<c.blocks {
            func m(_ part: String, _ cols: Int, _ rows: Int) throws -> Matrix { try l.matrix(VisionTensorName.block(i, part) + ".weight", cols: cols, rows: rows) }
            func v(_ part: String, _ n: Int, _ suffix: String = ".bias") throws -> [Float] { try l.vector(VisionTensorName.block(i, part) + suffix, n) }
            guard let n2 = VisionTensorName.secondNormNames.first(where: { f.tensors[VisionTensorName.block(i, $0) + ".weight"] != nil }) else {
                throw GGUFError("missing tensor \(VisionTensorName.block(i, "ln2")).weight (or attn_post_norm)")
            }
            blocks.append(Block(
                norm1: try v("ln1", W, ".weight"), norm1Bias: try v("ln1", W),
                wq: try m("attn_q", W, W), bq: try v("attn_q", W),
                wk: try m("attn_k", W, W), bk: try v("attn_k", W),
                wv: try m("attn_v", W, W), bv: try v("attn_v", W),
                wo: try m("attn_out", W, W), bo: try v("attn_out", W),
                norm2: try v(n2, W, ".weight"), norm2Bias: try v(n2, W),
                fc1: try m("ffn_up", W, c.ffn), fc1Bias: try v("ffn_up", c.ffn),
                fc2: try m("ffn_down", c.ffn, W), fc2Bias: try v("ffn_down", W)))
        }
        let shuffled = W * c.shuffle * c.shuffle
        adapterFC1 = try l.matrix(VisionTensorName.adapterFC1, cols: shuffled, rows: nil)
        adapterFC2 = try l.matrix(VisionTensorName.adapterFC2, cols: adapterFC1.rows, rows: nil)
        projector = try l.matrix(VisionTensorName.projector, cols: adapterFC2.rows, rows: c.textWidth)
        c.adapterHidden = adapterFC1.rows
        c.adapterOut = adapterFC2.rows
    }

    /// All rows of a matrix decoded to float, row-major.
    static func rows(_ m: Matrix) -> [Float] {
        var out = [Float](repeating: 0, count: m.rows * m.cols)
        out.withUnsafeMutableBufferPointer { b in
            for r in 0..<m.rows { dequantizeRow(m.type, m.row(r), b.baseAddress! + r * m.cols, m.cols) }
        }
        return out
    }
}
