#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A GGUF file mapped read-only into memory: its metadata and tensor table, validated.
///
/// Layout (GGUF spec v3, ggml/src/gguf.cpp): magic `GGUF`, u32 version, i64 tensor count,
/// i64 KV count, the KVs, the tensor infos, padding to `general.alignment`, the data blob.
/// Every count, length, offset and size is checked against the file length before use,
/// so a truncated or corrupt file is a `GGUFError`, never a crash. Tensor data is never copied:
/// `pointer(to:)` returns addresses inside the mapping, valid while this object lives.
public final class GGUFFile: @unchecked Sendable {
    /// Path the file was opened from.
    public let path: String
    /// GGUF version (2 or 3).
    public let version: UInt32
    /// All metadata key/value pairs.
    public let metadata: [String: GGUFValue]
    /// Metadata keys in file order.
    public let metadataKeys: [String]
    /// Tensor infos by name.
    public let tensors: [String: GGUFTensorInfo]
    /// Tensor names in file order.
    public let tensorNames: [String]
    /// Alignment of the data blob and of each tensor (`general.alignment`, default 32).
    public let alignment: Int
    /// File offset where tensor data starts.
    public let dataOffset: Int
    /// Size of the file in bytes.
    public let fileSize: Int

    /// The mapping's first byte (page-aligned).
    let base: UnsafeRawPointer
    // Typed copies of array metadata, so the accessors below are O(1).
    private let stringArrays: [String: [String]]
    private let intArrays: [String: [Int]]
    private let floatArrays: [String: [Float]]

    /// Maps and parses the file at `path`; throws `GGUFError` on any malformed content.
    public init(path: String) throws {
        self.path = path
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw GGUFError("cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw GGUFError("cannot stat \(path)") }
        let size = Int(st.st_size)
        guard size >= 24 else { throw GGUFError("file is \(size) bytes, too short for a GGUF header") }
        guard let map = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), map != MAP_FAILED else {
            throw GGUFError("cannot mmap \(path)")
        }
        let raw = UnsafeRawPointer(map)
        do {
            let p = try GGUFParser.parse(UnsafeRawBufferPointer(start: raw, count: size))
            version = p.version
            metadata = p.metadata
            metadataKeys = p.metadataKeys
            tensors = p.tensors
            tensorNames = p.tensorNames
            alignment = p.alignment
            dataOffset = p.dataOffset
            stringArrays = p.stringArrays
            intArrays = p.intArrays
            floatArrays = p.floatArrays
        } catch {
            munmap(map, size)
            throw error
        }
        base = raw
        fileSize = size
    }

    deinit { munmap(UnsafeMutableRawPointer(mutating: base), fileSize) }

    /// Address of a tensor's first byte inside the mapping.
    public func pointer(to tensor: GGUFTensorInfo) -> UnsafeRawPointer { base + tensor.fileOffset }

    /// A string value, or nil if absent or not a string.
    public func string(_ key: String) -> String? { metadata[key]?.stringValue }
    /// An integer value of any integer type, or nil.
    public func int(_ key: String) -> Int? { metadata[key]?.intValue }
    /// An f32/f64 value, or nil.
    public func float(_ key: String) -> Float? { metadata[key]?.floatValue }
    /// A bool value, or nil.
    public func bool(_ key: String) -> Bool? { metadata[key]?.boolValue }
    /// An array of strings, or nil.
    public func strings(_ key: String) -> [String]? { stringArrays[key] }
    /// An array of integers (any integer element type), or nil.
    public func ints(_ key: String) -> [Int]? { intArrays[key] }
    /// An array of f32/f64, or nil.
    public func floats(_ key: String) -> [Float]? { floatArrays[key] }
}
