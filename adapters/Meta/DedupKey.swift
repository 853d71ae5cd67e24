import ChorusCore

/// Builds the durable keys that make Meta's redeliveries one event
/// (`<platform>:<account>:<what>:<ids…>`). Meta retries failed deliveries for hours (WhatsApp: up
/// to 7 days) and may deliver twice, so keys use only the platform's own ids, never arrival time.
public enum DedupKey {
    /// `platform:account:part:part…`.
    public static func make(_ platform: Platform, account: String, _ parts: String...) -> String {
        ([platform.rawValue, account] + parts).joined(separator: ":")
    }

    /// `platform:account:sha256:<hex of the raw JSON text>`: for items with no id of their own
    /// (errors, unknown items). `raw` is canonical (sorted keys), so the same item gives the same key.
    public static func hashed(_ platform: Platform, account: String, raw: String) -> String {
        make(platform, account: account, "sha256", Digest.sha256Hex(raw))
    }
}
