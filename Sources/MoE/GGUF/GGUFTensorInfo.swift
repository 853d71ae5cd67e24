/// Where one tensor lives in a GGUF file (GGUF spec, "gguf_tensor_info_t"), after validation.
public struct GGUFTensorInfo: Sendable {
    /// The tensor's name, e.g. `blk.0.attn_q.weight`.
    public let name: String
    /// Dimensions in ggml order: `shape[0]` is the contiguous row length (`ne[0]`).
    public let shape: [Int]
    /// Element type.
    public let type: GGMLType
    /// Byte offset of the data from the start of the file (data blob start + stored offset).
    public let fileOffset: Int
    /// Bytes of data.
    public let byteCount: Int

    /// Total number of values.
    public var elementCount: Int { shape.reduce(1, *) }
    /// Number of rows (all dimensions but the first).
    public var rowCount: Int { shape.dropFirst().reduce(1, *) }
    /// Bytes of one row of `shape[0]` values.
    public var rowBytes: Int { type.rowBytes(shape.first ?? 1) ?? 0 }
}
