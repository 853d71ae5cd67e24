import Foundation
import Testing
@testable import MoE

/// Llama 4 preprocessing against `transformers`' Llama4ImageProcessor (torchvision backend).
@Suite struct PreprocessorTests {
    @Test func normalizationTableMatchesBFloat16Reference() throws {
        let ref = try VisionReference.load("one-tile")
        #expect(ImagePreprocessor.normalizationTable == ref.pixel_table)
    }

    /// Best-fit grids as transformers picks them (max_patches 9).
    @Test func gridsMatchReference() throws {
        let p = ImagePreprocessor()
        for name in ["one-tile", "multi-tile", "large"] {
            let ref = try VisionReference.load(name)
            let g = p.grid(width: ref.width, height: ref.height)
            #expect([g.rows, g.columns] == ref.grid, "\(name)")
        }
        // Small images: one tile; a 700×400 picture: 2×3 tiles (upscaling preferred, then least area).
        #expect(p.grid(width: 336, height: 336) == (1, 1))
        #expect(p.grid(width: 700, height: 400) == (2, 3))
        #expect(p.grid(width: 5000, height: 300) == (1, 9))
    }

    /// Pixel values: exactly the reference's (same resampling integers, same bfloat16 rounding).
    @Test(arguments: ["one-tile", "multi-tile", "large"])
    func pixelValuesMatchReference(_ name: String) throws {
        let ref = try VisionReference.load(name)
        let image = try ImageDecoder.decode(try ref.imageData())
        let out = ImagePreprocessor(maxTiles: ref.max_tiles).preprocess(image)
        #expect(out.tileCount == ref.tiles)
        #expect([out.rows, out.columns] == ref.grid)
        let expected = try ref.pixelValues(name)
        let n = 3 * out.tileSize * out.tileSize
        var ours: [Float] = []
        for t in ref.pixel_tiles { ours += out.pixels[t * n..<(t + 1) * n] }
        let d = maxAbsDiff(ours, expected)
        var off = 0
        for i in ours.indices where ours[i] != expected[i] { off += 1 }
        print("\(name): max |Δpixel| \(d), \(off) of \(ours.count) values differ")
        #expect(d == 0, "max |Δ| \(d), \(off) values differ")
    }

    /// Odd sizes (a single pixel, one-pixel lines, just over a tile) preprocess without trouble.
    @Test func oddSizes() {
        let p = ImagePreprocessor()
        for (w, h) in [(1, 1), (1, 3000), (3000, 1), (337, 335), (336, 337), (2, 700)] {
            let img = DecodedImage(width: w, height: h, pixels: (0..<w * h * 3).map { UInt8(truncatingIfNeeded: $0 * 7) })
            let out = p.preprocess(img)
            #expect(out.pixels.count == out.tileCount * 3 * 336 * 336, "\(w)×\(h)")
            #expect(out.rows * out.columns <= 9)
            #expect(out.pixels.allSatisfy { $0 >= -1 && $0 <= 1 })
        }
    }
}
