import ChorusCore
import Foundation

/// The role of a platform's inbound adapter: a raw webhook body in, normalized events out.
public protocol InboundDecoder {
    /// The platform this decoder reads.
    static var platform: Platform { get }
    /// Every event in `body`, in order. Items it cannot read become `.unsupported` events; only
    /// a body that is not a webhook at all throws.
    static func decode(_ body: Data) throws(WebhookDecodeError) -> [InboundEvent]
}
