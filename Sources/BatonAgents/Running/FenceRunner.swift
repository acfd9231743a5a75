import BatonCore

/// Fences nodes with fence agents, as Debian's fence-agents speak: options as `name=value` lines on standard input
/// (`action`, `nodename`, the device's parameters, and `plug` when the agent takes one and the device does not say),
/// exit status 0 for success.
///
/// A level succeeds when each of its devices does, one after another; the levels are tried in order until one
/// succeeds. A device that fails or runs out of time is tried again, `retries` times.
public struct FenceRunner: Sendable {
    /// The devices.
    public var fencing: FencingSpec
    /// Where relative agent paths start, and how long a timed-out agent gets after SIGTERM.
    public var catalog: AgentCatalog
    private let plugs = PlugParameters()

    /// Creates a runner for the devices of `fencing`.
    public init(fencing: FencingSpec, catalog: AgentCatalog) {
        self.fencing = fencing
        self.catalog = catalog
    }

    /// Fences `target` as `plan` says: the delay first, then level by level. The message names the level that
    /// succeeded, or every device that failed and why.
    public func fence(_ target: NodeName, _ plan: FencePlan) async -> ActionOutcome {
        if plan.delay > .zero { try? await Task.sleep(for: plan.delay) }
        var problems: [String] = []
        for level in plan.levels {
            var failed = false
            for name in level {
                guard let device = fencing.device(named: name) else {
                    problems.append("\(name): not in the configuration")
                    failed = true
                    break
                }
                if let problem = await run(device, plan.action, on: target) {
                    problems.append("\(name): \(problem)")
                    failed = true
                    break
                }
            }
            if !failed {
                return ActionOutcome(
                    code: 0,
                    message: "\(target) fenced (\(plan.action.rawValue)) via "
                        + level.map(\.rawValue).joined(separator: "+"))
            }
        }
        if problems.isEmpty { problems.append("no fence level is configured for \(target)") }
        return ActionOutcome(code: 1, message: problems.joined(separator: "; "))
    }

    /// Runs one device's agent, with its retries: `nil` once it succeeds, else what the last attempt said.
    func run(_ device: FenceDevice, _ action: FenceAction, on target: NodeName) async -> String? {
        let path = catalog.fenceAgentPath(device.agent.value)
        var options = [("action", action.rawValue), ("nodename", target.rawValue)]
        options += device.parameters.map { ($0.name, $0.value) }
        if !device.parameters.contains(where: { $0.name == "plug" || $0.name == "port" }),
            let plug = await plugs.name(for: device.agent.value, in: catalog)
        {
            options.append((plug, target.rawValue))
        }
        let input = options.map { "\($0.0)=\($0.1)\n" }.joined()
        var problem = ""
        for _ in 0...device.retries.value {
            let result = await ProcessRunner().run(
                ProcessRequest(
                    executable: path, input: Array(input.utf8), timeout: device.timeout.value, grace: catalog.grace))
            if case .exited(0) = result.termination, !result.timedOut { return nil }
            problem = Self.describe(result, timeout: device.timeout.value)
        }
        let attempts = device.retries.value + 1
        return attempts == 1 ? problem : "\(problem) (\(attempts) attempts)"
    }

    /// Reads each agent's meta-data now, so that the first fence does not wait for it.
    public func prepare() async {
        for device in fencing.devices {
            _ = await plugs.name(for: device.agent.value, in: catalog)
        }
    }

    private static func describe(_ result: ProcessResult, timeout: Duration) -> String {
        if result.timedOut { return "timed out after \(timeout.configText)" }
        let said = (result.errorText + "\n" + result.outputText).split(separator: "\n").last {
            !$0.allSatisfy(\.isWhitespace)
        }
        switch result.termination {
        case .exited(let status): return "exit \(status)" + (said.map { ": \($0)" } ?? "")
        case .signalled(let signal): return "killed by signal \(signal)"
        case .notStarted(let reason): return reason
        }
    }
}

/// Which option names the node for each agent, as its meta-data tells: `plug` or `port` when it has one (a power
/// switch or hypervisor serves many machines), else none. Read once per agent.
actor PlugParameters {
    private var names: [String: String?] = [:]

    func name(for agent: String, in catalog: AgentCatalog) async -> String? {
        if let known = names[agent] { return known }
        let parameters = await catalog.fenceMetadata(agent)?.parameters.map(\.name) ?? []
        let name = parameters.contains("plug") ? "plug" : parameters.contains("port") ? "port" : nil
        names[agent] = .some(name)
        return name
    }
}
