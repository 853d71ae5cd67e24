import CCrypto

/// SHA-256 with libcrypto, for dedup keys of items that carry no id of their own, for
/// constant-time token comparison, and for media checksums (WhatsApp's `sha256`).
public enum Digest {
    /// The SHA-256 of `bytes`.
    static func sha256(_ bytes: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Int(SHA256_DIGEST_LENGTH))
        let one: [UInt8] = [0]
        bytes.withUnsafeBufferPointer { b in
            one.withUnsafeBufferPointer { e in
                out.withUnsafeMutableBufferPointer { o in
                    _ = SHA256(b.baseAddress ?? e.baseAddress, b.count, o.baseAddress)
                }
            }
        }
        return out
    }

    /// The lowercase hex SHA-256 of `bytes`.
    public static func sha256Hex(bytes: some Sequence<UInt8>) -> String {
        WebhookSignature.hex(sha256(Array(bytes)))
    }

    /// The lowercase hex SHA-256 of the UTF-8 of `text`.
    static func sha256Hex(_ text: String) -> String {
        WebhookSignature.hex(sha256(Array(text.utf8)))
    }

    /// Whether `a` and `b` are equal, compared in constant time over their SHA-256 digests
    /// (so neither the content nor the length leaks through timing).
    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let da = sha256(Array(a.utf8)), db = sha256(Array(b.utf8))
        return da.withUnsafeBytes { x in db.withUnsafeBytes { y in CRYPTO_memcmp(x.baseAddress, y.baseAddress, x.count) == 0 } }
    }
}
