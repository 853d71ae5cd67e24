import ChorusCore
import Foundation

/// A scripted conversation and what must happen in it, read from a JSON file
/// (`chorus simulate run FILE`). People speak; expectations check the bot's replies.
///
/// ```json
/// {"name": "group", "platform": "whatsapp", "group": "120363025246125486@g.us",
///  "people": [{"name": "Ana"}, {"name": "Ben"}],
///  "steps": [{"say": "Chorus, hi!", "from": "Ben", "label": "q"},
///            {"expect": {"replies": 1, "quotes": "q", "matches": ".+"}}]}
/// ```
public struct Scenario: Codable, Sendable {
    /// Someone in the chat.
    public struct Person: Codable, Sendable {
        /// Display name, also how steps refer to them.
        public var name: String
        /// Platform id (generated in the platform's shape when absent).
        public var id: String?

        /// Creates a person.
        public init(name: String, id: String? = nil) {
            self.name = name
            self.id = id
        }
    }

    /// One step: an action (say, react, postback) or an expectation.
    public struct Step: Codable, Sendable {
        /// Text to send.
        public var say: String?
        /// Who acts (a person's name; the first person when absent).
        public var from: String?
        /// A name for the message sent, for `reply_to`, `react_to` and `quotes`.
        public var label: String?
        /// Quote-reply to a labelled message, or `bot` for the bot's last reply.
        public var replyTo: String?
        /// Deliver the same webhook this many times (Meta's duplicate deliveries).
        public var deliveries: Int?
        /// Wait before acting, in seconds.
        public var wait: Double?
        /// Build the message now but deliver it at the next `release` step.
        public var hold: Bool?
        /// Deliver every held message: in reverse order (out of order), or all in one body when
        /// `batched` is true.
        public var release: Bool?
        /// With `release`: one webhook body carrying all held messages.
        public var batched: Bool?
        /// What must have happened since the last expectation.
        public var expect: Expectation?

        enum CodingKeys: String, CodingKey {
            case say, from, label, deliveries, wait, expect, hold, release, batched
            case replyTo = "reply_to"
        }

        /// Creates a step.
        public init(say: String? = nil, from: String? = nil, label: String? = nil, replyTo: String? = nil,
                    deliveries: Int? = nil, wait: Double? = nil, expect: Expectation? = nil,
                    hold: Bool? = nil, release: Bool? = nil, batched: Bool? = nil) {
            self.hold = hold
            self.release = release
            self.batched = batched
            self.say = say
            self.from = from
            self.label = label
            self.replyTo = replyTo
            self.deliveries = deliveries
            self.wait = wait
            self.expect = expect
        }
    }

    /// What the bot must have done since the previous expectation.
    public struct Expectation: Codable, Sendable {
        /// Exactly this many new replies (0: none).
        public var replies: Int?
        /// The first new reply quotes this labelled message.
        public var quotes: String?
        /// The first new reply addresses this person by name.
        public var addresses: String?
        /// Every new reply matches this regular expression.
        public var matches: String?
        /// The last answered message's language gate was `open` or `closed`.
        public var gate: String?
        /// The last answered message's conversation language (ISO 639-1).
        public var language: String?
        /// Seconds to wait for the replies (default 60).
        public var within: Double?

        /// Creates an expectation.
        public init(replies: Int? = nil, quotes: String? = nil, addresses: String? = nil, matches: String? = nil,
                    gate: String? = nil, language: String? = nil, within: Double? = nil) {
            self.replies = replies
            self.quotes = quotes
            self.addresses = addresses
            self.matches = matches
            self.gate = gate
            self.language = language
            self.within = within
        }
    }

    /// The scenario's name.
    public var name: String
    /// The platform played.
    public var platform: Platform
    /// The people (a direct chat uses the first).
    public var people: [Person]
    /// A WhatsApp group id, for a group chat.
    public var group: String?
    /// The steps, in order.
    public var steps: [Step]

    /// Creates a scenario.
    public init(name: String, platform: Platform, people: [Person], group: String? = nil, steps: [Step]) {
        self.name = name
        self.platform = platform
        self.people = people
        self.group = group
        self.steps = steps
    }

    /// Reads a scenario file, with errors that say what to fix.
    public static func load(path: String) throws -> Scenario {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ScenarioError("cannot read scenario file \(path)")
        }
        let scenario: Scenario
        do {
            scenario = try JSONDecoder().decode(Scenario.self, from: data)
        } catch let DecodingError.dataCorrupted(context) where !context.codingPath.isEmpty {
            let field = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw ScenarioError("\(path): bad value for '\(field)': \(context.debugDescription) (platform is messenger, instagram or whatsapp)")
        } catch let DecodingError.dataCorrupted(context) {
            throw ScenarioError("\(path): not valid JSON: \(context.debugDescription)")
        } catch let DecodingError.keyNotFound(key, context) {
            throw ScenarioError("\(path): missing '\(key.stringValue)' at \(context.codingPath.map(\.stringValue).joined(separator: "."))")
        } catch let DecodingError.typeMismatch(_, context) {
            throw ScenarioError("\(path): wrong type at \(context.codingPath.map(\.stringValue).joined(separator: ".")): \(context.debugDescription)")
        } catch {
            throw ScenarioError("\(path): \(error)")
        }
        try scenario.validate()
        return scenario
    }

    /// Checks references between steps and people.
    public func validate() throws {
        guard !people.isEmpty else { throw ScenarioError("\(name): 'people' needs at least one person") }
        if group != nil, platform != .whatsapp { throw ScenarioError("\(name): groups exist on WhatsApp only") }
        var labels: Set<String> = []
        for (index, step) in steps.enumerated() {
            let actions = [step.say != nil, step.expect != nil, step.release == true].filter { $0 }.count
            guard actions == 1 else { throw ScenarioError("\(name): step \(index + 1) needs exactly one of 'say', 'expect' or 'release'") }
            if let from = step.from, !people.contains(where: { $0.name == from }) {
                throw ScenarioError("\(name): step \(index + 1): nobody called '\(from)' in 'people'")
            }
            if let reply = step.replyTo, reply != "bot", !labels.contains(reply) {
                throw ScenarioError("\(name): step \(index + 1): reply_to '\(reply)' is not an earlier label (or 'bot')")
            }
            if let quotes = step.expect?.quotes, !labels.contains(quotes) {
                throw ScenarioError("\(name): step \(index + 1): quotes '\(quotes)' is not an earlier label")
            }
            if let pattern = step.expect?.matches, (try? NSRegularExpression(pattern: pattern)) == nil {
                throw ScenarioError("\(name): step \(index + 1): matches '\(pattern)' is not a valid regular expression")
            }
            if let gate = step.expect?.gate, !["open", "closed"].contains(gate) {
                throw ScenarioError("\(name): step \(index + 1): gate must be 'open' or 'closed'")
            }
            if let label = step.label { labels.insert(label) }
        }
    }
}

/// A scenario that cannot be read or did not hold.
public struct ScenarioError: Error, CustomStringConvertible {
    /// What is wrong.
    public let description: String
    /// Creates an error.
    public init(_ description: String) { self.description = description }
}
