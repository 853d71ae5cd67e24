/// A cheap pre-scan that rejects JSON nested deeper than Meta ever sends, before Foundation
/// parses it.
///
/// Why: on Linux, swift-foundation's `JSONScanner` stops at depth 512, but a body that reaches
/// depth 513 exactly at its last byte (513 `[` and nothing else) traps inside
/// `JSONError.SourceLocation.sourceLocation(at:fullSource:)` (checked with Swift 6.3.1; see
/// HostileInputTests). Meta's payloads nest fewer than 20 levels, so 256 is generous and keeps
/// the recursive `JSONValue` decoding far from the stack's end.
enum NestingGuard {
    /// The deepest nesting of `[`/`{` accepted.
    static let maxDepth = 256

    /// The deepest nesting in `bytes`, stopping early once past `limit`. Brackets inside strings
    /// (with `\` escapes) do not count, exactly as a JSON scanner reads them.
    static func depth(of bytes: UnsafeRawBufferPointer, limit: Int = maxDepth) -> Int {
        var depth = 0, deepest = 0
        var inString = false, escaped = false
        for byte in bytes {
            if inString {
                if escaped { escaped = false }
                else if byte == UInt8(ascii: "\\") { escaped = true }
                else if byte == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                depth += 1
                if depth > deepest {
                    deepest = depth
                    if deepest > limit { return deepest }
                }
            case UInt8(ascii: "]"), UInt8(ascii: "}"): depth = max(0, depth - 1)
            default: break
            }
        }
        return deepest
    }
}
