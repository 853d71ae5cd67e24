import ArgumentParser
import Foundation
import LanguageID

/// `chorus lang`: the language identifier from the command line.
struct LangCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lang",
        abstract: "Language identification for short chat text.",
        subcommands: [Detect.self, Languages.self])

    /// `chorus lang detect`: one text per line on stdin, one ISO 639-1 code (or "und") per line on stdout.
    struct Detect: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Read one text per line on stdin; print one ISO 639-1 code (or und) per line.")

        @Flag(name: .long, help: "Print one JSON object per line: language, confidence, script.")
        var json = false

        @Option(name: .customLong("ignore"),
                help: ArgumentHelp("A name to remove before scoring (repeatable), such as the bot's own.", valueName: "name"))
        var ignore: [String] = []

        func run() async throws {
            let identifier = LanguageIdentifier.shared
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            var out = ""
            out.reserveCapacity(1 << 16)
            while let line = readLine(strippingNewline: true) {
                let guess = identifier.identify(line, ignoring: ignore)
                if json {
                    out += String(decoding: try encoder.encode(guess), as: UTF8.self)
                } else {
                    out += guess.language
                }
                out += "\n"
                if out.utf8.count >= 1 << 16 {
                    FileHandle.standardOutput.write(Data(out.utf8))
                    out.removeAll(keepingCapacity: true)
                }
            }
            FileHandle.standardOutput.write(Data(out.utf8))
        }
    }

    /// `chorus lang languages`: the supported ISO 639-1 codes, one per line.
    struct Languages: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the supported ISO 639-1 codes.")

        func run() async throws {
            print(LanguageIdentifier.shared.supportedLanguages.joined(separator: "\n"))
        }
    }
}
