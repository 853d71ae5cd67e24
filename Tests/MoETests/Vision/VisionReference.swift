import Foundation
@testable import MoE

/// A case written by scripts/make_vision_reference.py (`Fixtures/vision/<case>.json`): the
/// `transformers` Llama 4 reference's pixel values, image embeddings and logits.
struct VisionReference: Decodable {
    let image: String
    let width: Int
    let height: Int
    let max_tiles: Int
    let tiles: Int
    /// [rows, columns]
    let grid: [Int]
    /// Which tiles `<case>.pixels.u8` holds.
    let pixel_tiles: [Int]
    let pixel_table: [Float]
    let prefix_ids: [Int32]?
    let suffix_ids: [Int32]?
    let input_ids: [Int32]?
    let embeddings_shape: [Int]?
    let embeddings: [Float]?
    let logits_positions: [Int]?
    let logits: [[Float]]?

    static var dir: URL { Bundle.module.resourceURL!.appendingPathComponent("Fixtures/vision") }
    static var textModel: String { dir.appendingPathComponent("llama4-vision-text.f32.gguf").path }
    static var mmproj: String { dir.appendingPathComponent("llama4-vision-mmproj.f32.gguf").path }

    static func load(_ name: String) throws -> VisionReference {
        try JSONDecoder().decode(VisionReference.self, from: Data(contentsOf: dir.appendingPathComponent("\(name).json")))
    }

    /// The reference pixel values of the tiles in `pixel_tiles`.
    func pixelValues(_ name: String) throws -> [Float] {
        let bytes = try Data(contentsOf: VisionReference.dir.appendingPathComponent("\(name).pixels.u8"))
        return bytes.map { pixel_table[Int($0)] }
    }

    func imageData() throws -> Data { try Data(contentsOf: VisionReference.dir.appendingPathComponent(image)) }
}

/// Largest |a − b| over two equally long arrays.
func maxAbsDiff(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count, "lengths \(a.count) and \(b.count) differ")
    var m: Float = 0
    for i in a.indices { m = max(m, abs(a[i] - b[i])) }
    return m
}
