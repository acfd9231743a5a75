/// A node as the cluster sees it.
public struct NodeState: Hashable, Sendable {
    /// Online, lost, standby or maintenance.
    public var status: NodeStatus
    /// The node's LINTER-style role.
    public var role: NodeRole

    /// Creates a node state.
    public init(status: NodeStatus = .online, role: NodeRole = .undefined) {
        self.status = status
        self.role = role
    }
}

/// Whether a node can run groups.
public enum NodeStatus: String, Hashable, Sendable, Codable, CaseIterable {
    /// Up and taking groups.
    case online
    /// Silent on every link for deadtime: confirmed dead by membership. What it ran counts as stopped.
    case lost
    /// Up, but an administrator asked it to run nothing: its groups move away.
    case standby
    /// Up, but Baton neither starts nor stops anything on it: its resources are unmanaged.
    case maintenance
}
