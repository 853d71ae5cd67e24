/// One of the three Meta messaging platforms Chorus speaks.
public enum Platform: String, Codable, Sendable, CaseIterable, Hashable {
    case messenger
    case instagram
    case whatsapp

    /// The `object` field Meta puts at the top of this platform's webhook bodies.
    public var webhookObject: String {
        switch self {
        case .messenger: "page"
        case .instagram: "instagram"
        case .whatsapp: "whatsapp_business_account"
        }
    }

    /// The longest text one Send API message may carry (Meta's documented limits).
    public var textLimit: Int {
        switch self {
        case .messenger: 2000
        case .instagram: 1000
        case .whatsapp: 4096
        }
    }
}
