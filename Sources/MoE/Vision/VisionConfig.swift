/// mmproj metadata keys and tensor names (llama.cpp's format: gguf-py/gguf/constants.py `Keys.ClipVision`,
/// tensor_mapping.py `MODEL_TENSOR.V_*`, conversion/llama4.py). Compute code never spells these.
enum VisionKey {
    static let projectorType = "clip.projector_type"
    static let imageSize = "clip.vision.image_size"
    static let patchSize = "clip.vision.patch_size"
    static let embeddingLength = "clip.vision.embedding_length"
    static let feedForwardLength = "clip.vision.feed_forward_length"
    static let blockCount = "clip.vision.block_count"
    static let headCount = "clip.vision.attention.head_count"
    static let layerNormEpsilon = "clip.vision.attention.layer_norm_epsilon"
    static let projectionDim = "clip.vision.projection_dim"
    static let scaleFactor = "clip.vision.projector.scale_factor"
    static let imageMean = "clip.vision.image_mean"
    static let imageStd = "clip.vision.image_std"
}

enum VisionTensorName {
    static let patchEmbedding = "v.patch_embd.weight"
    static let classEmbedding = "v.class_embd"
    static let positionEmbedding = "v.position_embd.weight"
    static let preNorm = "v.pre_ln"
    static let postNorm = "v.post_ln"
    static func block(_ i: Int, _ part: String) -> String { "v.blk.\(i).\(part)" }
    /// The block's second norm: `ln2`, which llama.cpp's converter at 0c1e570 writes as `attn_post_norm`
    /// (tensor_mapping.py maps `post_attention_layernorm` there); both spellings are accepted.
    static let secondNormNames = ["ln2", "attn_post_norm"]
    static let adapterFC1 = "mm.model.mlp.1.weight"
    static let adapterFC2 = "mm.model.mlp.2.weight"
    static let projector = "mm.model.fc.weight"
}

/// Sizes of a Llama 4 vision tower (Scout: 336/14 patches, width 1408, MLP 5632, 34 blocks, 16 heads).
public struct VisionConfig: Sendable, Equatable {
    /// Tile side in pixels (336).
    public var imageSize: Int
    /// Patch side in pixels (14).
    public var patchSize: Int
    /// Encoder width (1408).
    public var width: Int
    /// Encoder MLP width (5632).
    public var ffn: Int
    /// Encoder blocks (34).
    public var blocks: Int
    /// Attention heads (16).
    public var heads: Int
    /// LayerNorm epsilon (1e-5).
    public var eps: Float
    /// Pixel-shuffle factor per side (2: 24×24 patches → 12×12 tokens).
    public var shuffle: Int
    /// Adapter fc1 output width (4096 on Scout).
    public var adapterHidden: Int
    /// Adapter fc2 output width, the projector's input (4096 on Scout).
    public var adapterOut: Int
    /// Text embedding width the projector writes (5120 on Scout).
    public var textWidth: Int
    /// RoPE base of the 2D position encoding (Llama4VisionConfig.rope_theta; not stored in mmproj files).
    public var ropeBase: Float = 10000

    /// Patches per side (24).
    public var patchesPerSide: Int { imageSize / patchSize }
    /// Patches per tile (576); the encoder runs on these plus the class token.
    public var patches: Int { patchesPerSide * patchesPerSide }
    /// Head width (88).
    public var headDim: Int { width / heads }
    /// Embeddings per tile after the pixel shuffle (144).
    public var tokensPerTile: Int { patches / (shuffle * shuffle) }
    /// Values per patch: 3 channels × patch² (588).
    public var patchValues: Int { 3 * patchSize * patchSize }

    /// Reads and checks the keys of a Llama 4 mmproj file.
    init(file f: GGUFFile) throws {
        guard let type = f.string(VisionKey.projectorType) else { throw GGUFError("not an mmproj file: missing \(VisionKey.projectorType)") }
        guard type == "llama4" else { throw GGUFError("mmproj projector type is \(type); only llama4 is supported") }
        imageSize = try f.requireInt(VisionKey.imageSize)
        patchSize = try f.requireInt(VisionKey.patchSize)
        width = try f.requireInt(VisionKey.embeddingLength)
        ffn = try f.requireInt(VisionKey.feedForwardLength)
        blocks = try f.requireInt(VisionKey.blockCount)
        heads = try f.requireInt(VisionKey.headCount)
        eps = f.float(VisionKey.layerNormEpsilon) ?? 1e-5
        shuffle = f.int(VisionKey.scaleFactor) ?? 2
        textWidth = try f.requireInt(VisionKey.projectionDim)
        adapterHidden = 0
        adapterOut = 0
        guard patchSize > 0, imageSize % patchSize == 0, imageSize <= 4096, width > 0, heads > 0, width % heads == 0,
              (width / heads) % 4 == 0, blocks > 0, blocks <= 1000, ffn > 0, shuffle > 0,
              (imageSize / patchSize) % shuffle == 0, textWidth > 0 else {
            throw GGUFError("mmproj sizes are inconsistent (image \(imageSize), patch \(patchSize), width \(width), heads \(heads), shuffle \(shuffle))")
        }
        for key in [VisionKey.imageMean, VisionKey.imageStd] {
            if let v = f.floats(key), v.contains(where: { $0 != 0.5 }) {
                throw GGUFError("\(key) is \(v); Llama 4 normalizes with 0.5")
            }
        }
    }
}
