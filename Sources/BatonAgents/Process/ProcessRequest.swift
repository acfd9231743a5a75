#if canImport(Glibc)
    import Glibc
#endif

/// One program to run: what, with which environment, and for how long.
public struct ProcessRequest: Sendable {
    /// The search path every program gets; nothing else is inherited from Baton's own environment.
    public static let standardPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

    /// The program's path as agents find it: as written when it has a '/', else the first match in
    /// ``standardPath``; `nil` when there is no such executable file on this machine.
    public static func executable(_ program: String) -> String? {
        if program.contains("/") { return access(program, X_OK) == 0 ? program : nil }
        return standardPath.split(separator: ":").map { "\($0)/\(program)" }.first { access($0, X_OK) == 0 }
    }

    /// The program's absolute path.
    public var executable: String
    /// Its arguments, each passed as one argument: no shell ever sees them.
    public var arguments: [String]
    /// The whole environment, in the order given; `PATH` is added when absent.
    public var environment: [(String, String)]
    /// The working directory.
    public var workingDirectory: String
    /// What the program reads on standard input; empty: nothing (`/dev/null`).
    public var input: [UInt8]
    /// How long the program may run before its process group gets SIGTERM.
    public var timeout: Duration
    /// How long after SIGTERM the process group gets SIGKILL.
    public var grace: Duration
    /// How many bytes of each of standard output and standard error are kept (the last ones).
    public var outputLimit: Int
    /// A standard-error line starting with this is an exit reason (OCF's `ocf-exit-reason:`).
    public var reasonPrefix: String?

    /// Creates a request.
    public init(
        executable: String, arguments: [String] = [], environment: [(String, String)] = [],
        workingDirectory: String = "/", input: [UInt8] = [], timeout: Duration, grace: Duration = .seconds(5),
        outputLimit: Int = 16 * 1024, reasonPrefix: String? = nil
    ) {
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.input = input
        self.timeout = timeout
        self.grace = grace
        self.outputLimit = outputLimit
        self.reasonPrefix = reasonPrefix
    }

    /// The environment with `PATH` added when the request does not set it.
    var completeEnvironment: [(String, String)] {
        environment.contains { $0.0 == "PATH" } ? environment : environment + [("PATH", Self.standardPath)]
    }
}
