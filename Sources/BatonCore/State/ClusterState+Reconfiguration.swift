extension ClusterState {
    /// The state the stops of a configuration change are planned from, in the old configuration: removed groups are
    /// to be stopped, resources restarted by the change count as failed where they run (the planner stops them and
    /// the members after them, and the groups ordered after theirs), and every group that runs is to start again on
    /// its node (``GroupState/restartOn``), not where it would prefer to be.
    func preparing(_ change: ConfigurationChange, in spec: ClusterSpec) -> ClusterState {
        var state = self
        let removed = Set(change.removedGroups)
        for group in spec.groups {
            if removed.contains(group.name) {
                state.groups[group.name, default: GroupState()].stopped = true
                continue
            }
            let states = group.resources.map { self.state(of: $0.name) }
            if let node = states.compactMap(\.activeNode).first {
                state.groups[group.name, default: GroupState()].restartOn = node
            }
            for resource in group.resources where change.restarted[resource.name] != nil {
                guard let node = self.state(of: resource.name).activeNode else { continue }
                state.resources[resource.name]?.status = .failed
                state.resources[resource.name]?.node = node
            }
        }
        return state
    }

    /// The state once `spec` took effect: what it no longer has is forgotten (it stopped first).
    public func adopting(_ spec: ClusterSpec) -> ClusterState {
        var state = self
        let groups = Set(spec.groups.map(\.name))
        let resources = Set(spec.resources.map(\.name))
        state.groups = state.groups.filter { groups.contains($0.key) }
        state.resources = state.resources.filter { resources.contains($0.key) }
        return state
    }
}
