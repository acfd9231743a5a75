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
