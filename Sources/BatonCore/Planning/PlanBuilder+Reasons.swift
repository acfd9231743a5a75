extension PlanBuilder {
    /// Why a group's actions are in the plan, in words an administrator reads in the dry-run.
    func cause(
        _ group: GroupSpec, _ states: [ResourceState], from current: NodeName?, to target: NodeName?, restartFrom: Int,
        after first: GroupName?
    )
        -> String
    {
        let name = group.name
        guard let target else {
            if case .stopGroup(name) = trigger { return "\(name) stops: an administrator stopped it" }
            if case .resourceFailed(let resource, let node, let code) = trigger, state.state(of: name).stopped,
                group.resources.contains(where: { $0.name == resource && $0.onFail == .stop })
            {
                return
                    "\(name) stops: \(resource) failed on \(node) (\(OCFExitCode.describe(code))) and has on-fail: stop"
            }
            return placement.notes[name].map { "\(name) stops: \($0)" } ?? "\(name) stops"
        }
        guard let current else {
            if case .startGroup(name) = trigger { return "an administrator started \(name)" }
            if state.state(of: name).generation == 0 { return "\(name) starts for the first time, on \(target)" }
            return "\(name) is not running; it starts on \(target)"
        }
        if current != target {
            if case .switchover(name, _) = trigger { return "\(name) moves to \(target): an administrator switched it" }
            if let refusal = Placement.refusal(
                [Placement.Member(group: group, states: states)], on: current, spec, state)
            {
                return "\(name) moves because \(refusal)"
            }
            if group.failback == .auto { return "\(name) returns to \(target) (failback: auto)" }
            return "\(name) moves to \(target)"
        }
        if let first { return "\(name) restarts because \(first) restarts, and \(name) is ordered after it" }
        guard restartFrom < group.resources.count else { return "\(name) stays on \(target)" }
        let resource = group.resources[restartFrom]
        let record = state.state(of: resource.name)
        guard record.status == .failed, let failure = record.failures.last(where: { $0.node == current }) else {
            return "\(resource.name) is not running on \(target); \(name) restarts from it"
        }
        let count = record.failureCount(on: current, within: resource.restartWindow.value, before: state.time)
        return "\(resource.name) failed on \(current) (\(OCFExitCode.describe(failure.code))); restart \(count) of "
            + "\(resource.effectiveMaxRestarts) within \(resource.restartWindow.value.configText)"
    }
}
