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

    /// A resource's state; a resource the state does not mention is stopped.
    public func state(of resource: ResourceName) -> ResourceState { resources[resource] ?? ResourceState() }

    /// A group's state; a group the state does not mention has never run.
    public func state(of group: GroupName) -> GroupState { groups[group] ?? GroupState() }
}

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

/// Where a group runs and how often it has been started.
public struct GroupState: Hashable, Sendable {
    /// The node the group runs on, or last ran on.
    public var node: NodeName?
    /// Raised on every start of the group; at a cold start the newest generation holds the newest data.
    public var generation: Int
    /// An administrator stopped the group (or `on-fail: stop` did); it stays stopped until started again.
    public var stopped: Bool
    /// The node an administrator switched the group to; `failback: auto` returns it there rather than to its first
    /// candidate.
    public var pinned: NodeName?

    /// Creates a group state.
    public init(node: NodeName? = nil, generation: Int = 0, stopped: Bool = false, pinned: NodeName? = nil) {
        self.node = node
        self.generation = generation
        self.stopped = stopped
        self.pinned = pinned
    }
}

/// A resource's status on the node it is on, and every failure still on record.
public struct ResourceState: Hashable, Sendable {
    /// What the resource is doing.
    public var status: ResourceStatus
    /// The node it runs, failed or is blocked on; `nil` when stopped.
    public var node: NodeName?
    /// Failures not yet cleaned up, oldest first.
    public var failures: [Failure]

    /// Creates a resource state.
    public init(status: ResourceStatus = .stopped, node: NodeName? = nil, failures: [Failure] = []) {
        self.status = status
        self.node = node
        self.failures = failures
    }

    /// The node the resource may be running on: anything but stopped.
    public var activeNode: NodeName? { status == .stopped ? nil : node }

    /// Failures on `node` in the `window` that ends at `now`.
    public func failureCount(on node: NodeName, within window: Duration, before now: Timestamp) -> Int {
        failures.count { $0.node == node && $0.time > now.advanced(by: .zero - window) }
    }
}

/// What a resource is doing.
public enum ResourceStatus: String, Hashable, Sendable, Codable, CaseIterable {
    /// Not running anywhere.
    case stopped
    /// A start is under way.
    case starting
    /// Running and healthy.
    case started
    /// A stop is under way.
    case stopping
    /// Its monitor or start failed; it may still hold something on its node and is stopped before it starts again.
    case failed
    /// Its stop failed: it may still run on its node, so its group starts nowhere until the node is fenced or an
    /// administrator cleans it up.
    case blocked
    /// On a node in maintenance: Baton neither starts nor stops it.
    case unmanaged
}

/// One failed action, as the agent reported it.
public struct Failure: Hashable, Sendable, Codable {
    /// Where it failed.
    public var node: NodeName
    /// The action that failed: `start`, `stop`, `monitor` or `probe`.
    public var action: String
    /// The agent's exit code.
    public var code: Int
    /// When.
    public var time: Timestamp

    /// Creates a failure record.
    public init(node: NodeName, action: String, code: Int, time: Timestamp) {
        self.node = node
        self.action = action
        self.code = code
        self.time = time
    }
}

/// A point in time, in milliseconds since the Unix epoch (or any origin a test picks).
public struct Timestamp: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// Milliseconds since the origin.
    public var milliseconds: Int64

    /// Creates a timestamp.
    public init(milliseconds: Int64) {
        self.milliseconds = milliseconds
    }

    /// The timestamp `duration` later.
    public func advanced(by duration: Duration) -> Timestamp {
        Timestamp(milliseconds: milliseconds + duration.wholeMilliseconds)
    }

    /// Orders by time.
    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool { lhs.milliseconds < rhs.milliseconds }

    /// The offset from the origin in configuration form, such as `90s`.
    public var description: String { Duration.milliseconds(milliseconds).configText }

    /// Decodes milliseconds from a JSON number.
    public init(from decoder: any Decoder) throws {
        milliseconds = try decoder.singleValueContainer().decode(Int64.self)
    }

    /// Encodes milliseconds as a JSON number.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(milliseconds)
    }
}
