import BatonCore

/// Performs actions for one kind of resource: an OCF script, an init script, a systemd unit or a built-in agent.
public protocol Agent: Sendable {
    /// The agent as a configuration names it.
    var reference: AgentReference { get }
    /// Performs one action. Never throws: every problem, Baton's own included, is a result with an exit code.
    func perform(_ request: AgentRequest) async -> AgentResult
}

extension Agent {
    /// The agent's meta-data: its parameters and actions; `nil` when it has none that can be read.
    public func metadata() async -> AgentMetadata? {
        let result = await perform(
            AgentRequest(instance: "meta-data", action: .metaData, timeout: AgentRequest.metadataTimeout))
        guard result.code == 0 else { return nil }
        return AgentMetadata(xml: result.output)
    }
}
