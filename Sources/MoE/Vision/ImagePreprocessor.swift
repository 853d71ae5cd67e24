/// Llama 4's image preprocessing, following `transformers`' `Llama4ImageProcessor`
/// (models/llama4/image_processing_llama4.py) step by step:
///
/// 1. The canvases allowed are grids of 336-pixel tiles with at most `maxTiles` tiles
///    (`find_supported_resolutions`).
/// 2. `get_best_fit`: per canvas, the scale that fits the image without distortion is the smaller
///    of the two side ratios; take the smallest scale ≥ 1 if any (least upscaling), else the
///    largest (least downscaling); ties go to the smallest canvas.
/// 3. The image is resized (aspect kept) to fit that canvas, but never upscaled past 336 on a side
///    that is already larger than 336 (`max_upscaling_size`, `get_max_res_without_distortion`),
///    with antialiased bilinear resampling on bytes (`Resample`; the processor's default
///    `resample` is BILINEAR in transformers 5.24, not bicubic), then padded with black on the
///    right and bottom (`pad_to_best_fit`).
/// 4. The canvas is cut into tiles row by row (`split_to_tiles`); when there is more than one tile
///    the whole image, stretched to 336×336, follows as a global overview tile.
/// 5. Each byte x becomes (x/255 − 0.5)/0.5, computed in bfloat16 as the processor does
///    (`rescale_and_normalize` casts to bfloat16 "as in the original implementation").
public struct ImagePreprocessor: Sendable {
    /// Side of a tile in pixels (`clip.vision.image_size`).
    public let tileSize: Int
    /// Most tiles in the grid (transformers' `max_patches`). The default 9 allows grids up to 3×3
    /// (and 1×9 … 9×1); Scout's own processor config says 16.
    public let maxTiles: Int

    /// A preprocessor for `tileSize`-pixel tiles and grids of at most `maxTiles` tiles.
    public init(tileSize: Int = 336, maxTiles: Int = 9) {
        precondition(tileSize > 0 && maxTiles > 0)
        self.tileSize = tileSize
        self.maxTiles = maxTiles
    }

    /// Grid (rows, columns) the image goes to.
    public func grid(width: Int, height: Int) -> (rows: Int, columns: Int) {
        let (ch, cw) = bestCanvas(height: height, width: width)
        return (ch / tileSize, cw / tileSize)
    }

    /// The model's input for `image`: tiles (grid tiles row-major, then the overview when the
    /// grid has more than one tile), each [3, tileSize, tileSize] channel-planar floats.
    public func preprocess(_ image: DecodedImage) -> PreprocessedImage {
        let s = tileSize
        let (ch, cw) = bestCanvas(height: image.height, width: image.width)
        // max_upscaling_size = size.height: sides above 336 are never upscaled.
        let th = min(max(image.height, s), ch), tw = min(max(image.width, s), cw)
        var (nh, nw) = maxResWithoutDistortion(height: image.height, width: image.width, targetHeight: th, targetWidth: tw)
        nh = max(nh, 1); nw = max(nw, 1)
        let resized = Resample.bilinear(image, width: nw, height: nh)
        let rows = ch / s, cols = cw / s
        let table = ImagePreprocessor.normalizationTable
        let tiles = rows * cols + (rows * cols > 1 ? 1 : 0)
        var out = [Float](repeating: 0, count: tiles * 3 * s * s)
        let pad = table[0]
        // Canvas tile (r, c) pixel (y, x) is resized pixel (r·s + y, c·s + x), black beyond it.
        for r in 0..<rows {
            for c in 0..<cols {
                let base = (r * cols + c) * 3 * s * s
                for y in 0..<s {
                    let sy = r * s + y
                    for x in 0..<s {
                        let sx = c * s + x
                        let inside = sy < nh && sx < nw
                        for k in 0..<3 {
                            out[base + k * s * s + y * s + x] = inside ? table[Int(resized.pixels[(sy * nw + sx) * 3 + k])] : pad
                        }
                    }
                }
            }
        }
        if tiles > rows * cols {
            let g = Resample.bilinear(image, width: s, height: s)
            let base = rows * cols * 3 * s * s
            for i in 0..<s * s {
                for k in 0..<3 { out[base + k * s * s + i] = table[Int(g.pixels[i * 3 + k])] }
            }
        }
        return PreprocessedImage(tileSize: s, rows: rows, columns: cols, tileCount: tiles, pixels: out)
    }

    /// Allowed canvases (height, width) in pixels (`find_supported_resolutions`).
    func canvases() -> [(Int, Int)] {
        var out: [(Int, Int)] = []
        for n in 1...maxTiles {
            for h in 1...n where n % h == 0 { out.append((h * tileSize, n / h * tileSize)) }
        }
        return out
    }

    /// `get_best_fit` (resize_to_max_canvas = false).
    func bestCanvas(height: Int, width: Int) -> (Int, Int) {
        let all = canvases()
        // Scales as torch computes them: float32 tensors divided by the image size.
        let scales: [Float] = all.map { c in
            let sh = Float(c.0) / Float(height), sw = Float(c.1) / Float(width)
            return sh > sw ? sw : sh
        }
        let up = scales.filter { $0 >= 1 }
        let chosen = up.isEmpty ? scales.max()! : up.min()!
        var best: (Int, Int)? = nil
        for (i, c) in all.enumerated() where scales[i] == chosen {
            if best == nil || c.0 * c.1 < best!.0 * best!.1 { best = c }
        }
        return best!
    }

    /// `get_max_res_without_distortion`.
    func maxResWithoutDistortion(height: Int, width: Int, targetHeight: Int, targetWidth: Int) -> (Int, Int) {
        let sw = Double(targetWidth) / Double(width), sh = Double(targetHeight) / Double(height)
        if sw < sh {
            return (min(Int((Double(height) * sw).rounded(.down)), targetHeight), targetWidth)
        } else {
            return (targetHeight, min(Int((Double(width) * sh).rounded(.down)), targetWidth))
        }
    }

    /// The value of each byte after rescaling and normalization, in bfloat16 arithmetic:
    /// bf16(bf16(x · float(1/255)) − 0.5) / 0.5.
    public static let normalizationTable: [Float] = (0..<256).map { x in
        let scaled = bfloat16Round(Float(x) * Float(1.0 / 255.0))
        return bfloat16Round(scaled - 0.5) / 0.5
    }

    /// Rounds a float to the nearest bfloat16 (ties to even), as PyTorch's float → bfloat16 cast.
    static func bfloat16Round(_ v: Float) -> Float {
        let bits = v.bitPattern
        let rounded = (bits &+ 0x7FFF &+ ((bits >> 16) & 1)) & 0xFFFF_0000
        return Float(bitPattern: rounded)
    }
}

/// Preprocessed tiles of one image, ready for the vision encoder.
public struct PreprocessedImage: Sendable {
    /// Side of a tile in pixels.
    public let tileSize: Int
    /// Grid rows of tiles (1 for a one-tile image).
    public let rows: Int
    /// Grid columns of tiles.
    public let columns: Int
    /// Tiles in `pixels`: rows·columns, plus one overview tile when that is more than 1.
    public let tileCount: Int
    /// [tileCount, 3, tileSize, tileSize] normalized values.
    public let pixels: [Float]
}
