import Foundation
import MoE
import Synchronization
import Testing
@testable import chorus

/// How `chorus serve` reports a model load off a terminal: a line when warming starts, one per
/// quarter of the warm-up, and the size and seconds at the end; nothing in silent mode.
@Suite struct LoadProgressBarTests {
    @Test func logModeWritesAFewLinesEndingWithTheSummary() throws {
        let lines = Mutex<[String]>([])
        let bar = LoadProgressBar(path: ChatCommandTests.bundled, mode: .log { line in lines.withLock { $0.append(line) } })
        _ = try Model.load(path: ChatCommandTests.bundled, progress: bar.callback)
        let logged = lines.withLock { $0 }
        #expect(logged.count >= 2 && logged.count <= 6, "\(logged)")
        #expect(logged.first?.hasPrefix("loading chorus-tiny-llama4.gguf: warming") == true)
        #expect(logged.last?.hasPrefix("loaded chorus-tiny-llama4.gguf (16.3 MiB, ") == true, "\(logged)")
        #expect(logged.last?.contains("warmed) in ") == true)
    }

    @Test func barLineShowsStageAndFraction() {
        var p = LoadProgress(stage: .warming, fileBytes: 4 << 20, layersChecked: 4, layerCount: 4, tensorsChecked: 48,
                             bytesWarmed: 2 << 20, bytesToWarm: 4 << 20, seconds: 1.25)
        let line = LoadProgressBar.line(name: "m.gguf", p)
        #expect(line.hasPrefix("loading m.gguf [############"))
        #expect(line.contains(" 52 % warming 2.0 MiB of 4.0 MiB · 1.2 s") || line.contains(" 52 % warming 2.0 MiB of 4.0 MiB · 1.3 s"), "\(line)")
        p.stage = .validating
        p.bytesWarmed = 0
        #expect(LoadProgressBar.line(name: "m.gguf", p).contains("checking layer 4 of 4 (48 tensors)"))
    }
}
