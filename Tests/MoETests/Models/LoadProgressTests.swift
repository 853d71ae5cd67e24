import Foundation
import Testing
@testable import MoE

/// `Model.load`'s progress callback on the fixture models: stages in order, monotonic, complete.
@Suite struct LoadProgressTests {
    @Test(arguments: ["llama4-tiny.f32", "qwen3moe-tiny.q8_0", "mixtral-tiny.f32"])
    func progressIsMonotonicAndReachesTheTotal(_ name: String) throws {
        var reports: [LoadProgress] = []
        let model = try Model.load(path: Reference.modelPath(name), warm: true) { reports.append($0) }
        let order: [LoadProgress.Stage] = [.reading, .validating, .warming, .ready]
        #expect(reports.first?.stage == .reading)
        #expect(reports.last?.stage == .ready)
        #expect(reports.last?.fraction == 1)
        for (a, b) in zip(reports, reports.dropFirst()) {
            #expect(b.fraction >= a.fraction, "fraction went back: \(a) → \(b)")
            #expect(order.firstIndex(of: b.stage)! >= order.firstIndex(of: a.stage)!)
            #expect(b.layersChecked >= a.layersChecked && b.tensorsChecked >= a.tensorsChecked && b.bytesWarmed >= a.bytesWarmed)
            #expect(b.seconds >= a.seconds)
        }
        let last = reports.last!
        #expect(last.layerCount == model.config.layerCount && last.layersChecked == last.layerCount)
        #expect(last.tensorsChecked > 0 && last.tensorsChecked <= model.file.tensorNames.count)
        #expect(last.fileBytes == model.file.fileSize)
        // Warming covers every byte of tensor data, in several reports when it is large enough.
        #expect(reports.contains { $0.stage == .warming })
        #expect(last.bytesToWarm == model.file.tensorDataBytes && last.bytesWarmed == last.bytesToWarm)
        let fractions = reports.map(\.fraction)
        #expect(Set(fractions).count >= 3, "progress moves in steps: \(fractions)")
    }

    @Test func warmingReportsEachChunkAndReadsEveryPage() throws {
        let file = try GGUFFile(path: Reference.modelPath("qwen3moe-tiny.f32"))
        var done: [Int] = []
        let sum = file.warm(chunkBytes: 64 << 10) { done.append($0) }
        #expect(done.last == file.tensorDataBytes)
        #expect(zip(done, done.dropFirst()).allSatisfy { $0 < $1 && $1 - $0 <= 64 << 10 })
        #expect(done.count >= file.tensorDataBytes / (64 << 10))
        // The checksum is the bytes at each page start of the data, read independently here.
        let page = max(sysconf(Int32(_SC_PAGESIZE)), 4096)
        var expected: UInt64 = 0
        var offset = file.dataOffset
        while offset < file.fileSize {
            expected &+= UInt64(file.base.load(fromByteOffset: offset, as: UInt8.self))
            offset = (offset / page + 1) * page
        }
        #expect(sum == expected)
    }

    @Test func noWarmingWhenAskedNot() throws {
        var stages: [LoadProgress.Stage] = []
        _ = try Model.load(path: Reference.modelPath("llama4-tiny.f32"), warm: false) { stages.append($0.stage) }
        #expect(!stages.contains(.warming))
        #expect(stages.last == .ready)
    }

    @Test func aBrokenFileFailsDuringTheLoadWithoutReachingReady() throws {
        var b = GGUFBuilder()
        b.add("general.architecture", .str("qwen3moe"))
        var stages: [LoadProgress.Stage] = []
        #expect(throws: GGUFError.self) { try Model.load(path: try b.write()) { stages.append($0.stage) } }
        #expect(!stages.contains(.ready))
    }
}
