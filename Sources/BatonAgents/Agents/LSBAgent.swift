import BatonCore

#if canImport(Glibc)
    import Glibc
#endif

/// An init script in `/etc/init.d` (`lsb:NAME`): `start`, `stop`, and `status` for monitors.
///
/// LSB scripts take no parameters. Their codes map as Pacemaker maps them: for start and stop 0 to 7 pass through;
/// for status 0 is running, 1, 2 and 3 are stopped, 150 is "not installed" and 151 "insufficient privileges".
public struct LSBAgent: Agent {
    /// The agent as the configuration names it.
    public var reference: AgentReference
    /// The script's path.
    public var path: String
    /// How long after SIGTERM a timed-out action's process group gets SIGKILL.
    public var grace: Duration

    /// Creates an agent for the script at `path`.
    public init(name: String, path: String, grace: Duration = .seconds(5)) {
        self.reference = .lsb(name)
        self.path = path
        self.grace = grace
    }

    /// Runs the script with `start`, `stop` or `status`; meta-data and validate-all are Baton's own.
    public func perform(_ request: AgentRequest) async -> AgentResult {
        switch request.action {
        case .metaData:
            return AgentResult(action: .metaData, code: 0, output: Self.metadata(for: reference.description))
        case .validateAll:
            let installed = access(path, X_OK) == 0
            return AgentResult(
                action: request.action, code: installed ? 0 : 5,
                exitReason: installed ? nil : "init script \(path) is missing or not executable")
        default:
            break
        }
        guard access(path, X_OK) == 0 else {
            return .failure(request.action, code: 5, "init script \(path) is missing or not executable")
        }
        let verb = request.action.name == "monitor" ? "status" : request.action.name
        let process = ProcessRequest(
            executable: path, arguments: [verb], environment: [("LC_ALL", "C")], timeout: request.timeout,
            grace: grace)
        return AgentResult(request.action, from: await ProcessRunner().run(process), mapping: Self.lsbCode)
    }

    /// Pacemaker's `services__lsb2ocf`.
    static func lsbCode(_ status: Int, _ action: AgentAction) -> Int {
        guard case .monitor = action else { return (0...7).contains(status) ? status : 1 }
        switch status {
        case 0: return 0
        case 1, 2, 3: return 7
        case 150: return 5
        case 151: return 4
        default: return 1
        }
    }

    /// Meta-data for a class whose members have none of their own: no parameters, the usual actions.
    static func metadata(for name: String, timeout: String = "20s") -> String {
        """
        <?xml version="1.0"?>
        <resource-agent name="\(name)">
        <version>1.1</version>
        <shortdesc lang="en">\(name), started and stopped by Baton</shortdesc>
        <parameters/>
        <actions>
        <action name="start" timeout="\(timeout)"/>
        <action name="stop" timeout="\(timeout)"/>
        <action name="monitor" timeout="\(timeout)" interval="60s"/>
        <action name="meta-data" timeout="5s"/>
        </actions>
        </resource-agent>

        """
    }
}
