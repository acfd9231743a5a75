import BatonCore

/// The executor's runner for real agents: each planned action performed by the resource's agent on this machine.
///
/// Actions on different resources run in parallel (the executor bounds how many); actions on one resource wait for
/// each other. A timeout comes from the configuration when written there, else from the agent's meta-data, else 20 s.
/// A fence runs the target's fence devices (``FenceRunner``). Fence-needed and notify steps succeed at once: without
/// fencing, membership confirms a lost node, and events go to the handler through the engine, never through a plan.
public struct AgentActionRunner: ActionRunner {
    /// The configuration the resources come from.
    public var spec: ClusterSpec
    /// Where the agents are.
    public var catalog: AgentCatalog
    /// Runs fence devices, when the cluster fences.
    public private(set) var fences: FenceRunner?
    private let locks = ResourceLocks()
    private let timeouts = MetadataTimeouts()

    /// Creates a runner for the resources and fence devices of `spec`.
    public init(spec: ClusterSpec, catalog: AgentCatalog) {
        self.spec = spec
        self.catalog = catalog
        fences = spec.fencing.map { FenceRunner(fencing: $0, catalog: catalog) }
    }

    /// The runner for a new configuration: the same locks, so that what runs now keeps others off its resource.
    public func reconfigured(_ spec: ClusterSpec) -> any ActionRunner {
        var runner = self
        runner.spec = spec
        runner.fences = spec.fencing.map { FenceRunner(fencing: $0, catalog: catalog) }
        return runner
    }

    /// Performs the action with the resource's agent (or the fence devices) and reports the answer.
    public func run(_ action: PlannedAction) async -> ActionOutcome {
        if action.kind == .fence {
            guard let fences, let target = action.target, let plan = action.fence else {
                return ActionOutcome(code: 1, message: "no fence devices are configured")
            }
            return await fences.fence(target, plan)
        }
        return await perform(action)?.outcome ?? ActionOutcome(code: 0)
    }

    /// Performs the action and returns the agent's full result; `nil` for steps no agent performs.
    public func perform(_ action: PlannedAction) async -> AgentResult? {
        var agentAction: AgentAction
        switch action.kind {
        case .probe: agentAction = .probe
        case .start: agentAction = .start
        case .stop: agentAction = .stop
        // Starting a recurring monitor checks the resource once now; the engine repeats it at the interval. Both
        // check at the configured depth (OCF_CHECK_LEVEL); a probe always at 0.
        case .monitor: agentAction = .monitor(interval: action.interval ?? MonitorSettings.defaultInterval, depth: 0)
        case .cancelMonitor, .fenceNeeded, .fence, .notify: return nil
        }
        guard let name = action.resource, let resource = spec.resource(named: name) else {
            return .failure(
                agentAction, code: 6, "resource \(action.resource?.rawValue ?? "?") is not in the configuration")
        }
        if case .monitor(let interval, _) = agentAction, interval != .zero {
            agentAction = .monitor(interval: interval, depth: resource.monitor?.effectiveDepth ?? 0)
        }
        return await perform(
            agentAction, on: resource, node: action.node.rawValue, plannedTimeout: action.timeout,
            holderGone: action.holderGone)
    }

    /// Performs one action on a resource, as `baton agent exec` and recurring monitors do.
    public func perform(
        _ action: AgentAction, on resource: ResourceSpec, node: String?, plannedTimeout: Duration? = nil,
        holderGone: Bool = false
    ) async -> AgentResult {
        let agent = catalog.agent(for: resource.agent.value)
        let timeout = await timeout(of: action, for: resource, agent: agent, planned: plannedTimeout)
        let request = AgentRequest(
            instance: resource.name.rawValue, action: action,
            parameters: resource.parameters.map { ($0.name, $0.value) }, timeout: timeout, node: node,
            holderGone: holderGone)
        return await locks.withLock(resource.name.rawValue) { await agent.perform(request) }
    }

    /// The configuration's timeout when written; else the agent's recommendation; else the planned (default) one.
    private func timeout(of action: AgentAction, for resource: ResourceSpec, agent: any Agent, planned: Duration?)
        async -> Duration
    {
        let written: Duration?
        let fallback: Duration
        switch action {
        case .start:
            written = resource.writtenTimeouts.contains(.start) ? resource.startTimeout.value : nil
            fallback = planned ?? resource.startTimeout.value
        case .stop:
            written = resource.writtenTimeouts.contains(.stop) ? resource.stopTimeout.value : nil
            fallback = planned ?? resource.stopTimeout.value
        case .monitor:
            written = resource.monitor?.timeout?.value
            fallback = AgentRequest.defaultTimeout
        case .metaData, .validateAll:
            // The recommendation once the meta-data is known (reading it the first time takes the default).
            written = nil
            fallback = AgentRequest.metadataTimeout
        }
        if let written { return written }
        var depth = 0
        if case .monitor(_, let level) = action { depth = level }
        return await timeouts.timeout(of: action.name, depth: depth, for: agent) ?? fallback
    }
}

/// The timeouts agents recommend in their meta-data, read once per agent.
actor MetadataTimeouts {
    private var cache: [AgentReference: AgentMetadata?] = [:]

    func timeout(of action: String, depth: Int, for agent: any Agent) async -> Duration? {
        if cache[agent.reference] == nil { cache[agent.reference] = .some(await agent.metadata()) }
        return cache[agent.reference]??.timeout(of: action, depth: depth)
    }
}
