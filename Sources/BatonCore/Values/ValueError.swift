/// Why a configuration value did not parse, with what to write instead.
public struct ValueError: Error, Hashable, Sendable {
    /// The kind of finding.
    public var code: DiagnosticCode
    /// What is wrong.
    public var message: String
    /// What to do.
    public var hint: String

    /// Creates a value error.
    public init(_ code: DiagnosticCode, _ message: String, hint: String) {
        self.code = code
        self.message = message
        self.hint = hint
    }
}
