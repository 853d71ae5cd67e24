import ChorusCore
import Foundation
import MetaWebhook

extension FakeGraphAPI {
    /// WhatsApp Cloud API rules: `messaging_product: whatsapp`; text bodies 1–4096; groups only by
    /// known `group_id` with `recipient_type: group`; no read receipts in groups; sends outside the
    /// 24-hour customer-service window fail with 131047.
    func validateWhatsApp(_ json: [String: JSONValue], record: inout GraphRecord, now: Date) async -> SendOutcome {
        guard json["messaging_product"]?.stringValue == "whatsapp" else {
            return .rejected(.badRequest, code: 100, message: "(#100) The parameter messaging_product is required.")
        }
        if json["status"]?.stringValue == "read" {
            guard let id = json["message_id"]?.stringValue, !id.isEmpty else {
                return .rejected(.badRequest, code: 100, message: "(#100) The parameter message_id is required.")
            }
            record.messageID = id
            record.kind = json["typing_indicator"] == nil ? .read : .typing
            if await ledger.isGroupMessage(id) {
                return .rejected(.badRequest, code: 131009, message: "(#131009) Parameter value is not valid: read receipts are not supported for group messages")
            }
            return .accepted(["success": .bool(true)])
        }
        let recipientType = json["recipient_type"]?.stringValue ?? "individual"
        guard let to = json["to"]?.stringValue ?? json["recipient"]?.stringValue, !to.isEmpty else {
            return .rejected(.badRequest, code: 100, message: "(#100) The parameter to is required.")
        }
        record.to = to
        record.isGroup = recipientType == "group"
        record.messageID = json["context"]?["message_id"]?.stringValue
        let type = json["type"]?.stringValue ?? "text"
        guard type == "text" else {
            record.kind = .otherMessage
            return .accepted(["messaging_product": .string("whatsapp")])
        }
        record.kind = .text
        guard let text = json["text"]?["body"]?.stringValue, !text.isEmpty else {
            return .rejected(.badRequest, code: 100, message: "(#100) The parameter text['body'] is required.")
        }
        record.text = text
        guard text.utf16.count <= Platform.whatsapp.textLimit else {
            return .rejected(.badRequest, code: 100, message: "(#100) Param text['body'] must be at most 4096 characters long.")
        }
        switch recipientType {
        case "group":
            guard await ledger.groups.contains(to) else {
                return .rejected(.badRequest, code: 131009, message: "(#131009) Parameter value is not valid: unknown group \(to)")
            }
        case "individual":
            break
        default:
            return .rejected(.badRequest, code: 100, message: "(#100) Invalid recipient_type \(recipientType)")
        }
        guard await ledger.isWithinWindow(account: record.account, to: to, now: now) else {
            return .rejected(.badRequest, code: 131047, message: "(#131047) Re-engagement message: more than 24 hours have passed since the recipient last replied")
        }
        return .accepted([
            "messaging_product": .string("whatsapp"),
            "contacts": .array([.object(["input": .string(to), "wa_id": .string(to)])]),
        ])
    }

    /// Messenger and Instagram Send API rules: `recipient.id`; either `sender_action` or a
    /// `message` with `messaging_type`; text up to 2000 (Messenger) or 1000 (Instagram); sends
    /// outside the 24-hour standard messaging window fail with 10/2018278.
    func validateMessaging(_ json: [String: JSONValue], platform: Platform, record: inout GraphRecord, now: Date) async -> SendOutcome {
        guard let to = json["recipient"]?["id"]?.stringValue, !to.isEmpty else {
            return .rejected(.badRequest, code: 100, message: "(#100) The parameter recipient is required")
        }
        record.to = to
        if let action = json["sender_action"]?.stringValue {
            switch action {
            case "mark_seen": record.kind = .read
            case "typing_on", "typing_off": record.kind = .typing
            default: return .rejected(.badRequest, code: 100, message: "(#100) Param sender_action must be one of {mark_seen, typing_on, typing_off}")
            }
            return .accepted(["recipient_id": .string(to)])
        }
        guard let kind = json["messaging_type"]?.stringValue, ["RESPONSE", "UPDATE", "MESSAGE_TAG"].contains(kind) else {
            return .rejected(.badRequest, code: 100, message: "(#100) The parameter messaging_type is required")
        }
        guard let message = json["message"], case .object = message else {
            return .rejected(.badRequest, code: 100, message: "(#100) The parameter message is required")
        }
        guard let text = message["text"]?.stringValue else {
            record.kind = .otherMessage
            return .accepted(["recipient_id": .string(to)])
        }
        record.kind = .text
        record.text = text
        guard !text.isEmpty, text.utf16.count <= platform.textLimit else {
            return .rejected(.badRequest, code: 100, message: "(#100) Length of param message[text] must be less than or equal to \(platform.textLimit)")
        }
        guard await ledger.isWithinWindow(account: record.account, to: to, now: now) else {
            return .rejected(.badRequest, code: 10, message: "(#10) This message is sent outside of allowed window.")
        }
        return .accepted(["recipient_id": .string(to)])
    }

    /// Lowercase hex SHA-256 (WhatsApp's media `sha256`).
    static func sha256Hex(_ data: Data) -> String { Digest.sha256Hex(bytes: data) }
}
