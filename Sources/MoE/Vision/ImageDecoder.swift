import Foundation
import CJPEG
import CPNG

/// Decodes the images people send (JPEG, PNG) to RGB with Debian's libjpeg-turbo and libpng.
///
/// The input is hostile: the type comes from the magic bytes (never a file name or MIME type),
/// the declared size is checked against `maxPixels`/`maxSide` before any pixel memory is
/// allocated, and corrupt or truncated data is an `ImageDecodingError`, never a crash.
/// Transparency is composited onto white, as `transformers`' `convert_to_rgb` does before
/// Llama 4's preprocessing (image_transforms.py: RGBA over an opaque white background).
public struct ImageDecoder {
    /// Largest accepted image in pixels (width · height); 40 megapixels by default.
    public static let defaultMaxPixels = 40_000_000
    /// Largest accepted width or height.
    public static let defaultMaxSide = 16_384

    /// Decodes JPEG or PNG `data`; throws `ImageDecodingError` for other types, corrupt or
    /// truncated data and images larger than the limits.
    public static func decode(_ data: Data, maxPixels: Int = defaultMaxPixels, maxSide: Int = defaultMaxSide) throws -> DecodedImage {
        switch ImageFormat(sniffing: data) {
        case .jpeg: return try decodeJPEG(data, maxPixels: maxPixels, maxSide: maxSide)
        case .png: return try decodePNG(data, maxPixels: maxPixels, maxSide: maxSide)
        case .other(let name): throw ImageDecodingError.unsupportedType(name)
        }
    }

    static func decodeJPEG(_ data: Data, maxPixels: Int, maxSide: Int) throws -> DecodedImage {
        var out: UnsafeMutablePointer<UInt8>?
        var w: Int32 = 0, h: Int32 = 0
        var message = [CChar](repeating: 0, count: 256)
        let rc = data.withUnsafeBytes { raw -> Int32 in
            chorus_jpeg_decode_rgb(raw.bindMemory(to: UInt8.self).baseAddress, UInt(raw.count), &out, &w, &h,
                                   maxPixels, Int32(clamping: maxSide), &message, Int32(message.count))
        }
        let text = String(cString: message)
        switch rc {
        case 0:
            guard let out else { throw ImageDecodingError.corrupt(format: "JPEG", reason: "no pixels") }
            defer { free(out) }
            let n = Int(w) * Int(h) * 3
            return DecodedImage(width: Int(w), height: Int(h), pixels: Array(UnsafeBufferPointer(start: out, count: n)))
        case 2: throw ImageDecodingError.tooLarge(width: Int(w), height: Int(h), maxPixels: maxPixels, maxSide: maxSide)
        case 3: throw ImageDecodingError.truncated(format: "JPEG")
        default: throw ImageDecodingError.corrupt(format: "JPEG", reason: text.isEmpty ? "unreadable data" : text)
        }
    }

    static func decodePNG(_ data: Data, maxPixels: Int, maxSide: Int) throws -> DecodedImage {
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        defer { png_image_free(&image) }
        func reason(_ img: png_image) -> String {
            var m = img.message
            return withUnsafeBytes(of: &m) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
        }
        let ok = data.withUnsafeBytes { raw in png_image_begin_read_from_memory(&image, raw.baseAddress, raw.count) }
        guard ok != 0 else { throw ImageDecodingError.corrupt(format: "PNG", reason: reason(image)) }
        let w = Int(image.width), h = Int(image.height)
        guard w > 0, h > 0, w <= maxSide, h <= maxSide, w * h <= maxPixels else {
            throw ImageDecodingError.tooLarge(width: w, height: h, maxPixels: maxPixels, maxSide: maxSide)
        }
        // RGBA, then onto white ourselves: libpng's own background compositing works in linear light.
        image.format = UInt32(PNG_FORMAT_FLAG_COLOR | PNG_FORMAT_FLAG_ALPHA)  // PNG_FORMAT_RGBA
        var rgba = [UInt8](repeating: 0, count: w * h * 4)
        let done = data.withUnsafeBytes { _ in
            rgba.withUnsafeMutableBytes { png_image_finish_read(&image, nil, $0.baseAddress, Int32(w * 4), nil) }
        }
        guard done != 0 else {
            let r = reason(image)
            if r.contains("EOF") || r.contains("end of") || r.contains("Not enough") { throw ImageDecodingError.truncated(format: "PNG") }
            throw ImageDecodingError.corrupt(format: "PNG", reason: r)
        }
        var rgb = [UInt8](repeating: 0, count: w * h * 3)
        for i in 0..<w * h {
            let a = Int(rgba[4 * i + 3])
            for c in 0..<3 {
                let v = Int(rgba[4 * i + c])
                // PIL's alpha_composite over opaque white: v·a/255 + 255·(1 − a/255), rounded.
                rgb[3 * i + c] = a == 255 ? UInt8(v) : UInt8((v * a + 255 * (255 - a) + 127) / 255)
            }
        }
        return DecodedImage(width: w, height: h, pixels: rgb)
    }
}

/// The container type of image bytes, from their magic numbers.
enum ImageFormat: Equatable {
    case jpeg, png
    case other(String)

    init(sniffing data: Data) {
        let b = [UInt8](data.prefix(12))
        func starts(_ m: [UInt8]) -> Bool { b.count >= m.count && Array(b[0..<m.count]) == m }
        if starts([0xFF, 0xD8, 0xFF]) { self = .jpeg }
        else if starts([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { self = .png }
        else if starts(Array("GIF8".utf8)) { self = .other("GIF") }
        else if starts(Array("RIFF".utf8)) && b.count >= 12 && Array(b[8..<12]) == Array("WEBP".utf8) { self = .other("WebP") }
        else if starts([0x42, 0x4D]) { self = .other("BMP") }
        else if b.count >= 12 && Array(b[4..<8]) == Array("ftyp".utf8) { self = .other("HEIF/AVIF or MP4") }
        else if b.isEmpty { self = .other("empty data") }
        else { self = .other("unknown") }
    }
}

/// Why an image could not be decoded.
public enum ImageDecodingError: Error, CustomStringConvertible, Equatable, Sendable {
    /// Not JPEG or PNG (the detected type, or "unknown").
    case unsupportedType(String)
    /// The data ends before the image does.
    case truncated(format: String)
    /// The data is not a valid image of its type.
    case corrupt(format: String, reason: String)
    /// The declared size is over the limits (checked before decoding).
    case tooLarge(width: Int, height: Int, maxPixels: Int, maxSide: Int)

    public var description: String {
        switch self {
        case .unsupportedType(let t): return "unsupported image type: \(t) (JPEG and PNG are accepted)"
        case .truncated(let f): return "truncated \(f) image: the data ends before the image does"
        case .corrupt(let f, let r): return "corrupt \(f) image: \(r)"
        case .tooLarge(let w, let h, let mp, let ms):
            return "image too large: \(w)×\(h) (at most \(ms) pixels per side and \(mp) pixels in all)"
        }
    }
}
