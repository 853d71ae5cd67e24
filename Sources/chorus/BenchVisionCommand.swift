import ArgumentParser
import Foundation
import MoE

/// `chorus bench vision --mmproj P`: time to encode one 336-pixel tile with the Llama 4 vision
/// tower, for comparison with llama.cpp's `llama-mtmd-cli` ("image slice encoded in … ms").
struct BenchVisionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vision",
        abstract: "Seconds to encode one image tile (Llama 4 mmproj), after one untimed warm-up run.")

    @Option(help: "Llama 4 mmproj GGUF (scripts/make_vision_reference.py --scout writes a Scout-size one).")
    var mmproj: String

    @Option(help: "Worker threads.")
    var threads: Int = 1

    @Option(help: "Timed runs (the median is reported).")
    var repeats: Int = 3

    @Option(help: "Image to encode (JPEG/PNG); default a synthetic 336×336 picture (one tile).")
    var image: String?

    @Flag(name: .customLong("preprocess-only"), help: "Time decoding and preprocessing only (no encoding).")
    var preprocessOnly = false

    func run() throws {
        let clock = ContinuousClock()
        func secs(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }
        let t0 = clock.now
        let encoder = try VisionEncoder(mmproj: mmproj, threads: threads)
        let loaded = clock.now
        let picture: DecodedImage
        if let image {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: image))
            let d0 = clock.now
            picture = try ImageDecoder.decode(bytes)
            let d1 = clock.now
            let pre = encoder.preprocessor.preprocess(picture)
            print(String(format: "%@: %d×%d decoded in %.3f s, preprocessed to %d×%d tiles (+%d) in %.3f s",
                         image, picture.width, picture.height, secs(d1 - d0), pre.rows, pre.columns, pre.tileCount - pre.rows * pre.columns, secs(clock.now - d1)))
            if preprocessOnly { return }
        } else {
            let s = encoder.config.imageSize
            picture = DecodedImage(width: s, height: s, pixels: (0..<s * s * 3).map { UInt8(truncatingIfNeeded: ($0 &* 2654435761) >> 13) })
        }
        let pre = encoder.preprocessor.preprocess(picture)
        _ = try encoder.encode(pre)  // warm-up: faults the mapped weights in
        var times: [Double] = [], cpu: [Double] = []
        for _ in 0..<max(1, repeats) {
            let a = clock.now, c0 = processCPUSeconds()
            _ = try encoder.encode(pre)
            times.append(secs(clock.now - a))
            cpu.append(processCPUSeconds() - c0)
        }
        times.sort(); cpu.sort()
        let median = times[times.count / 2]
        let c = encoder.config
        print(String(format: "vision %d blocks, width %d, %d heads · %d thread(s) · load %.2f s · %d tile(s): median %.3f s wall, %.3f s CPU (%.3f s per tile; runs %@)",
                     c.blocks, c.width, c.heads, threads, secs(loaded - t0), pre.tileCount, median, cpu[cpu.count / 2], median / Double(pre.tileCount),
                     times.map { String(format: "%.3f", $0) }.joined(separator: ", ")))
    }

    /// CPU seconds used by this process so far (user + system, all threads): on a shared machine
    /// a fairer measure than wall time.
    private func processCPUSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
