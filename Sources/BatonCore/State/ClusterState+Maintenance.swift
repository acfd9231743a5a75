extension ClusterState {
    /// Whether an administrator put `node` in maintenance.
    public func inMaintenance(_ node: NodeName) -> Bool { nodes[node]?.maintenance == true }

    /// Why Baton leaves `group` alone, or `nil` when it manages it: the group is in maintenance, or a member is
    /// active on a node in maintenance. `states` are its members' states, in list order.
    public func maintenance(of group: GroupName, states: [ResourceState]) -> String? {
        if state(of: group).maintenance { return "\(group) is in maintenance" }
        return states.lazy.compactMap(\.activeNode).first(where: inMaintenance).map { "\($0) is in maintenance" }
    }

    /// ``maintenance(of:states:)`` for a group of `spec`.
    public func maintenance(of group: GroupSpec) -> String? {
        maintenance(of: group.name, states: group.resources.map { state(of: $0.name) })
    }

    /// Whether Baton leaves the resource alone: its group is unmanaged (``maintenance(of:)``).
    public func isUnmanaged(_ resource: ResourceName, in spec: ClusterSpec) -> Bool {
        spec.groupAndResource(named: resource).map { maintenance(of: $0.0) != nil } ?? false
    }

    /// The nodes and groups whose maintenance flag `scope` sets or clears.
    func applyingMaintenance(_ scope: MaintenanceScope, on: Bool, in spec: ClusterSpec) -> ClusterState {
        var state = self
        switch scope {
        case .cluster:
            for node in spec.nodes { state.setMaintenance(of: node.name, on, in: spec) }
        case .node(let node):
            state.setMaintenance(of: node, on, in: spec)
        case .group(let group):
            state.groups[group, default: GroupState()].maintenance = on
            if !on { state.forgetWhatRuns(spec.group(named: group)?.resources.map(\.name) ?? []) }
        }
        return state
    }

    private mutating func setMaintenance(of node: NodeName, _ on: Bool, in spec: ClusterSpec) {
        guard inMaintenance(node) != on else { return }
        nodes[node, default: NodeState()].maintenance = on
        guard !on else { return }
        if status(of: node) == .lost {
            // Lost while in maintenance: it was never fenced, and what it ran may still run there.
            if spec.fences, fence(of: node) == nil {
                nodes[node]?.fence = .needed("\(node) was lost while in maintenance")
            }
        } else {
            forgetWhatRuns(resources.filter { $0.value.node == node }.map(\.key))
        }
    }

    /// What these resources did while Baton did not watch is unknown: they count as stopped until the probes of the
    /// plan say where they run. A blocked one stays blocked, and one on a lost node stays there until that node is
    /// fenced or confirmed dead.
    private mutating func forgetWhatRuns(_ names: [ResourceName]) {
        for name in names {
            let record = state(of: name)
            guard let node = record.activeNode, record.status != .blocked, status(of: node) != .lost else { continue }
            resources[name] = ResourceState(failures: record.failures)
        }
    }
}
