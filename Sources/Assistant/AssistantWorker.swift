import ChorusCore
import Foundation
import InstagramAdapter
import LanguageID
import Logging
import Metrics
import MessengerAdapter
import MetaWebhook
import Queue
import WhatsAppAdapter

/// Serves the queue: leases events of many conversations, decides which to answer, builds each
/// prompt from memory, generates all replies in one engine batch, and finishes every event with
/// its memory and outbox rows in one transaction. Sending is the `SendDispatcher`'s job.
public struct AssistantWorker: Sendable {
    /// The queue and memory.
    public let store: any QueueBackend
    /// The model.
    public let engine: any ReplyEngine
    /// Behaviour.
    public let settings: AssistantSettings
    /// Best-effort read receipts and typing indicators go straight out (they are ephemeral).
    public let graph: GraphClient?
    /// The language gate: multimodal features for English conversations only.
    public let gate: LanguageGate
    /// Fetches pictures once the gate opened (nil: pictures are never fetched).
    public let media: MediaFetcher?
    /// This worker's lease owner name.
    public let owner: String
    /// Logs carry event and conversation ids, not message text.
    public let logger: Logger

    /// Creates a worker.
    public init(store: any QueueBackend, engine: any ReplyEngine, settings: AssistantSettings, graph: GraphClient?,
                gate: LanguageGate = LanguageGate(), media: MediaFetcher? = nil,
                owner: String = "worker-\(ProcessInfo.processInfo.processIdentifier)", logger: Logger) {
        self.store = store
        self.engine = engine
        self.settings = settings
        self.graph = graph
        self.gate = gate
        self.media = media
        self.owner = owner
        self.logger = logger
    }

    /// Runs until cancelled.
    public func run() async {
        while !Task.isCancelled {
            do {
                if try await step() == 0 { try? await Task.sleep(for: settings.pollInterval) }
            } catch {
                logger.error("assistant step failed", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }

    /// One round: lease, decide, generate, finish. Returns the number of events handled.
    @discardableResult
    public func step(now: Date = Date()) async throws -> Int {
        let leased = try await store.lease(owner: owner, now: now, duration: settings.leaseDuration, kinds: nil,
                                           limit: settings.batchSize)
        guard !leased.isEmpty else { return 0 }
        var plans: [Plan] = []
        for item in leased {
            plans.append(try await plan(item))
        }
        let answering = plans.indices.filter { plans[$0].request != nil }
        for index in answering { await acknowledge(plans[index].event) }
        var replies: [String] = []
        for plan in plans {
            if let gate = plan.gate {
                Counter(label: "chorus_gate_decisions_total",
                        dimensions: [("language", gate.language), ("gate", gate.open ? "open" : "closed")]).increment()
            }
            Counter(label: "chorus_events_handled_total",
                    dimensions: [("kind", plan.event.kind.rawValue), ("decision", Self.note(plan.decision).decision)]).increment()
        }
        if !answering.isEmpty {
            Recorder(label: "chorus_engine_batch_size").record(answering.count)
            let started = ContinuousClock.now
            defer { Timer(label: "chorus_generation_seconds").recordNanoseconds((ContinuousClock.now - started).inNanoseconds) }
            do {
                replies = try await engine.generate(answering.map { plans[$0].request! })
            } catch {
                logger.error("generation failed", metadata: ["error": "\(error)", "events": "\(answering.count)"])
                for index in answering {
                    logger.warning("event will be retried: generation failed", metadata: Self.metadata(plans[index]))
                    try? await store.fail(id: plans[index].id, owner: owner, error: "generation failed: \(error)")
                }
                for index in plans.indices where !answering.contains(index) { try await finish(plans[index], reply: nil, now: now) }
                return leased.count
            }
        }
        for (offset, index) in answering.enumerated() { plans[index].reply = replies[offset] }
        for plan in plans { try await finish(plan, reply: plan.reply, now: now) }
        return leased.count
    }

    /// What to do with one leased event.
    struct Plan {
        var id: Int64
        var event: InboundEvent
        var decision: AnswerPolicy.Decision
        var userTurn: HistoryEntry?
        var recentSpeakers: Set<String>
        var request: GenerationRequest?
        var reply: String?
        var gate: LanguageGate.Decision?
        var language: String?
        var images: String?
        var appendix: String?
        var pictures: [ImageInput] = []
    }

    private func plan(_ leased: LeasedEvent) async throws -> Plan {
        let event = leased.event
        let conversation = event.conversation.key
        var quotesBot = false
        if let quoted = event.replyTo { quotesBot = try await store.isBotMessage(conversation: conversation, messageID: quoted) }
        let policy = AnswerPolicy(botName: settings.botName, aliases: settings.aliases, alwaysAnswerGroups: settings.alwaysAnswerGroups)
        let decision = policy.decide(event, quotesBot: quotesBot)
        var plan = Plan(id: leased.id, event: event, decision: decision, userTurn: nil, recentSpeakers: [], request: nil)
        guard case .ignore = decision else {
            if event.kind == .reaction { return plan }
            let words = Self.clean(AnswerPolicy.words(of: event) ?? "")
            try await applyGate(to: &plan)
            let sender = event.sender ?? Participant(id: event.conversation.id)
            let turn = HistoryEntry(conversationKey: conversation, role: .user, speakerID: sender.id,
                                    speakerName: sender.name, text: words, messageID: event.messageID, timestamp: event.timestamp)
            plan.userTurn = turn
            guard decision.answers else { return plan }
            let history = try await store.history(conversation: conversation, limit: settings.historyTurns) + [turn]
            plan.recentSpeakers = Set(history.suffix(12).filter { $0.role == .user }.map(\.speakerID))
            let builder = PromptBuilder(systemPrompt: settings.systemPrompt, botName: settings.botName,
                                        tokenBudget: settings.promptTokenBudget)
            let note = plan.gate.flatMap { Self.languageNote($0.language) }
            let turns = builder.turns(history: history, isGroup: event.conversation.isGroup, note: note, count: engine.tokenCount)
            plan.request = GenerationRequest(conversationKey: conversation, turns: turns, maxTokens: settings.maxReplyTokens,
                                             seed: settings.seed ^ Self.fnv1a("\(conversation)#\(leased.id)"), images: plan.pictures)
            plan.request?.minTokens = settings.minReplyTokens
            return plan
        }
        return plan
    }

    /// The language gate for a message with words: the conversation's language after it, and
    /// whether its pictures may be looked at. Pictures are never downloaded when it is closed.
    private func applyGate(to plan: inout Plan) async throws {
        let event = plan.event
        let text = event.text ?? event.attachments.compactMap(\.caption).joined(separator: " ")
        let stored = try await store.languageState(conversation: event.conversation.key)
        let state = stored.flatMap { try? JSONDecoder().decode(ConversationLanguage.self, from: Data($0.utf8)) } ?? ConversationLanguage()
        let (decision, next) = gate.decide(text: text, ignoring: [settings.botName] + settings.aliases, state: state)
        plan.gate = decision
        plan.language = (try? JSONEncoder().encode(next)).map { String(decoding: $0, as: UTF8.self) }
        guard event.attachments.contains(where: { $0.kind == .image || $0.kind == .sticker }) else { return }
        if !decision.open {
            plan.images = "not_downloaded_gate_closed"
            plan.appendix = LanguageGate.closedNote(language: decision.language)
        } else if !engine.seesImages || media == nil {
            plan.images = "no_vision_encoder"
            plan.appendix = LanguageGate.noVisionNote
        } else if let media {
            var failures: [String] = []
            for attachment in event.attachments where attachment.kind == .image || attachment.kind == .sticker {
                do {
                    let (data, _) = try await media.fetch(attachment, platform: event.platform)
                    let key = attachment.sha256 ?? MediaFetcher.sha256Hex(data)
                    plan.pictures.append(ImageInput(key: key, data: [UInt8](data)))
                } catch {
                    failures.append(error.description)
                }
            }
            // A failed download never loses the message: the text is answered, the failure recorded.
            plan.images = failures.isEmpty ? "sent_to_model" : "download_failed: " + failures.joined(separator: "; ")
        }
    }

    /// "The person writes in Spanish.": helps a small model answer in the right language.
    static func languageNote(_ code: String) -> String? {
        guard code != "und", let name = Locale(identifier: "en").localizedString(forLanguageCode: code) else { return nil }
        return "The person writes in \(name); answer in \(name)."
    }

    /// Read receipt and typing indicator before generating, where the platform allows them
    /// (never in WhatsApp groups). Best effort: a failure only logs.
    private func acknowledge(_ event: InboundEvent) async {
        guard let graph else { return }
        let request: SendRequest? = switch event.platform {
        case .whatsapp: WhatsAppOutbound.typing(event)
        case .messenger: MessengerOutbound.typing(event)
        case .instagram: InstagramOutbound.typing(event)
        }
        guard let request else { return }
        if case .sent = await graph.send(request, platform: event.platform) { return }
        logger.debug("typing indicator not sent", metadata: ["event": "\(event.dedupKey)"])
    }

    /// Commits the event's outcome: done, memory, and the reply's sends, in one transaction.
    private func finish(_ plan: Plan, reply: String?, now: Date) async throws {
        var history: [HistoryEntry] = plan.userTurn.map { [$0] } ?? []
        var sends: [OutboxDraft] = []
        var note = Self.note(plan.decision)
        note.gate = plan.gate
        note.images = plan.images
        if plan.request != nil {
            var text = Self.clean(reply ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            if text.isEmpty {
                note.remark = "the model produced an empty reply, nothing sent"
            } else {
                if let appendix = plan.appendix { text += "\n\n" + appendix }
                let event = plan.event
                var addressed = text
                if event.conversation.isGroup, plan.recentSpeakers.count > 1, let name = event.sender?.name,
                   !AnswerPolicy.fold(text).hasPrefix(AnswerPolicy.fold(name)) {
                    addressed = "\(name), \(text)"
                }
                let parts = ReplySplitter.split(addressed, limit: event.platform.textLimit)
                for (index, part) in parts.enumerated() {
                    let quoting = event.conversation.isGroup && index == 0 ? event.messageID : nil
                    let request = Self.render(Reply(conversation: event.conversation, text: part, quoting: quoting))
                    sends.append(OutboxDraft(platform: event.platform, kind: .text, path: request.path, body: request.body))
                }
                history.append(HistoryEntry(conversationKey: event.conversation.key, role: .assistant,
                                            speakerID: event.conversation.account, speakerName: settings.botName,
                                            text: addressed, messageID: nil, timestamp: Int64(now.timeIntervalSince1970 * 1000)))
                note.replyParts = parts.count
            }
        }
        do {
            try await store.finish(eventID: plan.id, owner: owner, note: note.json, history: history, sends: sends,
                                   language: plan.language, now: now)
            var metadata = Self.metadata(plan)
            metadata["decision"] = "\(note.decision)"
            metadata["reason"] = "\(note.reason)"
            if let gate = plan.gate { metadata["language"] = "\(gate.language)"; metadata["gate"] = gate.open ? "open" : "closed" }
            if !sends.isEmpty { metadata["sends"] = "\(sends.count)" }
            logger.info("event handled", metadata: metadata)
        } catch {
            var metadata = Self.metadata(plan)
            metadata["error"] = "\(error)"
            logger.warning("event not finished (lease lost?)", metadata: metadata)
        }
    }

    /// What identifies an event in the logs: ids and the conversation, never the text.
    static func metadata(_ plan: Plan) -> Logger.Metadata {
        [
            "event": "\(plan.id)", "conversation": "\(plan.event.conversation.key)",
            "platform": "\(plan.event.platform.rawValue)", "kind": "\(plan.event.kind.rawValue)",
        ]
    }

    static func render(_ reply: Reply) -> SendRequest {
        switch reply.conversation.platform {
        case .whatsapp: WhatsAppOutbound.render(reply)
        case .messenger: MessengerOutbound.render(reply)
        case .instagram: InstagramOutbound.render(reply)
        }
    }

    static func note(_ decision: AnswerPolicy.Decision) -> EventNote {
        switch decision {
        case .answer(let reason): EventNote(decision: "answered", reason: reason)
        case .remember(let reason): EventNote(decision: "remembered", reason: reason)
        case .ignore(let reason): EventNote(decision: "ignored", reason: reason)
        }
    }

    /// Text without NUL and other C0 controls (tab and newlines kept): SQLite binds text as C
    /// strings (a NUL would cut the stored memory short) and Meta's Send API refuses them.
    static func clean(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0.value < 0x20 && !["\t", "\n", "\r"].contains($0) }) else { return text }
        var scalars = String.UnicodeScalarView()
        scalars.append(contentsOf: text.unicodeScalars.filter { $0.value >= 0x20 || ["\t", "\n", "\r"].contains($0) })
        return String(scalars)
    }

    static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3 }
        return hash
    }
}
