import Foundation
import MoE
import Simulator
import Testing

/// `chorus chat` as a child process on a pipe: one user message per line, one reply per line.
@Suite("chorus chat", .serialized)
struct ChatCommandTests {
    static let bundled = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Models/chorus-tiny-llama4.gguf").path

    /// A running `chorus` with its standard input, output and error on pipes.
    final class Child: @unchecked Sendable {
        let process = Process()
        private let input = Pipe(), output = Pipe(), errors = Pipe()
        private let lock = NSLock()
        private var out = Data(), err = Data()

        init(_ arguments: [String]) throws {
            process.executableURL = ChorusProcess.siblingExecutable()
            process.arguments = arguments
            process.standardInput = input
            process.standardOutput = output
            process.standardError = errors
            output.fileHandleForReading.readabilityHandler = { [unowned self] h in let d = h.availableData; lock.withLock { out += d } }
            errors.fileHandleForReading.readabilityHandler = { [unowned self] h in let d = h.availableData; lock.withLock { err += d } }
            try process.run()
        }

        var stdout: String { lock.withLock { String(decoding: out, as: UTF8.self) } }
        var stderr: String { lock.withLock { String(decoding: err, as: UTF8.self) } }
        func write(_ text: String) { input.fileHandleForWriting.write(Data(text.utf8)) }
        func closeInput() { try? input.fileHandleForWriting.close() }

        /// Waits until `condition` holds (or `seconds` pass); returns whether it held.
        func wait(seconds: Double = 60, until condition: () -> Bool) -> Bool {
            let deadline = Date().addingTimeInterval(seconds)
            while Date() < deadline {
                if condition() { return true }
                Thread.sleep(forTimeInterval: 0.02)
            }
            return condition()
        }

        /// Waits for the exit; returns the status.
        func finish() -> Int32 {
            process.waitUntilExit()
            Thread.sleep(forTimeInterval: 0.1)   // let the handlers drain the pipes
            output.fileHandleForReading.readabilityHandler = nil
            errors.fileHandleForReading.readabilityHandler = nil
            return process.terminationStatus
        }
    }

    /// `chorus model generate` on the same prompt text: its reply (standard output less its final newline).
    static func generate(_ prompt: String, maxTokens: Int) throws -> String {
        let child = try Child(["model", "generate", bundled, "--prompt", prompt, "--temperature", "0", "--max-tokens", "\(maxTokens)"])
        child.closeInput()
        #expect(child.finish() == 0, "chorus model generate failed: \(child.stderr)")
        return String(child.stdout.dropLast())
    }

    @Test("replies equal chorus model generate on the whole history, and only new tokens are processed")
    func repliesMatchGenerateAndKeepHistory() throws {
        let model = try Model.load(path: Self.bundled, warm: false)
        let tokenizer = try Tokenizer(gguf: model.file)
        let template = try ChatTemplate(gguf: model.file, tokenizer: tokenizer)
        let said = ["Hello!", "What are your opening hours?", "Thank you!"]
        let child = try Child(["chat", "--model", Self.bundled, "--temperature", "0", "--max-tokens", "32", "--stats"])
        child.write(said.map { $0 + "\n" }.joined())
        child.closeInput()
        #expect(child.finish() == 0, "chorus chat failed: \(child.stderr)")

        var history: [ChatMessage] = []
        var expected = ""
        var prompts: [Int] = []
        for text in said {
            history.append(ChatMessage(role: .user, content: text))
            let reply = try Self.generate(template.format.render(history, addGenerationPrompt: true), maxTokens: 32)
            expected += reply + "\n"
            prompts.append(template.encode(history, tokenizer: tokenizer).count)
            history.append(ChatMessage(role: .assistant, content: reply))
        }
        #expect(child.stdout == expected)
        #expect(!child.stderr.contains("loading") && !child.stderr.contains("loaded"), "no progress output off a terminal")

        // --stats: "prompt N new M cached …" per turn; each later turn reuses at least the earlier prompt.
        let stats = child.stderr.split(separator: "\n").filter { $0.hasPrefix("prompt ") }.map { line in
            line.split(separator: " ").compactMap { Int($0) }
        }
        try #require(stats.count == said.count, "stats lines: \(child.stderr)")
        for (i, numbers) in stats.enumerated() {
            let (new, cached) = (numbers[0], numbers[1])
            #expect(new + cached == prompts[i], "turn \(i + 1)")
            // The previous prompt and the previous reply's tokens (all but the last when it was cut) stay cached.
            if i == 0 { #expect(cached == 0) } else { #expect(cached >= prompts[i - 1] + stats[i - 1][2] - 1, "turn \(i + 1)") }
        }
    }

    @Test("/reset forgets the conversation; unknown commands and a missing projector are explained")
    func resetAndCommands() throws {
        let child = try Child(["chat", "--model", Self.bundled, "--temperature", "0", "--max-tokens", "16", "--stats"])
        child.write("Hello!\n/reset\nHello!\n/nope\n/image /no/such.png\n/quit\nnever read\n")
        child.closeInput()
        #expect(child.finish() == 0)
        let replies = child.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(replies.count == 3 && replies[0] == replies[1] && replies[2].isEmpty, "\(child.stdout)")
        #expect(child.stderr.contains("(conversation forgotten)"))
        #expect(child.stderr.contains("unknown command /nope"))
        #expect(child.stderr.contains("/image needs a vision projector"))
    }

    @Test("/image PATH with a projector: the reply equals a one-shot generation with the picture")
    func imageTurn() throws {
        let mmproj = Self.bundled.replacingOccurrences(of: ".gguf", with: ".mmproj.gguf")
        let picture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("MoETests/Fixtures/vision/mtmd-336.png").path
        let question = "What colour is the circle?"
        let child = try Child(["chat", "--model", Self.bundled, "--mmproj", mmproj, "--temperature", "0", "--max-tokens", "16", "--stats"])
        child.write("/image /no/such.png\n/image \(picture)\n\(question)\nThanks!\n")
        child.closeInput()
        #expect(child.finish() == 0, "\(child.stderr)")
        #expect(child.stderr.contains("usage: /image PATH"))
        #expect(child.stderr.contains("(picture 336×336 attached"))

        let model = try Model.load(path: Self.bundled, warm: false)
        let tokenizer = try Tokenizer(gguf: model.file)
        let template = try ChatTemplate(gguf: model.file, tokenizer: tokenizer)
        let embedding = try VisionEncoder(mmproj: mmproj).encode(image: try ImageDecoder.decode(try Data(contentsOf: URL(fileURLWithPath: picture))))
        let text = template.format.render([ChatMessage(role: .user, content: "<|image|>" + question)], addGenerationPrompt: true)
        let segments = try PromptSegment.segments(text: text, images: [embedding], tokenizer: tokenizer)
        let session = model.makeSession(maxTokens: 1024)
        var logits = try session.prefill(segments)[0]
        var out: [Int32] = []
        while out.count < 16 {
            var sampler = Sampler(settings: .greedy)
            let next = sampler.sample(logits)
            if template.isStop(next) { break }
            out.append(next)
            if out.count == 16 { break }
            logits = try session.decode(next)
        }
        let replies = child.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        try #require(replies.count == 3, "\(child.stdout)")
        #expect(String(replies[0]) == tokenizer.decode(out, special: false))
        // The second turn reuses the picture's positions.
        let cached = child.stderr.split(separator: "\n").filter { $0.hasPrefix("prompt ") }.map { $0.split(separator: " ").compactMap { Int($0) }[1] }
        #expect(cached.count == 2 && cached[1] > embedding.tokenCount)
    }

    @Test("Ctrl-C stops the reply being written, not the program")
    func interruptStopsOneReply() throws {
        // The random-weight Qwen3-MoE fixture does not end this turn: greedy, it runs to --max-tokens
        // (seconds of tokens), so the interrupt lands during the reply.
        let fixture = URL(fileURLWithPath: Harness.model).deletingLastPathComponent().appendingPathComponent("qwen3moe-tiny.f32.gguf").path
        let child = try Child(["chat", "--model", fixture, "--temperature", "0", "--max-tokens", "8000", "--context", "8192", "--stats"])
        child.write("Tell me everything.\n")
        _ = child.wait { !child.stdout.isEmpty }
        kill(child.process.processIdentifier, SIGINT)
        #expect(child.wait { child.stderr.contains("(reply stopped)") }, "stderr: \(child.stderr)")
        #expect(child.process.isRunning)
        child.write("/reset\n/quit\n")
        #expect(child.finish() == 0)
        #expect(child.stdout.hasSuffix("\n"))
        #expect(child.stderr.contains("(conversation forgotten)"), "commands are read after the interrupt")
        let reply = child.stderr.split(separator: "\n").first { $0.hasPrefix("prompt ") }.map { $0.split(separator: " ").compactMap { Int($0) } }
        #expect(reply.map { $0[2] > 0 && $0[2] < 8000 } == true, "stopped part-way: \(child.stderr)")
        #expect(child.stderr.contains("· interrupted"))
    }

    @Test("Ctrl-C between replies ends the program as usual")
    func interruptAtThePromptEnds() throws {
        let child = try Child(["chat", "--model", Self.bundled, "--temperature", "0", "--max-tokens", "8", "--stats"])
        child.write("Hello!\n")
        #expect(child.wait { child.stderr.contains("prompt ") })
        Thread.sleep(forTimeInterval: 0.1)
        kill(child.process.processIdentifier, SIGINT)
        _ = child.finish()
        #expect(child.process.terminationReason == .uncaughtSignal && child.process.terminationStatus == SIGINT)
    }
}
