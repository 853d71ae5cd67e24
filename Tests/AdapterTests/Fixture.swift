import ChorusCore
import Foundation
import Testing

/// Recorded payloads under `Fixtures/` (copied into the test bundle).
enum Fixture {
    /// The bytes of `Fixtures/<path>`.
    static func data(_ path: String) throws -> Data {
        let base = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        return try Data(contentsOf: base.appendingPathComponent(path))
    }

    /// Every file name in `Fixtures/<folder>` ending in `.json`, sorted.
    static func jsonFiles(in folder: String) throws -> [String] {
        let base = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        let names = try FileManager.default.contentsOfDirectory(atPath: base.appendingPathComponent(folder).path)
        return names.filter { $0.hasSuffix(".json") }.sorted()
    }
}

extension Array where Element == InboundEvent {
    /// The events of `kind`.
    func of(_ kind: InboundEvent.Kind) -> [InboundEvent] { filter { $0.kind == kind } }
}
