extension ClusterState {
    /// The state the planner plans from once `trigger` has happened.
    ///
    /// Only facts change here: a node's status, a failure on record, an administrator's wish. Where groups should run
    /// is the planner's business.
    public func applying(_ trigger: Trigger, in spec: ClusterSpec) -> ClusterState {
        var state = self
        switch trigger {
        case .nodeLost(let node):
            // A node lost for the first time may still run what it ran: with fencing it is fenced first. One in
            // maintenance is not: it is fenced when its maintenance ends, if it is still lost then.
            if spec.fences, status(of: node) != .lost, fence(of: node) == nil, !inMaintenance(node) {
                state.nodes[node, default: NodeState()].fence = .needed("\(node) was lost")
            }
            state.nodes[node, default: NodeState()].status = .lost
        case .nodeJoined(let node):
            // What a lost node ran counted as stopped; probes on the returning node tell what really runs there.
            // On a node in maintenance, it is left as it was: Baton does not act on it until the maintenance ends.
            if status(of: node) == .lost, !inMaintenance(node) {
                for (name, resource) in resources where resource.node == node && resource.status != .blocked {
                    state.resources[name] = ResourceState(failures: resource.failures)
                }
            }
            if status(of: node) == .lost { state.nodes[node, default: NodeState()].heardSince = time }
            // It is back and answers: its probes tell what runs there, so it need not be fenced.
            state.nodes[node, default: NodeState()].status = .online
            state.nodes[node]?.fence = nil
        case .standby(let node):
            state.nodes[node, default: NodeState()].status = .standby
        case .online(let node):
            state.nodes[node, default: NodeState()].status = .online
        case .resourceFailed(let name, let node, let code):
            guard let (group, resource) = spec.groupAndResource(named: name) else { break }
            var record = state.state(of: name)
            record.failures.append(Failure(node: node, action: "monitor", code: code, time: time))
            // A blocked resource stays blocked: what its monitor says changes nothing until a cleanup. Nor does it
            // for one in maintenance, until its maintenance ends and it is probed.
            if resource.onFail != .ignore, record.activeNode == node, record.status != .blocked,
                maintenance(of: group) == nil
            {
                record.status = .failed
            }
            state.resources[name] = record
            if resource.onFail == .stop { state.groups[group.name, default: GroupState()].stopped = true }
        case .switchover(let group, let node):
            state.groups[group, default: GroupState()].pinned = node
        case .stopGroup(let group):
            state.groups[group, default: GroupState()].stopped = true
        case .startGroup(let group):
            state.groups[group, default: GroupState()].stopped = false
            state.groups[group, default: GroupState()].waiting = nil
        case .cleanup(let name):
            var record = state.state(of: name)
            // The node it failed on, when that node is heard: its fence was for this failure (a stop), and the
            // administrator has dealt with it there.
            if let node = record.node, record.status == .blocked, status(of: node) != .lost {
                state.nodes[node]?.fence = nil
            }
            record.failures = []
            if record.status == .blocked || record.status == .failed { record = ResourceState() }
            state.resources[name] = record
        case .fence(let node):
            state.nodes[node, default: NodeState()].fence = .needed("an administrator asked to fence \(node)")
        case .fenceConfirmed(let node):
            state.markFenced(node)
        case .tiebreaker(let node, let reached):
            state.nodes[node, default: NodeState()].tiebreakerLost = !reached
        case .maintenance(let scope, let on):
            state = state.applyingMaintenance(scope, on: on, in: spec)
        case .reconfiguration(let change):
            state = state.preparing(change, in: spec)
        case .reconfigured, .replan, .formed:
            break
        }
        return state
    }
}

extension ClusterSpec {
    /// The resource of that name and the group it belongs to.
    public func groupAndResource(named name: ResourceName) -> (GroupSpec, ResourceSpec)? {
        for group in groups {
            if let resource = group.resources.first(where: { $0.name == name }) { return (group, resource) }
        }
        return nil
    }
}
