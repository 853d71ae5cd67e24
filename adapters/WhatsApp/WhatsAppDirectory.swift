import ChorusCore

/// Who is who in one change: `value.contacts[]` indexed by business-scoped `user_id` and by
/// `wa_id`. Users are keyed by `user_id` first: it stays when a user hides their number behind a
/// username, when `wa_id` may be empty or absent
/// (https://developers.facebook.com/documentation/business-messaging/whatsapp/business-scoped-user-ids).
struct WhatsAppDirectory {
    let contacts: [WhatsAppPayload.Contact]

    /// The participant with phone number `phone` and/or business-scoped id `userID`, named from
    /// the matching contact; nil when nothing identifies them.
    func participant(phone: String?, userID: String?) -> Participant? {
        let phone = nonEmpty(phone), userID = nonEmpty(userID)
        let contact = contacts.first { userID != nil && nonEmpty($0.user_id) == userID }
            ?? contacts.first { phone != nil && nonEmpty($0.wa_id) == phone }
            // A change about one user with no id on the item itself: that user.
            ?? (phone == nil && userID == nil && contacts.count == 1 ? contacts[0] : nil)
        guard let id = userID ?? nonEmpty(contact?.user_id) ?? phone ?? nonEmpty(contact?.wa_id) else { return nil }
        let number = phone ?? nonEmpty(contact?.wa_id)
        return Participant(id: id, name: nonEmpty(contact?.profile?.name), phoneNumber: number == id ? nil : number)
    }
}
