import ChorusCore
import Foundation
import InstagramAdapter
import MessengerAdapter
import MetaWebhook
import WhatsAppAdapter

/// One input through every webhook path: the three decoders, the signature check and the
/// handshake. Any crash, trap or hang is a bug; errors are the expected answer to garbage.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzWebhooks(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: start, count: count)
    let data = Data(bytes)
    _ = try? MessengerInbound.decode(data)
    _ = try? InstagramInbound.decode(data)
    _ = try? WhatsAppInbound.decode(data)
    _ = try? JSONValue.parse(bytes)
    let text = String(decoding: bytes, as: UTF8.self)
    _ = WebhookSignature.isValid(body: bytes, header: text, appSecret: "secret")
    _ = WebhookSignature.isValid(body: bytes, header: "sha256=" + text, appSecret: "secret")
    let parts = text.split(separator: "&", maxSplits: 3).map(String.init)
    _ = VerificationHandshake.challenge(mode: parts.first, verifyToken: parts.dropFirst().first,
                                        challenge: parts.dropFirst(2).first, expectedToken: "token")
    return 0
}

// SwiftPM links this file's entry point as the program's main, so libFuzzer's own main never
// runs: hand control to libFuzzer's driver explicitly.
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafeRawPointer?, Int) -> CInt) -> CInt

var arguments = CommandLine.argc
var vector = CommandLine.unsafeArgv
exit(runFuzzerDriver(&arguments, &vector, fuzzWebhooks))
