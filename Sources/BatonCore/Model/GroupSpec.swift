/// Resources that run together on one node, started top to bottom and stopped bottom to top.
public struct GroupSpec: Hashable, Sendable {
    /// What a group does when its preferred node returns after a takeover.
    public enum Failback: String, Hashable, Sendable, CaseIterable {
        /// The group stays where it is; an administrator switches it back.
        case manual
        /// The group returns to the most preferred online node.
        case auto
    }

    /// The group's name.
    public var name: GroupName
    /// Where the group may run, in preference order; `nil` means every node by priority.
    public var nodes: [Located<NodeName>]?
    /// Failback policy; `manual` unless written.
    public var failback: Failback
    /// With `failback: auto`, how long a returning node must have been heard before the group goes back to it
    /// (keepalived's `preempt_delay`): a node that flaps is not handed the group each time it answers.
    public var failbackDelay: Located<Duration>?
    /// The members, in start order.
    public var resources: [ResourceSpec]
    /// Where the group's name is written.
    public var location: SourceLocation

    /// Creates a group.
    public init(
        name: GroupName, nodes: [Located<NodeName>]? = nil, failback: Failback = .manual,
        resources: [ResourceSpec], at location: SourceLocation
    ) {
        self.name = name
        self.nodes = nodes
        self.failback = failback
        self.failbackDelay = nil
        self.resources = resources
        self.location = location
    }
}
