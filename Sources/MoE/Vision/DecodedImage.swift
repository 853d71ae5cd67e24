/// An image as 8-bit RGB pixels, row-major, channels interleaved (`pixels[(y·width + x)·3 + c]`).
public struct DecodedImage: Sendable, Equatable {
    /// Width in pixels.
    public let width: Int
    /// Height in pixels.
    public let height: Int
    /// `width · height · 3` bytes: R, G, B per pixel, rows top to bottom.
    public let pixels: [UInt8]

    /// An image from its RGB bytes; `pixels.count` must be `width · height · 3`.
    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width > 0 && height > 0 && pixels.count == width * height * 3, "DecodedImage: size and pixels disagree")
        self.width = width
        self.height = height
        self.pixels = pixels
    }
}
