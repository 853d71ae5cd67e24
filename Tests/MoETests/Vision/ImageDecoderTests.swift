import Foundation
import Testing
@testable import MoE

/// JPEG/PNG decoding against Pillow's decode of the same files, and hostile inputs.
@Suite struct ImageDecoderTests {
    struct Case: Decodable { let width: Int; let height: Int; let rgb: [UInt8] }
    static var dir: URL { VisionReference.dir.appendingPathComponent("decode") }
    static func data(_ name: String) throws -> Data { try Data(contentsOf: dir.appendingPathComponent(name)) }

    /// PNG is lossless: identical bytes. JPEG: Pillow also decodes with libjpeg-turbo (islow IDCT,
    /// fancy upsampling, libjpeg's defaults, as ours): identical bytes expected, ±1 allowed for
    /// another libjpeg-turbo version's rounding. Transparency goes over white (± 1 for rounding).
    @Test(arguments: ["rgb.jpg", "rgb-420.jpg", "progressive.jpg", "gray.jpg", "rgb.png", "gray.png", "palette.png", "rgba.png"])
    func decodesLikePillow(_ name: String) throws {
        let cases = try JSONDecoder().decode([String: Case].self, from: try Self.data("decode.json"))
        let ref = try #require(cases[name])
        let img = try ImageDecoder.decode(try Self.data(name))
        #expect(img.width == ref.width && img.height == ref.height)
        var worst = 0
        for i in img.pixels.indices { worst = max(worst, abs(Int(img.pixels[i]) - Int(ref.rgb[i]))) }
        print("\(name): max |Δbyte| \(worst)")
        #expect(worst <= 1)
    }

    /// Cut inside the image data. (A PNG missing only its trailing IEND chunk still has every
    /// pixel and decodes, as in Pillow.)
    @Test func truncatedFilesAreErrors() throws {
        for name in ["rgb.jpg", "progressive.jpg", "rgb.png", "rgba.png"] {
            let full = try Self.data(name)
            for cut in [full.count / 3, full.count / 2, full.count * 3 / 4] {
                #expect(throws: ImageDecodingError.self, "\(name) cut at \(cut)") { try ImageDecoder.decode(full.prefix(cut)) }
            }
            #expect(throws: ImageDecodingError.self) { try ImageDecoder.decode(full.prefix(4)) }
        }
    }

    @Test func corruptFilesAreErrors() throws {
        // PNG: a flipped byte inside the image data fails its CRC.
        var png = [UInt8](try Self.data("rgb.png"))
        png[png.count / 2] ^= 0xFF
        #expect(throws: ImageDecodingError.self) { try ImageDecoder.decode(Data(png)) }
        // JPEG: a broken frame header (zero components).
        var jpg = [UInt8](try Self.data("rgb.jpg"))
        let sof = try #require((0..<jpg.count - 1).first { jpg[$0] == 0xFF && jpg[$0 + 1] == 0xC0 })
        jpg[sof + 9] = 0
        #expect(throws: ImageDecodingError.self) { try ImageDecoder.decode(Data(jpg)) }
        // Random bytes after a JPEG signature never crash (an error, or garbage pixels libjpeg recovers).
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<50 {
            var junk: [UInt8] = [0xFF, 0xD8, 0xFF]
            for _ in 0..<Int.random(in: 0..<600, using: &rng) { junk.append(UInt8.random(in: 0...255, using: &rng)) }
            _ = try? ImageDecoder.decode(Data(junk))
            junk[0] = 0x89; junk[1] = 0x50; junk[2] = 0x4E
            _ = try? ImageDecoder.decode(Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + junk))
        }
    }

    @Test func otherTypesAreRefusedByName() {
        let gif = Data("GIF89a\u{01}\u{00}\u{01}\u{00}".utf8)
        #expect(throws: ImageDecodingError.unsupportedType("GIF")) { try ImageDecoder.decode(gif) }
        let webp = Data("RIFF\u{0}\u{0}\u{0}\u{0}WEBPVP8 ".utf8)
        #expect(throws: ImageDecodingError.unsupportedType("WebP")) { try ImageDecoder.decode(webp) }
        #expect(throws: ImageDecodingError.unsupportedType("empty data")) { try ImageDecoder.decode(Data()) }
        #expect(throws: ImageDecodingError.unsupportedType("unknown")) { try ImageDecoder.decode(Data("hello, world".utf8)) }
    }

    /// Declared sizes over the limits are refused from the header, before any pixel memory.
    @Test func hugeDeclaredSizesAreRefused() throws {
        #expect(throws: ImageDecodingError.tooLarge(width: 100000, height: 100000, maxPixels: ImageDecoder.defaultMaxPixels, maxSide: ImageDecoder.defaultMaxSide)) {
            try ImageDecoder.decode(try Self.data("huge.png"))
        }
        #expect(throws: ImageDecodingError.tooLarge(width: 60000, height: 60000, maxPixels: ImageDecoder.defaultMaxPixels, maxSide: ImageDecoder.defaultMaxSide)) {
            try ImageDecoder.decode(try Self.data("huge.jpg"))
        }
        // Custom limits apply to ordinary images too.
        #expect(throws: ImageDecodingError.self) { try ImageDecoder.decode(try Self.data("rgb.png"), maxPixels: 100) }
        let e = ImageDecodingError.tooLarge(width: 100000, height: 100000, maxPixels: 10, maxSide: 5)
        #expect(e.description.contains("100000×100000"))
    }
}
