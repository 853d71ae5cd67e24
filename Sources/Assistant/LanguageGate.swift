import ChorusCore
import Foundation
import LanguageID

/// Multimodal features only where Meta shipped them: Llama 4's image understanding is enabled
/// for English conversations only. The gate decides per message, from the message's language
/// and the conversation's (so "ok" or "👍" after English stays English).
public struct LanguageGate: Sendable {
    /// One message's decision, stored with its event.
    public struct Decision: Sendable, Codable, Hashable {
        /// The conversation's language after this message (ISO 639-1 or `und`).
        public var language: String
        /// How sure the conversation is of it.
        public var confidence: Double
        /// This message's own guess.
        public var messageLanguage: String
        /// This message's own confidence.
        public var messageConfidence: Double
        /// Whether multimodal features are on for this message.
        public var open: Bool
        /// Why, in words.
        public var why: String

        enum CodingKeys: String, CodingKey {
            case language, confidence, open, why
            case messageLanguage = "message_language"
            case messageConfidence = "message_confidence"
        }
    }

    /// Languages whose conversations get multimodal features (default: English only).
    public var multimodalLanguages: Set<String>
    /// The identifier (shared, loaded once).
    public let identifier: LanguageIdentifier

    /// Creates a gate.
    public init(multimodalLanguages: Set<String> = ["en"], identifier: LanguageIdentifier = .shared) {
        self.multimodalLanguages = multimodalLanguages
        self.identifier = identifier
    }

    /// Decides for one message given the conversation's state; returns the decision and the new state.
    public func decide(text: String, ignoring names: [String], state: ConversationLanguage) -> (Decision, ConversationLanguage) {
        let guess = identifier.identify(text, ignoring: names)
        let next = state.update(with: guess)
        let open = multimodalLanguages.contains(next.language)
        let why: String
        if open {
            why = "conversation is \(next.language) (\(String(format: "%.2f", next.confidence)))"
        } else if next.language == "und" {
            why = "conversation language not yet determined"
        } else {
            why = "multimodal features are enabled for \(multimodalLanguages.sorted().joined(separator: ", ")) only; conversation is \(next.language)"
        }
        let decision = Decision(language: next.language, confidence: next.confidence, messageLanguage: guess.language,
                                messageConfidence: guess.confidence, open: open, why: why)
        return (decision, next)
    }

    /// The note added to a reply when pictures were sent in a conversation the gate keeps closed,
    /// in the conversation's language (English when we have no text for it).
    public static func closedNote(language: String) -> String {
        closedNotes[language] ?? closedNotes["en"]!
    }

    /// "Pictures are understood in English conversations only", per language.
    static let closedNotes: [String: String] = [
        "en": "(I can only look at pictures in English conversations, so I answered your text only.)",
        "es": "(Solo puedo ver imágenes en conversaciones en inglés, así que respondí solo a tu texto.)",
        "fr": "(Je ne peux regarder les images que dans les conversations en anglais : j'ai donc répondu uniquement à ton texte.)",
        "de": "(Bilder kann ich nur in englischsprachigen Unterhaltungen ansehen, daher habe ich nur auf deinen Text geantwortet.)",
        "it": "(Posso guardare le immagini solo nelle conversazioni in inglese, quindi ho risposto solo al tuo testo.)",
        "pt": "(Só consigo ver imagens em conversas em inglês, por isso respondi apenas ao seu texto.)",
        "nl": "(Ik kan alleen afbeeldingen bekijken in Engelstalige gesprekken, dus ik heb alleen op je tekst gereageerd.)",
        "pl": "(Obrazy mogę oglądać tylko w rozmowach po angielsku, więc odpowiedziałem tylko na Twój tekst.)",
        "tr": "(Resimlere yalnızca İngilizce sohbetlerde bakabiliyorum, bu yüzden yalnızca metnine yanıt verdim.)",
        "ru": "(Я могу смотреть изображения только в англоязычных разговорах, поэтому ответил только на ваш текст.)",
        "id": "(Saya hanya bisa melihat gambar dalam percakapan berbahasa Inggris, jadi saya hanya menjawab teks Anda.)",
        "sv": "(Jag kan bara titta på bilder i samtal på engelska, så jag svarade bara på din text.)",
        "ja": "(画像は英語の会話でのみ見ることができるため、テキストにのみ返信しました。)",
        "zh": "(我只能在英语对话中查看图片，所以只回复了你的文字。)",
        "ko": "(이미지는 영어 대화에서만 볼 수 있어서 텍스트에만 답했어요.)",
        "ar": "(لا يمكنني رؤية الصور إلا في المحادثات باللغة الإنجليزية، لذلك رددت على نصك فقط.)",
        "hi": "(मैं तस्वीरें केवल अंग्रेज़ी बातचीत में देख सकता हूँ, इसलिए मैंने केवल आपके टेक्स्ट का जवाब दिया।)",
    ]

    /// The note when the gate is open but no vision encoder is loaded (`--mmproj` not given).
    public static let noVisionNote = "(I can't look at pictures on this server yet, so I answered your text only.)"
}
