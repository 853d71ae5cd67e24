import Foundation
import MetaWebhook
import Testing

/// Graph API error bodies → `GraphError`.
@Suite struct GraphErrorTests {
    @Test func messengerRateLimit() throws {
        let body = Data(#"{"error":{"message":"(#613) Calls to this api have exceeded the rate limit.","type":"OAuthException","code":613,"fbtrace_id":"AbCdEf123"}}"#.utf8)
        let e = try #require(GraphError.decode(body))
        #expect(e == GraphError(code: 613, type: "OAuthException", message: "(#613) Calls to this api have exceeded the rate limit.", fbtraceID: "AbCdEf123"))
        #expect(e.isRateLimit)
        #expect(!e.isTokenError)
    }

    @Test func expiredToken() throws {
        let body = Data(#"{"error":{"message":"Error validating access token","type":"OAuthException","code":190,"error_subcode":463,"fbtrace_id":"X"}}"#.utf8)
        let e = try #require(GraphError.decode(body))
        #expect(e.code == 190)
        #expect(e.subcode == 463)
        #expect(e.isTokenError)
    }

    @Test func whatsappWindowClosedWithDetails() throws {
        let body = Data(#"{"error":{"message":"(#131047) Re-engagement message","type":"OAuthException","code":131047,"error_data":{"messaging_product":"whatsapp","details":"Message failed to send because more than 24 hours have passed since the customer last replied to this number."},"fbtrace_id":"Y"}}"#.utf8)
        let e = try #require(GraphError.decode(body))
        #expect(e.isOutsideWindow)
        #expect(e.message == "(#131047) Re-engagement message: Message failed to send because more than 24 hours have passed since the customer last replied to this number.")
        #expect(e.description.hasPrefix("Graph error 131047 OAuthException:"))
    }

    @Test(arguments: [#"{"recipient_id":"1","message_id":"m"}"#, "<html>", "", #"{"error":"nope"}"#, #"{"error":{"message":"no code"}}"#])
    func notAnError(body: String) {
        #expect(GraphError.decode(Data(body.utf8)) == nil)
    }
}
