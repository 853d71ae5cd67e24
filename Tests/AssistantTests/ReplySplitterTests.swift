import Assistant
import ChorusCore
import Testing

@Suite("Splitting long replies")
struct ReplySplitterTests {
    @Test("every part fits the platform's limit and nothing is lost", arguments: Platform.allCases)
    func fits(platform: Platform) {
        let sentence = "This is sentence number %d, with a few words in it and an emoji 🎉. "
        let text = (1...400).map { String(format: sentence, $0) }.joined()
        let parts = ReplySplitter.split(text, limit: platform.textLimit)
        #expect(parts.count > 1)
        #expect(parts.allSatisfy { $0.utf16.count <= platform.textLimit && !$0.isEmpty })
        #expect(parts.joined(separator: " ").split(separator: " ") == text.split(separator: " "))
        #expect(parts.dropLast().allSatisfy { $0.hasSuffix(".") }, "cut at sentence ends")
    }

    @Test("short text is one part; words are not cut when there is a space; a long word is hard-cut")
    func edges() {
        #expect(ReplySplitter.split("  hello  ", limit: 10) == ["hello"])
        #expect(ReplySplitter.split("aaaa bbbb cccc", limit: 10) == ["aaaa bbbb", "cccc"])
        let word = String(repeating: "x", count: 25)
        #expect(ReplySplitter.split(word, limit: 10) == ["xxxxxxxxxx", "xxxxxxxxxx", "xxxxx"])
        #expect(ReplySplitter.split("", limit: 10).isEmpty)
    }

    @Test("emoji and other astral characters are never split in half")
    func astral() {
        let text = String(repeating: "👍", count: 30)
        let parts = ReplySplitter.split(text, limit: 7)
        #expect(parts.allSatisfy { $0.utf16.count <= 7 })
        #expect(parts.joined() == text)
    }
}
