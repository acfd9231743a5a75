/// What the cluster looks like at one moment: nodes, groups and resources, and the time it was seen.
///
/// The planner reads it and never changes it; the engine and the simulator make new states from results.
/// Every dictionary is keyed by name and encoded sorted by name, so its JSON is byte-stable.
public struct ClusterState: Hashable, Sendable {
    /// When the state was taken; restart windows are measured back from here.
    public var time: Timestamp
    /// Every node's status and role.
    public var nodes: [NodeName: NodeState]
    /// Where every group runs.
    public var groups: [GroupName: GroupState]
    /// Every resource's status and failure history.
    public var resources: [ResourceName: ResourceState]

    /// Creates a state.
    public init(
        time: Timestamp = Timestamp(milliseconds: 0), nodes: [NodeName: NodeState] = [:],
        groups: [GroupName: GroupState] = [:],
        resources: [ResourceName: ResourceState] = [:]
    ) {
        self.time = time
        self.nodes = nodes
        self.groups = groups
        self.resources = resources
    }

    /// The status of a node; a node the state does not mention is online.
    public func status(of node: NodeName) -> NodeStatus { nodes[node]?.status ?? .online }

    /// Whether `node` must be fenced, or could not be; `nil` when neither.
    public func fence(of node: NodeName) -> FenceStatus? { nodes[node]?.fence }

    /// Whether what `node` runs is out of reach: the node is lost, or it is to be fenced or could not be. Nothing is
    /// stopped there; what it ran starts elsewhere once it is confirmed dead or fenced.
    public func isCutOff(_ node: NodeName) -> Bool { status(of: node) == .lost || fence(of: node) != nil }

    /// Whether `node` reaches no tiebreaker target, as its heartbeats said; never without a tiebreaker.
    public func reachesNoTiebreaker(_ node: NodeName, in spec: ClusterSpec) -> Bool {
        spec.tiebreaker != nil && nodes[node]?.tiebreakerLost == true
    }

    /// A resource's state; a resource the state does not mention is stopped.
    public func state(of resource: ResourceName) -> ResourceState { resources[resource] ?? ResourceState() }

    /// A group's state; a group the state does not mention has never run.
    public func state(of group: GroupName) -> GroupState { groups[group] ?? GroupState() }
}
