/// One finding about a configuration: where it is, how bad it is, and what to do about it.
public struct Diagnostic: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// How serious a finding is.
    public enum Severity: String, Hashable, Comparable, Sendable, Codable {
        /// The configuration cannot be used.
        case error
        /// The configuration works, but probably not as intended.
        case warning

        /// Errors sort before warnings at the same position.
        public static func < (lhs: Severity, rhs: Severity) -> Bool {
            lhs == .error && rhs == .warning
        }
    }

    /// Where the finding is.
    public var location: SourceLocation
    /// Error or warning.
    public var severity: Severity
    /// A stable identifier of the kind of finding, for scripts.
    public var code: DiagnosticCode
    /// What is wrong, in one line.
    public var message: String
    /// What to do, in one line.
    public var hint: String

    /// Creates a diagnostic.
    public init(
        _ severity: Severity, _ code: DiagnosticCode, at location: SourceLocation, _ message: String, hint: String
    ) {
        self.severity = severity
        self.code = code
        self.location = location
        self.message = message
        self.hint = hint
    }

    /// Creates a diagnostic from a value that failed to parse.
    public init(_ error: ValueError, at location: SourceLocation) {
        self.init(.error, error.code, at: location, error.message, hint: error.hint)
    }

    /// The compiler-style line: `cluster.yaml:12:7: error: message; hint`.
    public var description: String { "\(location): \(severity.rawValue): \(message); \(hint)" }

    /// Orders by position, then severity, then text, so output is the same on every run.
    public static func < (lhs: Diagnostic, rhs: Diagnostic) -> Bool {
        if lhs.location != rhs.location { return lhs.location < rhs.location }
        if lhs.severity != rhs.severity { return lhs.severity < rhs.severity }
        return (lhs.message, lhs.hint) < (rhs.message, rhs.hint)
    }
}

extension Diagnostic: Codable {
    private enum CodingKeys: String, CodingKey {
        case file, line, column, severity, code, message, hint
    }

    /// Decodes the flat JSON form documented in baton(8).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            try container.decode(Severity.self, forKey: .severity),
            try container.decode(DiagnosticCode.self, forKey: .code),
            at: SourceLocation(
                file: try container.decode(String.self, forKey: .file),
                line: try container.decode(Int.self, forKey: .line),
                column: try container.decode(Int.self, forKey: .column)
            ),
            try container.decode(String.self, forKey: .message),
            hint: try container.decode(String.self, forKey: .hint)
        )
    }

    /// Encodes the flat JSON form documented in baton(8).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(location.file, forKey: .file)
        try container.encode(location.line, forKey: .line)
        try container.encode(location.column, forKey: .column)
        try container.encode(severity, forKey: .severity)
        try container.encode(code, forKey: .code)
        try container.encode(message, forKey: .message)
        try container.encode(hint, forKey: .hint)
    }
}

extension Array where Element == Diagnostic {
    /// Whether any diagnostic is an error.
    public var containsErrors: Bool { contains { $0.severity == .error } }
}
