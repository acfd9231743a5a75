extension ClusterState {
    /// The live node that runs every member of `group`, if one does: where the group runs whole.
    public func runningNode(of group: GroupSpec) -> NodeName? {
        let nodes = Set(group.resources.map { state(of: $0.name).status == .started ? state(of: $0.name).node : nil })
        guard nodes.count == 1, let node = nodes.first ?? nil, status(of: node) != .lost else { return nil }
        return node
    }
}
