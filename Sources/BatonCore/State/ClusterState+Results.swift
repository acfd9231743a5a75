extension ClusterState {
    /// The state after a plan ran: what succeeded took effect, what failed is on record.
    ///
    /// A failed start or monitor leaves the resource failed on its node (it is stopped before it starts again); a
    /// failed stop blocks it there; a probe that finds a resource running puts it there, unless it is blocked. A
    /// group whose first member starts has started on that node: its generation is raised (a member restarted in
    /// place does not count), and a switchover's pin is dropped once the group runs elsewhere.
    public func applying(_ report: ExecutionReport, of plan: Plan, in spec: ClusterSpec) -> ClusterState {
        var state = self
        var started: Set<GroupName> = []
        for result in report.results {
            let action = plan.action(result.action)
            if action.kind == .fence, let target = action.target, let outcome = result.outcome, !outcome.declined {
                switch result.status {
                case .succeeded: state.markFenced(target)
                case .failed:
                    state.nodes[target, default: NodeState()].fence = .failed(
                        "its fence failed: \(outcome.timedOut ? "timed out" : outcome.message)")
                default: break
                }
                continue
            }
            guard let name = action.resource, let outcome = result.outcome else { continue }
            var resource = state.state(of: name)
            // A blocked resource may still run where its stop failed, and a second time where it ran before: what a
            // probe finds changes nothing until a cleanup (which unblocks it before it probes).
            if action.kind == .probe, resource.status == .blocked { continue }
            let failure = Failure(node: action.node, action: action.kind.rawValue, code: outcome.code, time: time)
            switch (action.kind, result.status) {
            case (.start, .succeeded):
                resource.status = .started
                resource.node = action.node
                if let group = action.group, spec.group(named: group)?.resources.first?.name == name,
                    started.insert(group).inserted
                {
                    var record = state.state(of: group)
                    record.node = action.node
                    record.generation += 1
                    if record.pinned != action.node { record.pinned = nil }
                    state.groups[group] = record
                }
            case (.start, .failed) where outcome.declined, (.probe, .failed) where outcome.declined:
                // Its node is leaving the cluster and ran nothing.
                continue
            case (.start, .failed) where outcome.heldElsewhere:
                // Another machine still answers for it: whoever held the group may still run it. Nothing runs here,
                // nothing failed here, and the group waits rather than start elsewhere.
                resource.status = .stopped
                resource.node = nil
                if let group = action.group, state.state(of: group).waiting == nil {
                    let holder = state.state(of: group).node.map { ": \($0), which held \(group), may still run it" }
                    state.groups[group, default: GroupState()].stopped = true
                    state.groups[group, default: GroupState()].waiting =
                        "\(name) answers from another machine" + (holder ?? "")
                }
            case (.start, .failed), (.monitor, .failed):
                resource.status = .failed
                resource.node = action.node
                resource.failures.append(failure)
            case (.stop, .succeeded):
                resource.status = .stopped
                resource.node = nil
            case (.stop, .failed):
                resource.status = .blocked
                resource.node = action.node
                resource.failures.append(failure)
                // It may still run there: with fencing, the node is fenced rather than the group left blocked.
                if spec.fences, state.fence(of: action.node) == nil {
                    state.nodes[action.node, default: NodeState()].fence = .needed(
                        "stop of \(name) failed on \(action.node)")
                }
            case (.probe, .failed) where outcome.code == 0:
                resource.status = .started
                resource.node = action.node
                // The group's first member found running where no other member runs: the group is adopted there
                // (an engine started again while its services ran). A second instance is not.
                // A group that waited is found running: the wait is over, it runs there.
                if let group = action.group, let members = spec.group(named: group)?.resources,
                    members.first?.name == name,
                    !members.contains(where: { self.state(of: $0.name).activeNode.map { $0 != action.node } ?? false })
                {
                    state.groups[group, default: GroupState()].node = action.node
                    if state.state(of: group).waiting != nil {
                        state.groups[group]?.waiting = nil
                        state.groups[group]?.stopped = false
                    }
                }
            case (.probe, .failed):
                resource.failures.append(failure)
            default:
                continue
            }
            state.resources[name] = resource
        }
        // The new configuration's first plan started what a configuration change stopped: where it ran no longer
        // matters.
        if plan.trigger == .reconfigured {
            for name in state.groups.keys { state.groups[name]?.restartOn = nil }
        }
        // What a lost node ran counts as stopped once its plan ran, whether or not it started elsewhere, so the
        // state never shows a resource running on a node that is gone. A group with a member blocked there is kept
        // as it is: that member may still run, and so may the rest of its group, until the node is fenced or an
        // administrator cleans it up. What a node in maintenance ran is left as it was.
        for (name, resource) in state.resources {
            guard let node = resource.node, state.status(of: node) == .lost, state.fence(of: node) == nil,
                !state.inMaintenance(node),
                resource.status != .blocked,
                let (group, _) = spec.groupAndResource(named: name),
                !group.resources.contains(where: {
                    let member = state.state(of: $0.name)
                    return member.status == .blocked && member.node == node
                })
            else { continue }
            state.resources[name] = ResourceState(failures: resource.failures)
        }
        return state.withRoles(spec)
    }

    /// `node` is off: fenced, or an administrator swore it is. It counts as lost, everything it ran, blocked or not,
    /// as stopped, and the failures on record there are forgotten: the machine starts afresh when it returns (a
    /// fenced node's history is cleared in Pacemaker too).
    mutating func markFenced(_ node: NodeName) {
        nodes[node, default: NodeState()].status = .lost
        nodes[node]?.fence = nil
        for (name, resource) in resources {
            let kept = resource.failures.filter { $0.node != node }
            if resource.node == node {
                resources[name] = ResourceState(failures: kept)
            } else if kept.count < resource.failures.count {
                resources[name]?.failures = kept
            }
        }
    }
}
