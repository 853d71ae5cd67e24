import ArgumentParser

/// `chorus`: serve, simulate, chat, model, queue, bench.
@main
struct Chorus: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chorus",
        abstract: "A locally hosted MoE assistant for Messenger, Instagram and WhatsApp.",
        subcommands: [ServeCommand.self, SimulateCommand.self, ChatCommand.self, QueueCommand.self, ConversationCommand.self, ModelCommand.self, EngineCommand.self, LangCommand.self, BenchCommand.self])
}
