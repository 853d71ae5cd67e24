import Foundation
import Testing

/// The held-out evaluation texts, read from the committed files in Benchmarks/langid/
/// (built by scripts/langid/eval_data.py from sources never used in training).
enum Fixtures {
    /// One evaluation text with its label.
    struct Sample: Sendable {
        let language: String, bucket: String, source: String, text: String
    }

    /// One hand-written hard case: the accepted answers, preferred first.
    struct HardCase: Sendable, CustomTestStringConvertible {
        let category: String, accepted: [String], text: String
        var testDescription: String { "\(category): \(text)" }
    }

    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Benchmarks/langid")

    static let samples: [Sample] = rows("eval.tsv", columns: 4).map {
        Sample(language: $0[0], bucket: $0[1], source: $0[2], text: $0[3])
    }

    static let hardCases: [HardCase] = rows("hard_cases.tsv", columns: 3).map {
        HardCase(category: $0[0], accepted: $0[1].split(separator: "|").map(String.init), text: $0[2])
    }

    /// One answer of the Python reference scorer (scripts/langid/build_model.py) on the bundled model.
    struct Reference: Sendable {
        let language: String, confidence: Double, text: String
    }

    static let references: [Reference] = rows("reference.tsv", columns: 3).compactMap {
        guard let confidence = Double($0[1]) else { return nil }
        return Reference(language: $0[0], confidence: confidence, text: $0[2])
    }

    /// Languages present in the evaluation set.
    static var languages: [String] { Array(Set(samples.map(\.language))).sorted() }

    private static func rows(_ name: String, columns: Int) -> [[String]] {
        guard let text = try? String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            guard !line.hasPrefix("#") else { return nil }
            let fields = line.split(separator: "\t", maxSplits: columns - 1, omittingEmptySubsequences: false).map(String.init)
            return fields.count == columns ? fields : nil
        }
    }
}
