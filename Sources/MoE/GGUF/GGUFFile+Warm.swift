#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Warming a mapped file: make its tensor data resident before the first forward pass, as
/// llama.cpp's loader does (`llama_mmap` with prefetch: `MAP_POPULATE` and
/// `posix_madvise(WILLNEED)`), but chunk by chunk so a caller can show progress.
extension GGUFFile {
    /// Bytes of tensor data: from `dataOffset` to the end of the file.
    public var tensorDataBytes: Int { fileSize - dataOffset }

    /// Whether warming is worthwhile: the tensor data fits in three quarters of physical memory
    /// (warming a model larger than memory would only evict the pages it just read).
    public var fitsInMemory: Bool {
        let pages = sysconf(Int32(_SC_PHYS_PAGES)), size = sysconf(Int32(_SC_PAGESIZE))
        guard pages > 0, size > 0 else { return false }
        return Double(tensorDataBytes) <= 0.75 * Double(pages) * Double(size)
    }

    /// Asks the kernel to read the tensor data ahead (`madvise(MADV_WILLNEED)`) and reads one
    /// byte of every page, `chunkBytes` at a time, calling `progress(bytesDone)` after each
    /// chunk (monotonic, ending at `tensorDataBytes`). Returns a checksum of the bytes read, which
    /// keeps the reads from being optimized away.
    @discardableResult
    public func warm(chunkBytes: Int = 32 << 20, progress: (Int) -> Void = { _ in }) -> UInt64 {
        let page = max(Int(sysconf(Int32(_SC_PAGESIZE))), 4096)
        let chunk = max(page, chunkBytes / page * page)
        var sum: UInt64 = 0
        var start = dataOffset
        while start < fileSize {
            // Chunks end on page boundaries, so each page is read once: at the data's first byte,
            // then at each page start. madvise wants a page-aligned address (the mapping is).
            let aligned = start / page * page
            let end = min(fileSize, aligned + chunk)
            _ = madvise(UnsafeMutableRawPointer(mutating: base + aligned), end - aligned, Int32(MADV_WILLNEED))
            var offset = start
            while offset < end {
                sum &+= UInt64(base.load(fromByteOffset: offset, as: UInt8.self))
                offset = (offset / page + 1) * page
            }
            start = end
            progress(end - dataOffset)
        }
        return sum
    }
}
