import BatonCore

extension AgentCatalog {
    /// `spec` with each start, stop and monitor timeout that it does not write set as the engine's runner sets it:
    /// the agent's meta-data recommendation (for a monitor, the one of its depth), else the default. `baton plan`
    /// and `baton simulate` plan with it, so their timeouts and time budgets are those the engine would use. Each
    /// agent's meta-data is read once.
    public func withRecommendedTimeouts(_ spec: ClusterSpec) async -> ClusterSpec {
        var spec = spec
        var metadata: [AgentReference: AgentMetadata?] = [:]
        for group in spec.groups.indices {
            for index in spec.groups[group].resources.indices {
                var resource = spec.groups[group].resources[index]
                let reference = resource.agent.value
                if metadata[reference] == nil { metadata[reference] = .some(await agent(for: reference).metadata()) }
                guard let found = metadata[reference] ?? nil else { continue }
                if !resource.writtenTimeouts.contains(.start), let timeout = found.timeout(of: "start") {
                    resource.startTimeout.value = timeout
                }
                if !resource.writtenTimeouts.contains(.stop), let timeout = found.timeout(of: "stop") {
                    resource.stopTimeout.value = timeout
                }
                if var monitor = resource.monitor, monitor.timeout == nil,
                    let timeout = found.timeout(of: "monitor", depth: monitor.depth?.value ?? 0)
                {
                    monitor.timeout = Located(timeout, at: resource.location)
                    resource.monitor = monitor
                }
                spec.groups[group].resources[index] = resource
            }
        }
        return spec
    }
}
