extension PlanBuilder {
    /// Adds a draft and returns its number.
    mutating func add(_ draft: Draft) -> Int {
        drafts.append(draft)
        return drafts.count - 1
    }

    /// Adds a probe of `resource` on `node` once; every start of the resource waits for it.
    mutating func addProbe(_ resource: ResourceSpec, of group: GroupName, on node: NodeName, reason: String) {
        guard probed.insert("\(resource.name)@\(node)").inserted else { return }
        let timeout = resource.monitor?.effectiveTimeout ?? MonitorSettings.defaultTimeout
        probes[resource.name, default: []].append(
            add(
                Draft(kind: .probe, node: node, group: group, resource: resource.name, timeout: timeout, reason: reason)
            ))
    }

    /// The fence-needed step for a lost node, added once.
    mutating func fence(_ node: NodeName) -> Int {
        if let existing = fences[node] { return existing }
        let draft = add(
            Draft(
                kind: .fenceNeeded, node: senior!, target: node, timeout: .zero,
                reason: "\(node) was lost: what it ran counts as stopped on membership alone (no fencing is configured)"
            ))
        fences[node] = draft
        return draft
    }

    /// Tells the administrator's handler what happened to `group` once all its actions, drafted from `first` on,
    /// are done.
    mutating func addNotify(_ group: GroupSpec, since first: Int, reason: String) {
        let mine = drafts.indices[first...].filter { drafts[$0].group == group.name && drafts[$0].kind != .probe }
        let awaited = Set(mine.flatMap { drafts[$0].waits.map(\.draft) })
        let leaves = mine.filter { !awaited.contains($0) }
        _ = add(
            Draft(
                kind: .notify, node: senior!, group: group.name, timeout: .zero, reason: reason,
                waits: leaves.map { ($0, "after \(group.name)'s actions") }))
    }

    /// Numbers the drafts in an order that respects every edge: by step (the longest chain of edges leading to an
    /// action), then in the order they were added.
    func finish() -> Plan {
        // Edges deduplicated once; most actions wait for one to three others, so a linear check is cheapest.
        let edges = drafts.indices.map { index in
            drafts[index].waits.reduce(into: [(draft: Int, why: String)]()) { unique, wait in
                if !unique.contains(where: { $0.draft == wait.draft }) { unique.append(wait) }
            }
        }
        var dependents = [[Int]](repeating: [], count: drafts.count)
        var missing = edges.map(\.count)
        for (index, waits) in edges.enumerated() {
            for wait in waits { dependents[wait.draft].append(index) }
        }
        var step = [Int](repeating: 1, count: drafts.count)
        var queue = drafts.indices.filter { missing[$0] == 0 }
        var next = 0
        while next < queue.count {
            let index = queue[next]
            next += 1
            for dependent in dependents[index] {
                step[dependent] = max(step[dependent], step[index] + 1)
                missing[dependent] -= 1
                if missing[dependent] == 0 { queue.append(dependent) }
            }
        }
        precondition(queue.count == drafts.count, "the plan's edges form a cycle")
        let order = drafts.indices.sorted { step[$0] != step[$1] ? step[$0] < step[$1] : $0 < $1 }
        var number = [Int](repeating: 0, count: drafts.count)
        for (position, index) in order.enumerated() { number[index] = position + 1 }
        let actions = order.map { index in
            let draft = drafts[index]
            let waits = edges[index].map { Dependency(action: number[$0.draft], why: $0.why) }.sorted {
                $0.action < $1.action
            }
            return PlannedAction(
                id: number[index], kind: draft.kind, node: draft.node, group: draft.group, resource: draft.resource,
                target: draft.target, timeout: draft.timeout, interval: draft.interval, reason: draft.reason,
                waits: waits,
                step: step[index])
        }
        var placed: [GroupName: NodeName?] = [:]
        for group in spec.groups { placed[group.name] = .some(placement.nodes[group.name]) }
        var notes = spec.groups.compactMap { placement.notes[$0.name] }
        if senior == nil { notes.append("no node is alive: nothing can run") }
        return Plan(
            trigger: trigger, senior: senior, actions: actions, placement: placed, notes: notes, detection: detection)
    }

    /// How long the trigger takes to notice, and what sets that time.
    var detection: Detection {
        switch trigger {
        case .nodeLost:
            return Detection(spec.heartbeat.deadtime.value, "deadtime")
        case .nodeJoined:
            return Detection(spec.heartbeat.interval.value, "heartbeat interval")
        case .resourceFailed(let name, _, _):
            guard let monitor = spec.groupAndResource(named: name)?.1.monitor else {
                return Detection(.zero, "reported failure")
            }
            return Detection(
                monitor.effectiveInterval + monitor.effectiveTimeout,
                "monitor interval \(monitor.effectiveInterval.configText) + timeout \(monitor.effectiveTimeout.configText)"
            )
        case .standby, .online, .switchover, .stopGroup, .startGroup, .cleanup:
            return Detection(.zero, "administrator request")
        case .replan:
            return Detection(.zero, "re-plan")
        case .formed:
            return Detection(spec.heartbeat.initdead.value, "initdead, at most")
        }
    }
}
