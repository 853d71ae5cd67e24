/// Bounds-checked parsing of a GGUF image in memory (no tensor data is read).
struct GGUFParser {
    var version: UInt32 = 0
    var metadata: [String: GGUFValue] = [:]
    var metadataKeys: [String] = []
    var tensors: [String: GGUFTensorInfo] = [:]
    var tensorNames: [String] = []
    var alignment = 32
    var dataOffset = 0
    var stringArrays: [String: [String]] = [:]
    var intArrays: [String: [Int]] = [:]
    var floatArrays: [String: [Float]] = [:]

    /// Deepest nesting of arrays accepted (llama.cpp accepts none; the spec allows some).
    static let maxArrayDepth = 3

    static func parse(_ buf: UnsafeRawBufferPointer) throws -> GGUFParser {
        var p = GGUFParser()
        var c = Cursor(buf: buf)
        let magic = try c.u32("magic")
        guard magic == 0x4655_4747 else { throw GGUFError("bad magic: not a GGUF file") }
        p.version = try c.u32("version")
        guard p.version == 2 || p.version == 3 else { throw GGUFError("unsupported GGUF version \(p.version)") }
        let nTensors = try c.count("tensor count", minBytesEach: 24)
        let nKV = try c.count("metadata count", minBytesEach: 13)

        p.metadata.reserveCapacity(nKV)
        for i in 0..<nKV {
            let key = try c.string("key of metadata entry \(i)")
            guard p.metadata[key] == nil else { throw GGUFError("duplicate metadata key \(key)") }
            let type = try c.u32("type of \(key)")
            if type == 9 { // array: keep a typed copy for the accessors
                let v = try p.readArray(&c, key: key, depth: 0, topLevel: true)
                p.metadata[key] = v
            } else {
                p.metadata[key] = try readScalar(&c, type: type, key: key)
            }
            p.metadataKeys.append(key)
        }

        if let a = p.metadata["general.alignment"] {
            guard let n = a.intValue, n > 0, n <= 1 << 20, n & (n - 1) == 0 else {
                throw GGUFError("general.alignment must be a power of two, got \(a.summary)")
            }
            p.alignment = n
        }

        var pending: [(String, [Int], GGMLType, Int)] = []
        pending.reserveCapacity(nTensors)
        var seen = Set<String>()
        for i in 0..<nTensors {
            let name = try c.string("name of tensor \(i)")
            guard seen.insert(name).inserted else { throw GGUFError("duplicate tensor \(name)") }
            let nDims = try c.u32("dimension count of \(name)")
            guard nDims >= 1, nDims <= 4 else { throw GGUFError("tensor \(name) has \(nDims) dimensions (1...4 allowed)") }
            var shape: [Int] = []
            var count = 1
            for d in 0..<Int(nDims) {
                let ne = try c.i64("dimension \(d) of \(name)")
                guard ne >= 0, ne <= Int64(Int32.max) * 16 else { throw GGUFError("tensor \(name) dimension \(d) is \(ne)") }
                let (m, o) = count.multipliedReportingOverflow(by: Int(ne))
                guard !o, m < 1 << 48 else { throw GGUFError("tensor \(name) has too many elements") }
                count = m
                shape.append(Int(ne))
            }
            let rawType = try c.u32("type of \(name)")
            guard let type = GGMLType(rawValue: rawType) else { throw GGUFError("tensor \(name) has unknown type \(rawType)") }
            guard shape[0] % type.blockSize == 0 else {
                throw GGUFError("tensor \(name) row of \(shape[0]) is not a multiple of \(type.name) block size \(type.blockSize)")
            }
            let off = try c.u64("offset of \(name)")
            guard off < UInt64(buf.count), Int(off) % p.alignment == 0 else {
                throw GGUFError("tensor \(name) offset \(off) is out of range or misaligned")
            }
            pending.append((name, shape, type, Int(off)))
        }

        let start = (c.pos + p.alignment - 1) / p.alignment * p.alignment
        // Files without tensors (llama.cpp's vocab-only GGUFs) may end unpadded after the metadata.
        guard start <= buf.count || pending.isEmpty else { throw GGUFError("file truncated before tensor data") }
        p.dataOffset = min(start, buf.count)
        for (name, shape, type, off) in pending {
            let rows = shape.dropFirst().reduce(1, *)
            let (bytes, o) = type.rowBytes(shape[0])!.multipliedReportingOverflow(by: rows)
            guard !o else { throw GGUFError("tensor \(name) size overflows") }
            let (end, o2) = (start + off).addingReportingOverflow(bytes)
            guard !o2, end <= buf.count else {
                throw GGUFError("tensor \(name) data [\(start + off), \(end)) runs past the end of the file (\(buf.count) bytes)")
            }
            p.tensors[name] = GGUFTensorInfo(name: name, shape: shape, type: type, fileOffset: start + off, byteCount: bytes)
            p.tensorNames.append(name)
        }
        return p
    }

    static func readScalar(_ c: inout Cursor, type: UInt32, key: String) throws -> GGUFValue {
        switch type {
        case 0: return .uint8(try c.load(UInt8.self, key))
        case 1: return .int8(try c.load(Int8.self, key))
        case 2: return .uint16(try c.load(UInt16.self, key))
        case 3: return .int16(try c.load(Int16.self, key))
        case 4: return .uint32(try c.load(UInt32.self, key))
        case 5: return .int32(try c.load(Int32.self, key))
        case 6: return .float32(Float(bitPattern: try c.load(UInt32.self, key)))
        case 7:
            let b = try c.load(UInt8.self, key)
            guard b <= 1 else { throw GGUFError("metadata \(key): bool byte is \(b)") }
            return .bool(b == 1)
        case 8: return .string(try c.string(key))
        case 10: return .uint64(try c.load(UInt64.self, key))
        case 11: return .int64(try c.load(Int64.self, key))
        case 12: return .float64(Double(bitPattern: try c.load(UInt64.self, key)))
        default: throw GGUFError("metadata \(key) has unknown value type \(type)")
        }
    }

    /// Smallest encoded size of one value of `type` (used to bound counts before allocating).
    static func minSize(_ type: UInt32) -> Int {
        switch type {
        case 0, 1, 7: return 1
        case 2, 3: return 2
        case 4, 5, 6: return 4
        case 8, 10, 11, 12: return 8
        case 9: return 12
        default: return 1
        }
    }

    mutating func readArray(_ c: inout Cursor, key: String, depth: Int, topLevel: Bool) throws -> GGUFValue {
        guard depth < Self.maxArrayDepth else { throw GGUFError("metadata \(key): arrays nested too deeply") }
        let elemType = try c.u32("element type of \(key)")
        guard elemType <= 12 else { throw GGUFError("metadata \(key) has unknown array element type \(elemType)") }
        let n = try c.count("element count of \(key)", minBytesEach: Self.minSize(elemType))
        switch elemType {
        case 8:
            var strs: [String] = []
            strs.reserveCapacity(n)
            for _ in 0..<n { strs.append(try c.string(key)) }
            if topLevel { stringArrays[key] = strs }
            return .array(strs.map { .string($0) })
        case 9:
            var vals: [GGUFValue] = []
            vals.reserveCapacity(n)
            for _ in 0..<n { vals.append(try readArray(&c, key: key, depth: depth + 1, topLevel: false)) }
            return .array(vals)
        case 6, 12:
            var fs = [Float](repeating: 0, count: n)
            for i in 0..<n {
                fs[i] = elemType == 6 ? Float(bitPattern: try c.load(UInt32.self, key))
                                      : Float(Double(bitPattern: try c.load(UInt64.self, key)))
            }
            if topLevel { floatArrays[key] = fs }
            return .array(elemType == 6 ? fs.map { .float32($0) } : fs.map { .float64(Double($0)) })
        case 7:
            var vals: [GGUFValue] = []
            vals.reserveCapacity(n)
            for _ in 0..<n { vals.append(try Self.readScalar(&c, type: 7, key: key)) }
            return .array(vals)
        default:
            var vals: [GGUFValue] = []
            vals.reserveCapacity(n)
            var ints: [Int] = []
            ints.reserveCapacity(n)
            for _ in 0..<n {
                let v = try Self.readScalar(&c, type: elemType, key: key)
                vals.append(v)
                ints.append(v.intValue ?? Int.max)
            }
            if topLevel { intArrays[key] = ints }
            return .array(vals)
        }
    }
}

/// A read position in the mapped file; every read checks the remaining length first.
struct Cursor {
    let buf: UnsafeRawBufferPointer
    var pos = 0

    var remaining: Int { buf.count - pos }

    mutating func load<T: FixedWidthInteger>(_: T.Type, _ what: @autoclosure () -> String) throws -> T {
        let n = MemoryLayout<T>.size
        guard remaining >= n else { throw GGUFError("file truncated reading \(what())") }
        let v = T(littleEndian: buf.baseAddress!.loadUnaligned(fromByteOffset: pos, as: T.self))
        pos += n
        return v
    }
    mutating func u32(_ what: @autoclosure () -> String) throws -> UInt32 { try load(UInt32.self, what()) }
    mutating func u64(_ what: @autoclosure () -> String) throws -> UInt64 { try load(UInt64.self, what()) }
    mutating func i64(_ what: @autoclosure () -> String) throws -> Int64 { try load(Int64.self, what()) }

    /// A u64/i64 count that must be non-negative and fit in the rest of the file.
    mutating func count(_ what: @autoclosure () -> String, minBytesEach: Int) throws -> Int {
        let v = try load(UInt64.self, what())
        guard v <= UInt64(remaining / max(minBytesEach, 1)) else {
            throw GGUFError("\(what()) \(Int64(bitPattern: v)) does not fit in the file")
        }
        return Int(v)
    }

    /// A u64 length followed by that many UTF-8 bytes.
    mutating func string(_ what: @autoclosure () -> String) throws -> String {
        let n = try load(UInt64.self, what())
        guard n <= UInt64(remaining) else { throw GGUFError("string length \(n) of \(what()) runs past the end of the file") }
        let s = String(decoding: UnsafeRawBufferPointer(rebasing: buf[pos..<pos + Int(n)]), as: UTF8.self)
        pos += Int(n)
        return s
    }
}
