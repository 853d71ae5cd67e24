/// A weight matrix in the mapped file: `rows` rows of `cols` values of `type`, row-major.
///
/// In ggml terms `cols` is `ne[0]` and `rows` is `ne[1]`; y = W·x has `rows` outputs.
struct Matrix {
    /// First byte of row 0.
    let base: UnsafeRawPointer
    /// Element type of the rows.
    let type: GGMLType
    /// Values per row (`ne[0]`).
    let cols: Int
    /// Number of rows (`ne[1]`).
    let rows: Int
    /// Bytes per row.
    var rowBytes: Int { type.rowBytes(cols)! }

    /// Address of row `r`.
    @inline(__always) func row(_ r: Int) -> UnsafeRawPointer { base + r * rowBytes }
}

/// A stack of expert matrices `[cols, rows, experts]`: expert `e` is the contiguous slice `e`.
struct ExpertMatrix {
    let base: UnsafeRawPointer
    let type: GGMLType
    let cols: Int
    let rows: Int
    let experts: Int

    /// The matrix of expert `e`.
    func expert(_ e: Int) -> Matrix {
        Matrix(base: base + e * rows * type.rowBytes(cols)!, type: type, cols: cols, rows: rows)
    }
}
