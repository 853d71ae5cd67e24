import Foundation

/// The bundled model (`Resources/langid.bin`, written by `scripts/langid/build_model.py`).
///
/// Per script shared by several languages, an open-addressing table maps a feature's hash to
/// postings `(language, quantized log-likelihood gain)`: smoothed naive Bayes over word and
/// character 1…4-gram features, with every language's training mass normalized to the same size.
final class LanguageModel: Sendable {
    /// One script's table.
    struct Group: Sendable {
        /// Indices into `languages`, in the group's slot order.
        let languages: [Int]
        /// Hash-table size; a feature's first probe is `hash % capacity`.
        let capacity: UInt64
        /// `hash >> 32 | 1` per slot, 0 for empty.
        let keys: [UInt32]
        /// `start << 8 | count` into `postings` per slot.
        let spans: [UInt32]
        /// `(slot in group, quantized delta)` pairs, flattened.
        let postings: [UInt8]
    }

    /// ISO 639-1 codes, in model order.
    let languages: [String]
    /// Languages decided by script alone.
    let single: [Script: Int]
    /// Statistical tables by script.
    let groups: [Script: Group]
    /// Scorer parameters: weights of word and n-gram features, softmax sharpness, quantization step.
    let wordWeight: Double, gramWeight: Double, beta: Double, deltaStep: Double
    /// Decision thresholds: the least probability for any language, and for English.
    let minConfidence: Double, englishConfidence: Double
    /// Fewer letters than this in a model-scored script ("ok", "k") is too little evidence.
    let minLetters: Int

    enum LoadError: Error { case missingResource, malformed(String) }

    /// The model shipped in this module's bundle.
    static func bundled() throws -> LanguageModel {
        guard let url = Bundle.module.url(forResource: "langid", withExtension: "bin", subdirectory: "Resources")
                ?? Bundle.module.url(forResource: "langid", withExtension: "bin") else { throw LoadError.missingResource }
        return try LanguageModel(data: Data(contentsOf: url))
    }

    init(data: Data) throws {
        var r = Reader(bytes: [UInt8](data))
        guard try r.bytes(4) == Array("CHLI".utf8), try r.u32() == 1 else { throw LoadError.malformed("header") }
        wordWeight = Double(try r.f32()); gramWeight = Double(try r.f32())
        beta = Double(try r.f32()); deltaStep = Double(try r.f32())
        minConfidence = Double(try r.f32()); englishConfidence = Double(try r.f32())
        minLetters = Int(try r.f32())
        var langs: [String] = []
        for _ in 0..<(try r.u8()) { langs.append(String(decoding: try r.bytes(Int(try r.u8())), as: UTF8.self)) }
        languages = langs
        var single: [Script: Int] = [:]
        for _ in 0..<(try r.u8()) {
            let script = try Self.script(try r.u8())
            single[script] = Int(try r.u8())
        }
        self.single = single
        var groups: [Script: Group] = [:]
        for _ in 0..<(try r.u8()) {
            let script = try Self.script(try r.u8())
            let members = try r.bytes(Int(try r.u8())).map(Int.init)
            let capacity = Int(try r.u32()), count = Int(try r.u32())
            let keys = try r.u32s(capacity), spans = try r.u32s(capacity)
            let postings = try r.bytes(count * 2)
            guard members.allSatisfy({ $0 < langs.count }) else { throw LoadError.malformed("group languages") }
            groups[script] = Group(languages: members, capacity: UInt64(capacity), keys: keys, spans: spans, postings: postings)
        }
        self.groups = groups
    }

    private static func script(_ id: UInt8) throws -> Script {
        guard Int(id) < Script.allCases.count else { throw LoadError.malformed("script \(id)") }
        return Script.allCases[Int(id)]
    }

    /// Little-endian reader over the file's bytes.
    private struct Reader {
        let bytes: [UInt8]
        var at = 0
        mutating func bytes(_ n: Int) throws -> [UInt8] {
            guard n >= 0, at + n <= bytes.count else { throw LoadError.malformed("truncated at \(at)") }
            defer { at += n }
            return Array(bytes[at..<at + n])
        }
        mutating func u8() throws -> UInt8 { try bytes(1)[0] }
        mutating func u32() throws -> UInt32 {
            let b = try bytes(4)
            return UInt32(b[0]) | UInt32(b[1]) << 8 | UInt32(b[2]) << 16 | UInt32(b[3]) << 24
        }
        mutating func f32() throws -> Float { Float(bitPattern: try u32()) }
        mutating func u32s(_ n: Int) throws -> [UInt32] {
            guard n >= 0, at + 4 * n <= bytes.count else { throw LoadError.malformed("truncated table at \(at)") }
            var out = [UInt32](repeating: 0, count: n)
            bytes.withUnsafeBytes { raw in
                for i in 0..<n { out[i] = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: at + 4 * i, as: UInt32.self)) }
            }
            at += 4 * n
            return out
        }
    }
}

extension LanguageModel.Group {
    /// Adds `weight × delta` of the feature's postings into `scores`; false when the feature is unknown.
    @inline(__always)
    func accumulate(_ hash: UInt64, weight: Double, step: Double, into scores: inout [Double]) -> Bool {
        let key = UInt32(truncatingIfNeeded: hash >> 32) | 1
        var slot = Int(hash % capacity)
        while true {
            let k = keys[slot]
            if k == 0 { return false }
            if k == key { break }
            slot += 1
            if slot == keys.count { slot = 0 }
        }
        let span = spans[slot]
        let start = Int(span >> 8) * 2, count = Int(span & 0xFF)
        for j in 0..<count {
            scores[Int(postings[start + 2 * j])] += weight * step * Double(postings[start + 2 * j + 1])
        }
        return true
    }
}
