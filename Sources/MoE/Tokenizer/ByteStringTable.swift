/// An immutable set of byte strings stored back to back in one buffer, with an open-addressing
/// hash index from bytes to the string's number. Built once per vocabulary: it avoids a
/// `[String: Int]` of 200k entries, which is slow to build and to probe in debug builds.
struct ByteStringTable: Sendable {
    /// All strings' bytes, concatenated.
    private(set) var bytes: [UInt8] = []
    /// `offsets[i]..<offsets[i+1]` are string i's bytes.
    private(set) var offsets: [Int32] = [0]
    /// Hash slots holding string number + 1 (0 = empty); capacity is a power of two.
    private var slots: [Int32] = []
    private var mask = 0

    var count: Int { offsets.count - 1 }

    init(expectedCount: Int = 0, expectedBytes: Int = 0) {
        bytes.reserveCapacity(expectedBytes)
        offsets.reserveCapacity(expectedCount + 1)
    }

    /// The bytes of string `i`.
    @inline(__always)
    func string(_ i: Int) -> ArraySlice<UInt8> { bytes[Int(offsets[i])..<Int(offsets[i + 1])] }

    /// Appends a string (duplicates allowed; `index` finds the one `buildIndex` kept).
    mutating func append<C: Collection>(_ s: C) where C.Element == UInt8 {
        bytes.append(contentsOf: s)
        offsets.append(Int32(bytes.count))
    }

    /// Builds the hash index. When strings repeat, the last one wins (llama.cpp's
    /// `token_to_id[word] = i` overwrites) unless `firstWins`.
    mutating func buildIndex(firstWins: Bool = false) {
        var capacity = 16
        while capacity < count * 2 { capacity <<= 1 }
        slots = [Int32](repeating: 0, count: capacity)
        mask = capacity - 1
        bytes.withUnsafeBufferPointer { all in
            for i in 0..<count {
                let lo = Int(offsets[i]), hi = Int(offsets[i + 1])
                let piece = UnsafeBufferPointer(rebasing: all[lo..<hi])
                var slot = Int(truncatingIfNeeded: ByteStringTable.hash(piece)) & mask
                var duplicate = false
                while slots[slot] != 0 {
                    let j = Int(slots[slot]) - 1
                    if equal(j, piece, all) { duplicate = true; break }
                    slot = (slot + 1) & mask
                }
                if !(duplicate && firstWins) { slots[slot] = Int32(i + 1) }
            }
        }
    }

    /// The number of the string equal to `key`, or nil.
    func index(of key: UnsafeBufferPointer<UInt8>) -> Int? {
        guard !slots.isEmpty else { return nil }
        return bytes.withUnsafeBufferPointer { all in
            var slot = Int(truncatingIfNeeded: ByteStringTable.hash(key)) & mask
            while true {
                let s = slots[slot]
                if s == 0 { return nil }
                if equal(Int(s) - 1, key, all) { return Int(s) - 1 }
                slot = (slot + 1) & mask
            }
        }
    }

    /// The number of the string equal to `key`, or nil.
    func index<C: Collection>(of key: C) -> Int? where C.Element == UInt8 {
        if let found = key.withContiguousStorageIfAvailable({ index(of: $0) }) { return found }
        return Array(key).withUnsafeBufferPointer { index(of: $0) }
    }

    @inline(__always)
    private func equal(_ i: Int, _ key: UnsafeBufferPointer<UInt8>, _ all: UnsafeBufferPointer<UInt8>) -> Bool {
        let lo = Int(offsets[i]), hi = Int(offsets[i + 1])
        guard hi - lo == key.count else { return false }
        var k = 0
        while k < key.count {
            if all[lo + k] != key[k] { return false }
            k += 1
        }
        return true
    }

    /// FNV-1a, 64-bit.
    @inline(__always)
    static func hash(_ s: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in s { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        return h ^ (h >> 29)
    }
}
