import BatonCore

/// One of Baton's built-in agents, written in Swift: `floating-ip`, `hostname-alias`, `volume`, `service`, `process`.
public struct SwiftAgent: Agent {
    /// Which built-in agent.
    public var kind: BuiltinAgent
    /// Where pid and log files go by default.
    public var stateDirectory: String

    /// Creates a built-in agent.
    public init(_ kind: BuiltinAgent, stateDirectory: String) {
        self.kind = kind
        self.stateDirectory = stateDirectory
    }

    /// The agent as the configuration names it.
    public var reference: AgentReference { .builtin(kind) }

    /// Performs the action in Swift, running system tools (iproute2, mount) by argument list where it must.
    public func perform(_ request: AgentRequest) async -> AgentResult {
        let clock = ContinuousClock()
        let start = clock.now
        var result = validate(request)
        switch request.action {
        case .metaData:
            result = AgentResult(action: .metaData, code: 0, output: metadataXML)
        case .validateAll:
            break
        default:
            // Parameters that do not fit the agent's table are "not configured" (6), before anything is touched.
            guard result.code == 0 else { break }
            let work = BuiltinWork(request: request, stateDirectory: stateDirectory)
            result =
                switch kind {
                case .process: await ProcessAgent(work).perform()
                case .volume: await VolumeAgent(work).perform()
                case .floatingIP: await FloatingIPAgent(work).perform()
                case .hostnameAlias: await HostnameAliasAgent(work).perform()
                case .service: await ServiceAgent(work).perform()
                }
        }
        result.action = request.action
        result.duration = clock.now - start
        return result
    }

    /// Checks the parameters against the agent's table: required ones present, every value of its kind.
    private func validate(_ request: AgentRequest) -> AgentResult {
        for spec in kind.parameters {
            guard let value = request.parameter(spec.name) else {
                if spec.isRequired {
                    return .failure(request.action, code: 6, "parameter '\(spec.name)' is required: \(spec.summary)")
                }
                continue
            }
            if let error = spec.check(value) {
                return .failure(request.action, code: 6, "parameter '\(spec.name)': \(error.message)")
            }
        }
        if kind == .service, request.parameter("unit") == nil, request.parameter("command") == nil {
            return .failure(request.action, code: 6, "the service agent needs 'unit' or 'command'")
        }
        return AgentResult(action: request.action, code: 0)
    }

    /// The agent's meta-data, in OCF's XML, made from its parameter table.
    public var metadataXML: String {
        var xml = """
            <?xml version="1.0"?>
            <resource-agent name="\(kind.rawValue)" version="1.0">
            <version>1.1</version>
            <shortdesc lang="en">\(kind.summary.xmlEscaped)</shortdesc>
            <parameters>

            """
        for parameter in kind.parameters {
            let type =
                switch parameter.kind {
                case .boolean: "boolean"
                case .port, .integer: "integer"
                default: "string"
                }
            xml += """
                <parameter name="\(parameter.name)" required="\(parameter.isRequired ? 1 : 0)">
                <shortdesc lang="en">\(parameter.summary.xmlEscaped)</shortdesc>
                <content type="\(type)"/>
                </parameter>

                """
        }
        let monitors = kind.monitorDepths.sorted().map {
            "<action name=\"monitor\" timeout=\"20s\" interval=\"10s\" depth=\"\($0)\"/>"
        }
        xml += """
            </parameters>
            <actions>
            <action name="start" timeout="20s"/>
            <action name="stop" timeout="20s"/>
            \(monitors.joined(separator: "\n"))
            <action name="meta-data" timeout="5s"/>
            <action name="validate-all" timeout="5s"/>
            </actions>
            </resource-agent>

            """
        return xml
    }
}

extension BuiltinAgent {
    /// One line about the agent.
    public var summary: String {
        switch self {
        case .floatingIP: "Adds an IPv4 or IPv6 address to an interface and announces it"
        case .hostnameAlias: "Keeps an alias host name pointing at the group's address (hosts file, optionally DNS)"
        case .volume: "Mounts a block device, bind source or tmpfs on a directory"
        case .service: "A systemd unit, or a command with a pid file where no systemd runs"
        case .process: "A long-running command Baton starts in its own session and supervises"
        }
    }
}

extension String {
    /// The text with `&`, `<`, `>` and `"` escaped, for XML and HTML.
    public var xmlEscaped: String {
        var result = ""
        for character in self {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            default: result.append(character)
            }
        }
        return result
    }
}

/// What every built-in agent's action works with: the request, its deadline, and a way to run tools.
struct BuiltinWork: Sendable {
    let request: AgentRequest
    let stateDirectory: String
    let deadline: ContinuousClock.Instant

    init(request: AgentRequest, stateDirectory: String) {
        self.request = request
        self.stateDirectory = stateDirectory
        self.deadline = .now + request.timeout
    }

    /// The parameter's value, or `fallback`.
    func parameter(_ name: String, _ fallback: String) -> String { request.parameter(name) ?? fallback }

    /// A boolean parameter, or `fallback`.
    func flag(_ name: String, _ fallback: Bool) -> Bool { request.parameter(name).map { $0 == "true" } ?? fallback }

    /// A duration parameter (validated as one), or `fallback`.
    func duration(_ name: String, _ fallback: Duration) -> Duration {
        request.parameter(name).flatMap { try? Duration(configText: $0) } ?? fallback
    }

    /// The time left before the action's deadline.
    var remaining: Duration { max(.zero, deadline - .now) }

    /// Runs a system tool by argument list, within what is left of the action's time.
    func tool(_ words: [String], input: String = "") async -> ProcessResult {
        guard let program = ProcessRequest.executable(words[0]) else {
            return ProcessResult(termination: .notStarted("\(words[0]) is not installed"))
        }
        return await ProcessRunner().run(
            ProcessRequest(
                executable: program, arguments: Array(words.dropFirst()), environment: [("LC_ALL", "C")],
                input: Array(input.utf8), timeout: max(.milliseconds(100), remaining), grace: .seconds(1)))
    }

    /// A failure whose reason quotes the tool's own complaint.
    func failure(_ code: Int, _ what: String, _ result: ProcessResult) -> AgentResult {
        let said = result.errorText.lastLine ?? result.outputText.lastLine
        let detail: String
        switch result.termination {
        case .notStarted(let words): detail = words
        case _ where result.timedOut: detail = "timed out"
        default: detail = said ?? "failed"
        }
        return .failure(request.action, code: code, "\(what): \(detail)")
    }

    /// The kind of action, as the agents branch on it.
    var verb: Verb {
        switch request.action {
        case .start: .start
        case .stop: .stop
        case .monitor(let interval, let depth): .monitor(probe: interval == .zero, depth: depth)
        default: .start
        }
    }

    enum Verb {
        case start, stop
        case monitor(probe: Bool, depth: Int)
    }
}

extension ProcessResult {
    /// Whether the program exited 0 in time.
    var succeeded: Bool { termination == .exited(0) && !timedOut }
}
