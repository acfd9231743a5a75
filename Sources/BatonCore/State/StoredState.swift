/// What a node keeps across restarts, in `STATE_DIR/state.json`: its last role, each group's generation, last
/// owner and whether it was stopped or in maintenance, the failures on record, and the nodes in maintenance.
///
/// The engine writes it after every change of the cluster state, atomically (a crash leaves the old file or the new
/// one, never a mix); each node's ``NodeController`` says what to write, and reads it back at a cold start.
public struct StoredState: Codable, Hashable, Sendable {
    /// One group, as this node last knew it.
    public struct Group: Codable, Hashable, Sendable {
        /// How many times it has started anywhere.
        public var generation: Int
        /// The node it last ran on.
        public var owner: String?
        /// Stopped by an administrator (or its `on-fail: stop`): it stays stopped at the next cold start. Absent in
        /// files written before it existed.
        public var stopped: Bool?
        /// In maintenance: it stays unmanaged at the next cold start. Absent when not.
        public var maintenance: Bool?

        /// Creates a group's record.
        public init(generation: Int, owner: String?, stopped: Bool? = nil, maintenance: Bool? = nil) {
            self.generation = generation
            self.owner = owner
            self.stopped = stopped
            self.maintenance = maintenance
        }
    }

    /// This node's last role.
    public var role: NodeRole
    /// Every group with a record, by name.
    public var groups: [String: Group]
    /// The failures on record, by resource.
    public var failures: [String: [Failure]]
    /// The nodes in maintenance, sorted; absent when none is (and in files written before it existed).
    public var maintenance: [String]?
    /// The epoch of the configuration this node runs (raised by every `baton config apply`); absent when 0.
    public var configurationEpoch: UInt64?

    /// Creates a stored state; an empty one by default, as before a node's first run.
    public init(
        role: NodeRole = .stopped, groups: [String: Group] = [:], failures: [String: [Failure]] = [:],
        maintenance: [String]? = nil
    ) {
        self.role = role
        self.groups = groups
        self.failures = failures
        self.maintenance = maintenance
    }

    /// The facts of `state` worth keeping, with this node's `role`.
    public init(_ state: ClusterState, role: NodeRole) {
        self.role = role
        groups = Dictionary(
            uniqueKeysWithValues: state.groups.map {
                (
                    $0.key.rawValue,
                    Group(
                        generation: $0.value.generation, owner: $0.value.node?.rawValue,
                        // A group that waits for newer data is stopped for that reason alone, found again at start.
                        stopped: $0.value.stopped && $0.value.waiting == nil ? true : nil,
                        maintenance: $0.value.maintenance ? true : nil)
                )
            })
        let inMaintenance = state.nodes.filter(\.value.maintenance).map(\.key.rawValue).sorted()
        maintenance = inMaintenance.isEmpty ? nil : inMaintenance
        failures = Dictionary(
            uniqueKeysWithValues: state.resources.filter { !$0.value.failures.isEmpty }.map {
                ($0.key.rawValue, $0.value.failures)
            })
    }

    /// The groups this node ran last, with their generations.
    public func held(by node: NodeName) -> [String: Int] {
        groups.filter { $0.value.owner == node.rawValue }.mapValues(\.generation)
    }
}
