import CCrypto
import Foundation

/// Checks and produces Meta's `X-Hub-Signature-256` header.
///
/// Meta signs every webhook POST with HMAC-SHA256 of the exact request body, keyed with the app
/// secret, and sends it as `X-Hub-Signature-256: sha256=<hex>`
/// (https://developers.facebook.com/docs/messenger-platform/webhooks#validate-payloads,
/// https://developers.facebook.com/docs/graph-api/webhooks/getting-started#validate-payloads).
/// Meta signs an escaped-unicode body (`\u00e9`), so the check must run over the raw bytes as
/// received, never over re-serialized JSON.
public enum WebhookSignature {
    /// The header name Meta sends the signature in.
    public static let headerName = "X-Hub-Signature-256"

    /// Whether `header` is a valid `sha256=<hex>` signature of `body` under `appSecret`.
    ///
    /// Hex digits are accepted in either case. A missing or malformed header, or an empty app
    /// secret, is never valid. The digests are compared in constant time (`CRYPTO_memcmp`).
    public static func isValid(body: UnsafeRawBufferPointer, header: String?, appSecret: String) -> Bool {
        guard !appSecret.isEmpty, let header, let expected = parse(header: header) else { return false }
        let actual = hmacSHA256(body: body, key: appSecret)
        guard actual.count == expected.count else { return false }
        return actual.withUnsafeBytes { a in
            expected.withUnsafeBytes { e in CRYPTO_memcmp(a.baseAddress, e.baseAddress, a.count) == 0 }
        }
    }

    /// Whether `header` is a valid signature of the bytes `body`.
    public static func isValid(body: [UInt8], header: String?, appSecret: String) -> Bool {
        body.withUnsafeBytes { isValid(body: $0, header: header, appSecret: appSecret) }
    }

    /// Whether `header` is a valid signature of `body` (`Data`, `ByteBuffer` views, …).
    public static func isValid(body: some ContiguousBytes, header: String?, appSecret: String) -> Bool {
        body.withUnsafeBytes { isValid(body: $0, header: header, appSecret: appSecret) }
    }

    /// The full header value Meta would send for `body`: `sha256=<lowercase hex>`.
    public static func sign(body: UnsafeRawBufferPointer, appSecret: String) -> String {
        "sha256=" + hex(hmacSHA256(body: body, key: appSecret))
    }

    /// The full header value Meta would send for the bytes `body`.
    public static func sign(body: [UInt8], appSecret: String) -> String {
        body.withUnsafeBytes { sign(body: $0, appSecret: appSecret) }
    }

    /// The full header value Meta would send for `body` (`Data` and other contiguous bytes).
    public static func sign(body: some ContiguousBytes, appSecret: String) -> String {
        body.withUnsafeBytes { sign(body: $0, appSecret: appSecret) }
    }

    // MARK: - Internals

    /// HMAC-SHA256 with libcrypto's one-shot `HMAC`, which accepts empty keys and bodies.
    static func hmacSHA256(body: UnsafeRawBufferPointer, key: String) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let keyBytes = Array(key.utf8)
        // A zero-length buffer may have a nil base address; libcrypto wants a valid pointer.
        let empty: [UInt8] = [0]
        let ok = keyBytes.withUnsafeBytes { k in
            empty.withUnsafeBytes { e in
                out.withUnsafeMutableBufferPointer { o in
                    HMAC(EVP_sha256(),
                         k.baseAddress ?? e.baseAddress, Int32(k.count),
                         (body.baseAddress ?? e.baseAddress)?.assumingMemoryBound(to: UInt8.self), body.count,
                         o.baseAddress, &length)
                }
            }
        }
        precondition(ok != nil && length == 32, "libcrypto HMAC-SHA256 failed")
        return Array(out.prefix(Int(length)))
    }

    /// Parses `sha256=<64 hex digits>` into 32 bytes; nil when malformed.
    static func parse(header: String) -> [UInt8]? {
        // Bytes, not Characters: this runs for every webhook (Foundation's trimming and
        // lowercasing cost more than the HMAC itself).
        var utf8 = Substring(header).utf8
        while let first = utf8.first, first == 0x20 || first == 0x09 { utf8 = utf8.dropFirst() }
        while let last = utf8.last, last == 0x20 || last == 0x09 { utf8 = utf8.dropLast() }
        let prefix = Array("sha256=".utf8)
        guard utf8.count == prefix.count + 64,
              zip(utf8.prefix(prefix.count), prefix).allSatisfy({ ($0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0) == $1 }) else { return nil }
        return bytes(fromHex: Substring(utf8.dropFirst(prefix.count)))
    }

    /// Decodes an even-length hex string (either case); nil on any other character.
    static func bytes(fromHex hex: Substring) -> [UInt8]? {
        let digits = Array(hex.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        var index = 0
        while index < digits.count {
            guard let high = nibble(digits[index]), let low = nibble(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// Lowercase hex of `bytes`.
    static func hex(_ bytes: [UInt8]) -> String {
        let table = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            out.append(table[Int(b >> 4)])
            out.append(table[Int(b & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
