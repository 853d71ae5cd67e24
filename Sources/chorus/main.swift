import ArgumentParser

/// `chorus`: serve, simulate, chat, model, queue, bench.
struct Chorus: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chorus",
        abstract: "A locally hosted MoE assistant for Messenger, Instagram and WhatsApp.")
}
