import BatonCore

#if canImport(Glibc)
    import Glibc
#endif

/// An agent program that speaks the OCF resource-agent protocol: `ocf:PROVIDER:TYPE`, or a script path.
///
/// The action is the program's only argument; parameters travel as `OCF_RESKEY_<name>` in an environment built from
/// nothing, so a value reaches the agent byte for byte and no shell ever reads it.
public struct OCFAgent: Agent {
    /// The prefix of exit-reason lines on standard error.
    public static let exitReasonPrefix = "ocf-exit-reason:"

    /// The agent as the configuration names it.
    public var reference: AgentReference
    /// The program's absolute path.
    public var path: String
    /// `OCF_RESOURCE_PROVIDER`.
    public var provider: String
    /// `OCF_RESOURCE_TYPE`.
    public var type: String
    /// `OCF_ROOT`: where the shell library lives.
    public var ocfRoot: String
    /// `HA_RSCTMP`, where shell agents keep their state; `nil` leaves the library's default.
    public var stateDirectory: String?
    /// How long after SIGTERM a timed-out action's process group gets SIGKILL.
    public var grace: Duration

    /// Creates an agent.
    public init(
        reference: AgentReference, path: String, provider: String, type: String, ocfRoot: String,
        stateDirectory: String? = nil, grace: Duration = .seconds(5)
    ) {
        self.reference = reference
        self.path = path
        self.provider = provider
        self.type = type
        self.ocfRoot = ocfRoot
        self.stateDirectory = stateDirectory
        self.grace = grace
    }

    /// Runs the agent program with the action as its only argument.
    public func perform(_ request: AgentRequest) async -> AgentResult {
        guard access(path, X_OK) == 0 else {
            let problem = access(path, F_OK) == 0 ? "is not executable" : "does not exist"
            return .failure(request.action, code: 5, "agent \(path) \(problem)")
        }
        // Shell agents keep pid and state files in HA_RSCTMP and expect it to exist.
        if let stateDirectory { _ = FileText.makeDirectory(stateDirectory) }
        let process = ProcessRequest(
            executable: path, arguments: [request.action.name], environment: environment(for: request),
            timeout: request.timeout, grace: grace, outputLimit: request.action == .metaData ? 1 << 20 : 16 << 10,
            reasonPrefix: Self.exitReasonPrefix)
        return AgentResult(request.action, from: await ProcessRunner().run(process), mapping: Self.ocfCode)
    }

    /// The OCF environment of one action (OCF resource-agent API 1.1, and what Pacemaker sets besides).
    func environment(for request: AgentRequest) -> [(String, String)] {
        var environment = [
            ("OCF_ROOT", ocfRoot),
            ("OCF_RA_VERSION_MAJOR", "1"),
            ("OCF_RA_VERSION_MINOR", "1"),
            ("OCF_RESOURCE_INSTANCE", request.instance),
            ("OCF_RESOURCE_TYPE", type),
            ("OCF_RESOURCE_PROVIDER", provider),
            ("OCF_EXIT_REASON_PREFIX", Self.exitReasonPrefix),
            ("OCF_RESKEY_CRM_meta_name", request.action.name),
            ("OCF_RESKEY_CRM_meta_timeout", String(request.timeout.wholeMilliseconds)),
        ]
        switch request.action {
        case .monitor(let interval, let depth):
            environment.append(("OCF_RESKEY_CRM_meta_interval", String(interval.wholeMilliseconds)))
            environment.append(("OCF_CHECK_LEVEL", String(depth)))
        case .validateAll(let depth):
            environment.append(("OCF_RESKEY_CRM_meta_interval", "0"))
            environment.append(("OCF_CHECK_LEVEL", String(depth)))
        default:
            environment.append(("OCF_RESKEY_CRM_meta_interval", "0"))
        }
        if let node = request.node { environment.append(("OCF_RESKEY_CRM_meta_on_node", node)) }
        if let stateDirectory { environment.append(("HA_RSCTMP", stateDirectory)) }
        environment += request.parameters.map { ("OCF_RESKEY_\($0.name)", $0.value) }
        return environment
    }

    /// OCF's codes pass through; any other status is a generic error, as Pacemaker maps it.
    static func ocfCode(_ status: Int, _ action: AgentAction) -> Int {
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 190, 191].contains(status) ? status : 1
    }
}

extension AgentResult {
    /// A result from a finished program, its status mapped to an OCF code by the agent's class.
    init(_ action: AgentAction, from process: ProcessResult, mapping: (Int, AgentAction) -> Int) {
        var status: Int?
        var code = 1
        var reason = process.exitReason
        switch process.termination {
        case .exited(let value) where !process.timedOut:
            status = Int(value)
            code = mapping(Int(value), action)
        case .exited, .signalled:
            if process.timedOut {
                reason = reason ?? "no answer in time: the process group was killed"
            } else if case .signalled(let signal) = process.termination {
                reason = reason ?? "killed by signal \(signal)"
            }
        case .notStarted(let words):
            code = 5
            reason = words
        }
        self.init(
            action: action, exitStatus: status, code: code, timedOut: process.timedOut, exitReason: reason,
            output: process.outputText, errorOutput: process.errorText, duration: process.duration)
    }
}
