import Foundation

/// Where a queue lives, parsed from `--database` / `CHORUS_DATABASE`: a SQLite file (a path, or
/// `sqlite:PATH`) or a PostgreSQL server (`postgres://` or `postgresql://` URL).
public enum QueueLocation: Sendable, Hashable, CustomStringConvertible {
    /// A SQLite database file.
    case sqlite(path: String)
    /// A PostgreSQL URL, password included (see `description` for the masked form).
    case postgres(url: String)

    /// Parses `text`; an empty string or an unknown URL scheme is an error.
    public init(_ text: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { throw QueueLocationError("empty --database: pass a file path or a postgres:// URL") }
        let lower = trimmed.lowercased()
        if lower.hasPrefix("postgres://") || lower.hasPrefix("postgresql://") {
            self = .postgres(url: trimmed)
        } else if lower.hasPrefix("sqlite://") {
            self = .sqlite(path: String(trimmed.dropFirst("sqlite://".count)))
        } else if lower.hasPrefix("sqlite:") {
            self = .sqlite(path: String(trimmed.dropFirst("sqlite:".count)))
        } else if let scheme = Self.scheme(of: trimmed) {
            throw QueueLocationError("unsupported database URL scheme \(scheme)://: use a file path, sqlite:PATH or postgres://USER:PASSWORD@HOST:PORT/DB")
        } else {
            self = .sqlite(path: trimmed)
        }
        if case .sqlite(let path) = self, path.isEmpty { throw QueueLocationError("sqlite: needs a file path") }
    }

    /// The location as logs and errors show it: a URL's password replaced by `***`.
    public var description: String {
        switch self {
        case .sqlite(let path): path
        case .postgres(let url): Self.masked(url)
        }
    }

    /// `url` with the password of its user-info part replaced by `***` (the rest untouched).
    public static func masked(_ url: String) -> String {
        guard let schemeEnd = url.range(of: "://") else { return url }
        let rest = url[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        // The last '@' ends the user info (a password may itself hold '@' when not percent-encoded).
        guard let at = authority.lastIndex(of: "@") else { return url }
        let userInfo = authority[..<at]
        guard let colon = userInfo.firstIndex(of: ":") else { return url }
        return String(url[..<colon]) + ":***" + String(url[at...])
    }

    /// `text`'s `scheme` when it starts like a URL (`letters://`), else nil.
    private static func scheme(of text: String) -> String? {
        guard let range = text.range(of: "://") else { return nil }
        let scheme = text[..<range.lowerBound]
        guard let first = scheme.first, first.isLetter,
              scheme.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "+" || $0 == "-" || $0 == "." }) else { return nil }
        return String(scheme)
    }
}

/// A `--database` value that names no queue we can open.
public struct QueueLocationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong, and what to pass instead.
    public let description: String

    /// Creates an error.
    public init(_ description: String) { self.description = description }
}
