import ArgumentParser
import Assistant
import ChorusCore
import Foundation
import Queue
import Simulator

/// `chorus simulate chat`: talk to the bot as one or several people, on any platform.
struct SimulateChatCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chat",
        abstract: "Chat with the bot as Meta's users would, in a 1:1 chat or a WhatsApp group.",
        discussion: """
            Type to speak (arrow keys edit and recall earlier lines). Commands: /as NAME (speak as someone else), /reply N TEXT (quote message #N), \
            /react N EMOJI, /image PATH [CAPTION], /button TITLE [PAYLOAD], /who, /quit. \
            Replies show what they quote and the language gate's decision.
            """)

    @OptionGroup var options: SimulationOptions

    @Option(help: "messenger, instagram or whatsapp.")
    var platform: Platform = .whatsapp

    @Option(help: "Chat in a WhatsApp group with this id (e.g. 120363025246125486@g.us).")
    var group: String?

    @Option(name: .customLong("member"), help: "A person in the chat (repeatable; the first speaks first).")
    var members: [String] = ["Ana"]

    func validate() throws {
        if group != nil, platform != .whatsapp { throw ValidationError("groups exist on WhatsApp only: use --platform whatsapp") }
        if members.isEmpty { throw ValidationError("name at least one --member") }
    }

    func run() async throws {
        if let port = options.serverPort {
            guard let graphPort = options.graphPort else { throw ValidationError("--server-port needs --graph-port (the server's --graph-url port)") }
            let attached = try await SimulatedDeployment.attach(serverPort: port, graphPort: graphPort, database: options.database, platform: platform)
            do {
                try await converse(Side(simulator: attached.simulator, store: attached.store))
            } catch {
                await attached.simulator.stopGraph()
                throw error
            }
            await attached.simulator.stopGraph()
            return
        }
        let deployment = try await SimulatedDeployment.start(model: try options.resolvedModel(), serveArguments: try options.serveArguments())
        try await deployment.whileRunning { try await converse(Side(simulator: deployment.simulator, store: deployment.store)) }
    }

    /// The simulator and, when known, the server's database (for the gate's decisions).
    struct Side: Sendable {
        let simulator: MetaSimulator
        let store: (any QueueBackend)?
    }

    private func converse(_ deployment: Side) async throws {
        var people: [String: MetaSimulator.Person] = [:]
        for (index, name) in members.enumerated() {
            people[name] = .init(id: WebhookFactory.userID(platform: platform, index: 100 + index), name: name)
        }
        var speaker = members[0]
        let transcript = Transcript()
        print("Chatting on \(platform.rawValue)\(group.map { " in group \($0)" } ?? "") as \(members.joined(separator: ", ")). /quit to leave.")
        let watcher = Task { await watch(deployment, transcript: transcript) }
        defer { watcher.cancel() }
        let editor = LineEditor()
        while true {
            guard let line = editor.readLine(prompt: "[\(speaker)] > ") else { break }
            let words = line.split(separator: " ", maxSplits: 2).map(String.init)
            guard let first = words.first else { continue }
            let person = people[speaker]!
            do {
                switch first {
                case "/quit", "/exit":
                    return
                case "/who":
                    print("people: " + people.values.map { "\($0.name) (\($0.id))" }.joined(separator: ", "))
                case "/as":
                    guard words.count >= 2 else { print("usage: /as NAME"); continue }
                    let name = words.dropFirst().joined(separator: " ")
                    if people[name] == nil {
                        people[name] = .init(id: WebhookFactory.userID(platform: platform, index: 100 + people.count), name: name)
                    }
                    speaker = name
                case "/reply":
                    guard words.count == 3, let n = Int(words[1]), let target = await transcript.id(n) else {
                        print("usage: /reply N TEXT (N from the transcript)"); continue
                    }
                    let sent = try await deployment.simulator.say(words[2], from: person, on: platform, group: group, replyTo: target)
                    await transcript.add(sent.messageID, "\(speaker) (replying to #\(n)): \(words[2])")
                case "/react":
                    guard words.count == 3, let n = Int(words[1]), let target = await transcript.id(n) else {
                        print("usage: /react N EMOJI"); continue
                    }
                    _ = try await deployment.simulator.send(.reaction(to: target, emoji: words[2]), from: person, on: platform, group: group)
                    print("  (\(speaker) reacted \(words[2]) to #\(n))")
                case "/image":
                    guard words.count >= 2, let data = FileManager.default.contents(atPath: words[1]) else {
                        print("usage: /image PATH [CAPTION] (a readable JPEG or PNG)"); continue
                    }
                    let mime = words[1].lowercased().hasSuffix(".png") ? "image/png" : "image/jpeg"
                    let content = await deployment.simulator.picture(data, mimeType: mime, caption: words.count == 3 ? words[2] : nil, platform: platform)
                    let sent = try await deployment.simulator.send(content, from: person, on: platform, group: group)
                    await transcript.add(sent.messageID, "\(speaker): [image \(words[1])] \(words.count == 3 ? words[2] : "")")
                case "/button":
                    guard words.count >= 2 else { print("usage: /button TITLE [PAYLOAD]"); continue }
                    let payload = words.count == 3 ? words[2] : words[1].uppercased()
                    let sent = try await deployment.simulator.send(.button(title: words[1], payload: payload), from: person, on: platform, group: group)
                    await transcript.add(sent.messageID, "\(speaker): [pressed \(words[1])]")
                default:
                    if first.hasPrefix("/") { print("unknown command \(first); see chorus simulate chat --help"); continue }
                    let sent = try await deployment.simulator.say(line, from: person, on: platform, group: group)
                    await transcript.add(sent.messageID, "\(speaker): \(line)")
                }
            } catch {
                print("  ✘ \(error)")
            }
        }
    }

    /// Prints the bot's replies as they reach the fake Graph API.
    private func watch(_ deployment: Side, transcript: Transcript) async {
        var shown = 0
        while !Task.isCancelled {
            let texts = await deployment.simulator.ledger.deliveredTexts
            for reply in texts.dropFirst(shown) {
                var line = "Chorus"
                if let quoted = reply.messageID, let n = await transcript.number(of: quoted) { line += " (quoting #\(n))" }
                if let question = await transcript.lastPersonMessage(),
                   let note = try? await deployment.store?.note(messageID: question), let gate = EventNote.parse(note)?.gate {
                    line += " [\(gate.language) gate \(gate.open ? "open" : "closed")]"
                }
                let n = await transcript.add(reply.sentID ?? "", "\(line): \(reply.text ?? "")", echo: false)
                print("\r#\(n) \(line): \(reply.text ?? "")")
            }
            shown = texts.count
            try? await Task.sleep(for: .milliseconds(100))
        }
    }
}

/// The numbered messages of a chat session, for /reply and /react.
actor Transcript {
    private var ids: [String] = []
    private var lastPerson: String?

    @discardableResult
    func add(_ id: String, _ line: String, echo: Bool = true) -> Int {
        ids.append(id)
        if echo {
            lastPerson = id
            print("#\(ids.count) \(line)")
        }
        return ids.count
    }

    func id(_ number: Int) -> String? { ids.indices.contains(number - 1) ? ids[number - 1] : nil }
    func number(of id: String) -> Int? { ids.firstIndex(of: id).map { $0 + 1 } }
    func lastPersonMessage() -> String? { lastPerson }
}
