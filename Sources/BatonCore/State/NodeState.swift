/// A node as the cluster sees it.
public struct NodeState: Hashable, Sendable {
    /// Online, lost or standby.
    public var status: NodeStatus
    /// The node's LINTER-style role.
    public var role: NodeRole
    /// Whether the node must be fenced before what it ran starts elsewhere; `nil` when it need not be (it is fenced,
    /// or nothing made it suspect).
    public var fence: FenceStatus?
    /// The node's last heartbeat said it reaches no tiebreaker target: it starts nothing, and what it runs moves to a
    /// node that reaches one.
    public var tiebreakerLost: Bool
    /// An administrator put the node in maintenance (`baton maintenance on --node`): Baton starts, stops, monitors
    /// and fences nothing there, and starts nothing elsewhere that runs there, until `baton maintenance off`. It
    /// outlasts the node's loss: what a node in maintenance ran may still run there.
    public var maintenance: Bool
    /// When the node was last heard again after it was lost: a group's `failback-delay` counts from here. `nil` for
    /// a node that was never lost since the cluster formed: no delay applies to it.
    public var heardSince: Timestamp?

    /// Creates a node state.
    public init(
        status: NodeStatus = .online, role: NodeRole = .undefined, fence: FenceStatus? = nil,
        tiebreakerLost: Bool = false, maintenance: Bool = false, heardSince: Timestamp? = nil
    ) {
        self.status = status
        self.role = role
        self.fence = fence
        self.tiebreakerLost = tiebreakerLost
        self.maintenance = maintenance
        self.heardSince = heardSince
    }
}

/// Why a node is to be fenced, or why it could not be.
public enum FenceStatus: Hashable, Sendable {
    /// It was lost, or a stop failed on it, and fencing is configured: the next plan fences it.
    case needed(String)
    /// Its fence failed on every level: what it ran starts nowhere until an administrator fences it again
    /// (`baton fence NODE`) or swears it is off (`baton fence confirm NODE`).
    case failed(String)

    /// Whether the next plan fences the node.
    public var isNeeded: Bool {
        if case .needed = self { true } else { false }
    }

    /// Why.
    public var reason: String {
        switch self {
        case .needed(let reason), .failed(let reason): reason
        }
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
}
