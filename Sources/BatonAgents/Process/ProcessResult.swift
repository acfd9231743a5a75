/// How a program ended, and what it said.
public struct ProcessResult: Sendable, Hashable {
    /// How the program ended.
    public enum Termination: Sendable, Hashable {
        /// It exited with this status.
        case exited(Int32)
        /// A signal ended it.
        case signalled(Int32)
        /// It could not be started; the words say why.
        case notStarted(String)
    }

    /// How the program ended.
    public var termination: Termination
    /// The timeout passed and the process group was signalled; the program's status then says nothing.
    public var timedOut: Bool
    /// The last bytes of standard output, up to the request's limit.
    public var standardOutput: [UInt8]
    /// The last bytes of standard error, up to the request's limit.
    public var standardError: [UInt8]
    /// The last exit-reason line of standard error, without its prefix.
    public var exitReason: String?
    /// From start to the end of the program.
    public var duration: Duration

    /// Creates a result.
    public init(
        termination: Termination, timedOut: Bool = false, standardOutput: [UInt8] = [], standardError: [UInt8] = [],
        exitReason: String? = nil, duration: Duration = .zero
    ) {
        self.termination = termination
        self.timedOut = timedOut
        self.standardOutput = standardOutput
        self.standardError = standardError
        self.exitReason = exitReason
        self.duration = duration
    }

    /// Standard output as text; bytes that are not UTF-8 become U+FFFD.
    public var outputText: String { String(decoding: standardOutput, as: UTF8.self) }
    /// Standard error as text; bytes that are not UTF-8 become U+FFFD.
    public var errorText: String { String(decoding: standardError, as: UTF8.self) }
}
