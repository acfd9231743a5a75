/// A whole `cluster.yaml`, schema version 1: what Baton should keep running, and where.
public struct ClusterSpec: Hashable, Sendable {
    /// The schema version this Baton reads.
    public static var schemaVersion: Int { 1 }

    /// The cluster's name; every heartbeat packet carries it.
    public var cluster: Located<ClusterName>
    /// Heartbeat port, timings and key.
    public var heartbeat: HeartbeatSettings
    /// The nodes, in file order.
    public var nodes: [NodeSpec]
    /// The resource groups, in file order.
    public var groups: [GroupSpec]
    /// Start order between groups.
    public var order: [OrderConstraint]
    /// Groups kept together or apart.
    public var colocation: [ColocationConstraint]
    /// The administrator's event handler, if any.
    public var events: EventSettings?
    /// Fence devices and each node's levels, when written.
    public var fencing: FencingSpec?
    /// The addresses a node must reach to run groups, when written.
    public var tiebreaker: TiebreakerSpec?
    /// The engine's HTTP endpoint, when written.
    public var http: HTTPSettings?

    /// Creates a specification.
    public init(
        cluster: Located<ClusterName>, heartbeat: HeartbeatSettings, nodes: [NodeSpec], groups: [GroupSpec],
        order: [OrderConstraint] = [], colocation: [ColocationConstraint] = [], events: EventSettings? = nil,
        fencing: FencingSpec? = nil, tiebreaker: TiebreakerSpec? = nil
    ) {
        self.cluster = cluster
        self.heartbeat = heartbeat
        self.nodes = nodes
        self.groups = groups
        self.order = order
        self.colocation = colocation
        self.events = events
        self.fencing = fencing
        self.tiebreaker = tiebreaker
    }

    /// Every resource of every group, in file order.
    public var resources: [ResourceSpec] { groups.flatMap(\.resources) }

    /// The resource of that name, if any.
    public func resource(named name: ResourceName) -> ResourceSpec? {
        for group in groups {
            if let resource = group.resources.first(where: { $0.name == name }) { return resource }
        }
        return nil
    }

    /// The node of that name, if any.
    public func node(named name: NodeName) -> NodeSpec? { nodes.first { $0.name == name } }

    /// The group of that name, if any.
    public func group(named name: GroupName) -> GroupSpec? { groups.first { $0.name == name } }

    /// Nodes by priority, highest first, then by name: the default candidate order and seniority.
    public var nodesBySeniority: [NodeSpec] {
        nodes.sorted { ($1.priority, $0.name) < ($0.priority, $1.name) }
    }

    /// Where a group may run, in preference order: its `nodes`, or every node by seniority.
    public func candidates(for group: GroupSpec) -> [NodeName] {
        group.nodes?.map(\.value) ?? nodesBySeniority.map(\.name)
    }
}
