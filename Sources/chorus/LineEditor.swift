import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A small line editor for `chorus simulate chat` and `chorus chat` on a terminal: cursor
/// movement (←/→, Home/End, Ctrl-A/E), deletion (Backspace, Delete, Ctrl-U), and history (↑/↓).
/// On a pipe it reads plain lines, so scripts can drive the chat. Ctrl-C while editing ends input
/// like Ctrl-D (the terminal is restored, no signal is raised).
final class LineEditor {
    private var history: [String] = []
    /// Whether standard input is a terminal (else plain lines are read).
    let interactive = isatty(STDIN_FILENO) == 1

    /// Reads one line after showing `prompt`; nil at end of input (Ctrl-D on an empty line).
    func readLine(prompt: String) -> String? {
        guard interactive else {
            FileHandle.standardOutput.write(Data(prompt.utf8))
            return Swift.readLine()
        }
        var original = termios()
        tcgetattr(STDIN_FILENO, &original)
        var raw = original
        raw.c_lflag &= ~tcflag_t(ECHO | ICANON | ISIG)
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw)
        defer { tcsetattr(STDIN_FILENO, TCSAFLUSH, &original) }

        var line: [Character] = []
        var cursor = 0
        var recall = history.count
        func redraw() {
            let text = String(line)
            let back = line.count - cursor
            write("\r\u{1B}[2K" + prompt + text + (back > 0 ? "\u{1B}[\(back)D" : ""))
        }
        redraw()
        while true {
            guard let byte = readByte() else { return line.isEmpty ? nil : String(line) }
            switch byte {
            case 0x0A, 0x0D:
                write("\n")
                let text = String(line)
                if !text.isEmpty, history.last != text { history.append(text) }
                return text
            case 0x04:
                if line.isEmpty { write("\n"); return nil }
            case 0x03:
                write("^C\n")
                return nil
            case 0x7F, 0x08:
                if cursor > 0 { line.remove(at: cursor - 1); cursor -= 1 }
            case 0x01: cursor = 0
            case 0x05: cursor = line.count
            case 0x15: line.removeFirst(cursor); cursor = 0
            case 0x1B:
                guard readByte() == UInt8(ascii: "["), let code = readByte() else { break }
                switch code {
                case UInt8(ascii: "A"):
                    if recall > 0 { recall -= 1; line = Array(history[recall]); cursor = line.count }
                case UInt8(ascii: "B"):
                    if recall < history.count { recall += 1 }
                    line = recall < history.count ? Array(history[recall]) : []
                    cursor = line.count
                case UInt8(ascii: "C"): cursor = min(line.count, cursor + 1)
                case UInt8(ascii: "D"): cursor = max(0, cursor - 1)
                case UInt8(ascii: "H"): cursor = 0
                case UInt8(ascii: "F"): cursor = line.count
                case UInt8(ascii: "3"):
                    if readByte() == UInt8(ascii: "~"), cursor < line.count { line.remove(at: cursor) }
                default: break
                }
            default:
                guard byte >= 0x20 else { break }
                // Gather a whole UTF-8 sequence before inserting it.
                var bytes = [byte]
                let extra = byte >= 0xF0 ? 3 : byte >= 0xE0 ? 2 : byte >= 0xC0 ? 1 : 0
                for _ in 0..<extra { if let next = readByte() { bytes.append(next) } }
                for character in String(decoding: bytes, as: UTF8.self) {
                    line.insert(character, at: cursor)
                    cursor += 1
                }
            }
            redraw()
        }
    }

    private func readByte() -> UInt8? {
        var byte: UInt8 = 0
        return read(STDIN_FILENO, &byte, 1) == 1 ? byte : nil
    }

    private func write(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }
}
