import ArgumentParser
import Foundation
import MoE

/// `chorus bench model FILE`: the engine's speed on one GGUF file, in the figures llama.cpp's
/// `llama-bench` (pp/tg) and `llama-batched-bench` (aggregate decode over parallel sequences) report.
struct BenchModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Prompt and decode tokens/s, aggregate decode at several concurrent sequences, time to first token, peak memory.",
        discussion: """
            Token ids are fixed pseudo-random ids (the content does not change the work). Each figure is the \
            median of --repeats runs. Aggregate decode: one session per sequence, each prefilled with \
            --prompt-tokens tokens (not timed), then --decode-tokens steps of BatchDecoder over all of them.
            """)

    @Argument(help: "GGUF model file.")
    var file: String

    @Option(help: "Worker threads.")
    var threads: Int = 1

    @Option(name: .customLong("prompt-tokens"), help: "Prompt length.")
    var promptTokens: Int = 128

    @Option(name: .customLong("decode-tokens"), help: "Tokens generated per sequence.")
    var decodeTokens: Int = 64

    @Option(help: "Concurrent sequences for aggregate decode (comma-separated).")
    var sequences: String = "1,4,8,16"

    @Option(help: "Runs per figure (the median is reported).")
    var repeats: Int = 3

    @Option(name: .customLong("bandwidth-gbs"), help: "Memory read bandwidth in GB/s for the bandwidth share (ENGINE.md: ~30 one thread, ~58 two).")
    var bandwidth: Double?

    @Flag(help: "Print one JSON object.")
    var json = false

    func run() throws {
        let model = try Model.load(path: file, threads: threads, progress: LoadProgressBar.standardError(path: file).callback)
        let c = model.config
        let counts = try sequences.split(separator: ",").map { s -> Int in
            guard let n = Int(s.trimmingCharacters(in: .whitespaces)), n > 0 else { throw ValidationError("bad --sequences entry \(s)") }
            return n
        }
        let ids = tokenIDs(count: promptTokens + decodeTokens + 1, vocab: c.vocabSize)
        let maxTokens = promptTokens + decodeTokens + 1

        // Prompt processing and time to first token: one prefill of promptTokens.
        var promptSeconds: [Double] = []
        let session = model.makeSession(maxTokens: maxTokens)
        _ = try session.prefill(Array(ids[0..<min(8, promptTokens)]))   // warm-up: page the weights in
        for _ in 0..<repeats {
            session.reset()
            promptSeconds.append(try time { _ = try session.prefill(Array(ids[0..<promptTokens])) })
        }

        // Decode, one sequence: decodeTokens tokens after the prompt.
        var decodeSeconds: [Double] = []
        for _ in 0..<repeats {
            session.truncate(to: promptTokens)
            decodeSeconds.append(try time {
                for i in 0..<decodeTokens { _ = try session.decode(ids[promptTokens + i]) }
            })
        }

        // Aggregate decode over n concurrent sequences through BatchDecoder.
        var aggregate: [(Int, Double)] = []
        let base = model.makeSession(maxTokens: maxTokens, batchSize: 16)   // forks share its small batch state
        _ = try base.prefill(Array(ids[0..<promptTokens]))
        for n in counts {
            let decoder = BatchDecoder(model: model, maxBatch: n, maxTokens: maxTokens)
            let sessions = (0..<n).map { _ in base.fork() }   // the same prompt's cache, computed once
            var seconds: [Double] = []
            for _ in 0..<repeats {
                for s in sessions { s.truncate(to: promptTokens) }
                seconds.append(try time {
                    for i in 0..<decodeTokens {
                        _ = try decoder.step(sessions, (0..<n).map { ids[(promptTokens + i + 7 * $0) % ids.count] })
                    }
                })
            }
            aggregate.append((n, Double(n * decodeTokens) / median(seconds)))
        }

        let promptRate = Double(promptTokens) / median(promptSeconds)
        let decodeRate = Double(decodeTokens) / median(decodeSeconds)
        let bytes = bytesReadPerToken(model, context: promptTokens + decodeTokens / 2)
        let share = bandwidth.map { decodeRate * Double(bytes) / ($0 * 1e9) }
        let peak = peakResidentMegabytes()
        if json {
            var object: [String: Any] = [
                "file": file, "threads": threads, "kernels": integerKernelVariant,
                "prompt_tokens": promptTokens, "decode_tokens": decodeTokens, "repeats": repeats,
                "prompt_tps": promptRate, "decode_tps": decodeRate, "ttft_ms": median(promptSeconds) * 1000,
                "aggregate_tps": Dictionary(uniqueKeysWithValues: aggregate.map { (String($0.0), $0.1) }),
                "bytes_per_token": bytes, "peak_rss_mb": peak as Any,
            ]
            if let share { object["bandwidth_share"] = share }
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print("model      \(file) (\(c.architecture), \(threads) thread\(threads == 1 ? "" : "s"), kernels \(integerKernelVariant))")
            print(String(format: "prompt     %.1f tok/s (%d tokens; time to first token %.1f ms)", promptRate, promptTokens, median(promptSeconds) * 1000))
            print(String(format: "decode     %.1f tok/s (%d tokens after the prompt)", decodeRate, decodeTokens))
            for (n, rate) in aggregate { print(String(format: "aggregate  %.1f tok/s at %d sequences", rate, n)) }
            var line = String(format: "bytes read %.1f MB per decoded token", Double(bytes) / 1e6)
            if let share, let bw = bandwidth { line += String(format: " (%.0f%% of %.0f GB/s)", share * 100, bw) }
            print(line)
            if let peak { print(String(format: "peak RSS   %.0f MB", peak)) }
        }
    }

    /// Reproducible ids in `1..<vocab` (an LCG).
    private func tokenIDs(count: Int, vocab: Int) -> [Int32] {
        var x: UInt64 = 0x9E37_79B9_7F4A_7C15
        return (0..<count).map { _ in
            x = x &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int32(1 + Int((x >> 33) % UInt64(max(vocab - 1, 1))))
        }
    }

    private func time(_ body: () throws -> Void) rethrows -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    private func median(_ xs: [Double]) -> Double {
        let s = xs.sorted()
        return s.isEmpty ? 0 : s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    /// Bytes one decoded token reads: every weight once, except that only `expertsUsed` of
    /// `expertCount` experts run and the embedding table gives one row; plus the KV cache (f32)
    /// at `context` positions. (Tensor names as llama.cpp writes them: `*_exps`, `token_embd`.)
    private func bytesReadPerToken(_ model: Model, context: Int) -> Int {
        let c = model.config
        var bytes = 0.0
        for t in model.file.tensors.values {
            if t.name.hasPrefix("token_embd") && model.file.tensors["output.weight"] != nil {
                bytes += Double(t.rowBytes)
            } else if t.name.contains("_exps") {
                bytes += Double(t.byteCount) * Double(c.expertsUsed) / Double(max(c.expertCount, 1))
            } else {
                bytes += Double(t.byteCount)
            }
        }
        bytes += Double(2 * c.layerCount * context * c.kvHeadCount * c.headDim * 4)
        return Int(bytes)
    }

    /// VmHWM from /proc/self/status in MB (nil where there is no procfs).
    private func peakResidentMegabytes() -> Double? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let kb = line.split(separator: " ").compactMap { Double($0) }.first
            return kb.map { $0 / 1024 }
        }
        return nil
    }
}
