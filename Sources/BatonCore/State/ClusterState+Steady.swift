extension ClusterState {
    /// The steady state of a configuration: every node online, every group started where placement puts it on an
    /// empty cluster (its first candidate, unless colocation says otherwise), generation 1.
    public static func steady(_ spec: ClusterSpec, at time: Timestamp = Timestamp(milliseconds: 0)) -> ClusterState {
        var state = ClusterState(time: time)
        for node in spec.nodes { state.nodes[node.name] = NodeState(status: .online) }
        let placement = Placement(spec, state, index: SpecIndex(spec))
        state.groups.reserveCapacity(spec.groups.count)
        state.resources.reserveCapacity(spec.groups.reduce(0) { $0 + $1.resources.count })
        for group in spec.groups {
            guard let node = placement.nodes[group.name] else { continue }
            state.groups[group.name] = GroupState(node: node, generation: 1)
            for index in group.resources.indices {
                state.resources[group.resources[index].name] = ResourceState(status: .started, node: node)
            }
        }
        return state.withRoles(spec)
    }

    /// Node roles derived from where groups run: a node running a group is MAIN when another online node could take
    /// over, MONO when none could; an online node running nothing is a ready standby (SLAVE_OK); a node in standby
    /// waits (SLAVE_WAIT). An online node where a start failure is on record (until `baton cleanup`) is MAINFAILER
    /// when it runs a group, else SLAVEFAILER. Lost nodes and nodes in maintenance keep the role they had.
    public func withRoles(_ spec: ClusterSpec) -> ClusterState {
        var state = self
        let active = Set(resources.values.filter { $0.status == .started }.compactMap(\.node))
        let failed = Set(resources.values.flatMap { $0.failures.filter { $0.action == "start" }.map(\.node) })
        let online = spec.nodes.map(\.name).filter { status(of: $0) == .online }
        for node in spec.nodes.map(\.name) {
            var record = state.nodes[node] ?? NodeState()
            guard !record.maintenance else { continue }
            switch record.status {
            case .online where failed.contains(node):
                record.role = active.contains(node) ? .mainFailed : .slaveFailed
            case .online:
                record.role = active.contains(node) ? (online.count > 1 ? .main : .mono) : .slaveOK
            case .standby:
                record.role = .slaveWait
            case .lost:
                break
            }
            state.nodes[node] = record
        }
        return state
    }
}
