/// A description of a GGUF model file for `chorus model info`: architecture, sizes, experts,
/// parameter counts and the quantization mix. Built from the file alone; `config` is nil (and
/// `problem` says why) when the engine cannot run the file.
public struct ModelInfo: Codable, Sendable {
    /// Bytes and tensor count of one ggml type in the file.
    public struct TypeUsage: Codable, Sendable {
        public var type: String
        public var tensors: Int
        public var parameters: Int
        public var bytes: Int
    }

    public var path: String
    public var fileBytes: Int
    public var ggufVersion: Int
    public var name: String?
    public var architecture: String?
    public var family: String?
    public var vocabSize: Int?
    public var embedding: Int?
    public var layers: Int?
    public var heads: Int?
    public var kvHeads: Int?
    public var headDim: Int?
    public var contextLength: Int?
    /// Width of the dense FFN layers (nil when every layer has experts).
    public var denseFFN: Int?
    public var expertFFN: Int?
    public var experts: Int?
    public var expertsUsed: Int?
    public var moeLayers: Int?
    public var sharedExpert: Bool?
    public var tiedOutput: Bool?
    /// All parameters in the file.
    public var totalParameters: Int
    /// Parameters read per token (attention, dense FFNs, router, the used experts, shared experts, LM head).
    public var activeParameters: Int?
    /// Per ggml type, largest share first.
    public var quantization: [TypeUsage]
    public var tokenizerModel: String?
    public var tokenizerPre: String?
    public var vocabTokens: Int?
    public var hasChatTemplate: Bool
    /// Why the engine cannot run this file, if it cannot.
    public var problem: String?

    /// Reads `path` and summarizes it; throws only if the file is not a readable GGUF.
    public init(path: String) throws {
        let f = try GGUFFile(path: path)
        self.path = path
        fileBytes = f.fileSize
        ggufVersion = Int(f.version)
        name = f.string(GGUFKey.name)
        architecture = f.string(GGUFKey.architecture)
        var usage: [GGMLType: TypeUsage] = [:]
        var total = 0
        for t in f.tensors.values {
            usage[t.type, default: TypeUsage(type: t.type.name, tensors: 0, parameters: 0, bytes: 0)].tensors += 1
            usage[t.type]!.parameters += t.elementCount
            usage[t.type]!.bytes += t.byteCount
            total += t.elementCount
        }
        totalParameters = total
        quantization = usage.values.sorted { $0.bytes > $1.bytes }
        tokenizerModel = f.string(GGUFKey.tokenizerModel)
        tokenizerPre = f.string(GGUFKey.tokenizerPre)
        vocabTokens = f.strings(GGUFKey.tokenizerTokens)?.count
        hasChatTemplate = f.string(GGUFKey.chatTemplate) != nil
        do {
            let m = try Model(file: f)
            let c = m.config
            family = c.family; vocabSize = c.vocabSize; embedding = c.embedding; layers = c.layerCount
            heads = c.headCount; kvHeads = c.kvHeadCount; headDim = c.headDim; contextLength = c.contextLength
            denseFFN = c.layers.contains { !$0.isMoE } ? c.denseFFN : nil; expertFFN = c.expertFFN; experts = c.expertCount; expertsUsed = c.expertsUsed
            moeLayers = c.moeLayerCount; sharedExpert = c.layers.contains { $0.sharedExpert }
            tiedOutput = f.tensors[TensorName.output] == nil
            activeParameters = Self.active(m)
        } catch {
            problem = String(describing: error)
        }
    }

    private static func active(_ m: Model) -> Int {
        let c = m.config, w = m.weights
        func n(_ x: Matrix?) -> Int { x.map { $0.rows * $0.cols } ?? 0 }
        var sum = n(w.output)
        for l in w.layers {
            sum += n(l.wq) + n(l.wk) + n(l.wv) + n(l.wo) + n(l.ffnGate) + n(l.ffnUp) + n(l.ffnDown) + n(l.router)
            sum += n(l.gateShared) + n(l.upShared) + n(l.downShared)
            if let g = l.gateExperts { sum += c.expertsUsed * 3 * g.rows * g.cols }
        }
        return sum
    }
}
