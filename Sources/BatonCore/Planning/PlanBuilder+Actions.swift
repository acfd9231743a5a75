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

    /// The step that makes what `node` ran safe to start elsewhere, added once: its fence, or without fencing a
    /// fence-needed step that succeeds at once. `nil` when no node can fence it (every other node is cut off, or
    /// reaches no tiebreaker target), or its fence failed already.
    mutating func fence(_ node: NodeName) -> Int? {
        if let existing = fences[node] { return existing }
        guard let fencing = spec.fencing, fencing.isEnabled else {
            let draft = add(
                Draft(
                    kind: .fenceNeeded, node: senior!, target: node, timeout: .zero,
                    reason: "\(node) was lost: what it ran counts as stopped on membership alone (no fencing is "
                        + "configured)"))
            fences[node] = draft
            return draft
        }
        // A node that reaches no tiebreaker target fences no one (as with fence_heuristics_ping as a first level): it
        // may be the one cut off, and the node it would fence the one that still serves.
        let fencers = spec.nodesBySeniority.map(\.name).filter {
            $0 != node && !state.isCutOff($0) && !state.reachesNoTiebreaker($0, in: spec)
        }
        guard case .needed(let why)? = state.fence(of: node) ?? .needed("\(node) was lost"), let fencer = fencers.first
        else { return nil }
        let (delay, because) = fenceDelay(of: fencer, before: node, fencing)
        var reason = why + ": what it ran starts elsewhere only once it is fenced"
        if let because { reason += "; \(because), so it waits \(delay.configText) first" }
        let draft = add(
            Draft(
                kind: .fence, node: fencer, target: node, timeout: fencing.budget(of: node) + delay, reason: reason,
                fence: FencePlan(action: fencing.action, levels: fencing.levels(of: node), delay: delay)))
        fences[node] = draft
        return draft
    }

    /// How long `fencer` waits before it fences `target`: nothing when it holds more groups (or as many, and is more
    /// senior), so that in a fence race the node that runs the groups fences first and survives. Only a lost target
    /// can race: one that is heard (a stop failed there, an administrator asked) is fenced at once.
    /// - Returns: the delay, and why there is one (`nil` when there is none).
    private func fenceDelay(of fencer: NodeName, before target: NodeName, _ fencing: FencingSpec)
        -> (Duration, String?)
    {
        guard state.status(of: target) == .lost, fencing.delay.value > .zero else { return (.zero, nil) }
        func holdings(_ node: NodeName) -> Int {
            spec.groups.count { group in
                group.resources.contains { state.state(of: $0.name).activeNode == node }
            }
        }
        let (mine, theirs) = (holdings(fencer), holdings(target))
        if mine < theirs { return (fencing.delay.value, "\(fencer) holds fewer groups than \(target)") }
        let seniority = spec.nodesBySeniority.map(\.name)
        guard mine == theirs, seniority.firstIndex(of: fencer)! > seniority.firstIndex(of: target)! else {
            return (.zero, nil)
        }
        return (fencing.delay.value, "\(fencer) holds as many groups as \(target) and is less senior")
    }

    /// Tells the administrator's handler what happened to `group` once all its actions, drafted from `first` on,
    /// are done.
    mutating func addNotify(_ group: GroupSpec, since first: Int, reason: String) {
        let isMine = { (draft: Draft) in draft.kind != .probe && draft.group == group.name }
        var awaited = [Bool](repeating: false, count: drafts.count - first)
        for draft in drafts[first...] where isMine(draft) {
            for wait in draft.waits where wait.draft >= first { awaited[wait.draft - first] = true }
        }
        let why = "after \(group.name)'s actions"
        let waits = drafts.indices[first...].filter { !awaited[$0 - first] && isMine(drafts[$0]) }.map { ($0, why) }
        _ = add(Draft(kind: .notify, node: senior!, group: group.name, timeout: .zero, reason: reason, waits: waits))
    }

    /// Numbers the drafts in an order that respects every edge: by step (the longest chain of edges leading to an
    /// action), then in the order they were added.
    ///
    /// Flat arrays throughout: a node-loss plan of 5,000 groups has 100,000 actions, and arrays per action made
    /// numbering a third of planning.
    func finish() -> Plan {
        let count = drafts.count
        // An edge written twice counts once; most actions wait for one to three others, so a linear check is cheapest.
        func isFirst(_ position: Int, of waits: [(draft: Int, why: String)]) -> Bool {
            !waits[..<position].contains { $0.draft == waits[position].draft }
        }
        // Who waits for each draft, as one array cut into ranges (`start[draft]..<start[draft + 1]`).
        var start = [Int](repeating: 0, count: count + 1)
        var missing = [Int](repeating: 0, count: count)
        for index in 0..<count {
            let waits = drafts[index].waits
            for position in waits.indices where isFirst(position, of: waits) {
                start[waits[position].draft + 1] += 1
                missing[index] += 1
            }
        }
        for index in 0..<count { start[index + 1] += start[index] }
        var dependents = [Int](repeating: 0, count: start[count])
        var filled = start
        for index in 0..<count {
            let waits = drafts[index].waits
            for position in waits.indices where isFirst(position, of: waits) {
                dependents[filled[waits[position].draft]] = index
                filled[waits[position].draft] += 1
            }
        }
        var step = [Int](repeating: 1, count: count)
        var queue = (0..<count).filter { missing[$0] == 0 }
        queue.reserveCapacity(count)
        var next = 0
        while next < queue.count {
            let index = queue[next]
            next += 1
            for dependent in dependents[start[index]..<start[index + 1]] {
                step[dependent] = max(step[dependent], step[index] + 1)
                missing[dependent] -= 1
                if missing[dependent] == 0 { queue.append(dependent) }
            }
        }
        precondition(queue.count == count, "the plan's edges form a cycle")
        // By step, then in the order drafted: a counting sort, as steps are few.
        var firstOfStep = [Int](repeating: 0, count: (step.max() ?? 0) + 2)
        for index in 0..<count { firstOfStep[step[index] + 1] += 1 }
        for value in firstOfStep.indices.dropFirst() { firstOfStep[value] += firstOfStep[value - 1] }
        var number = [Int](repeating: 0, count: count)
        var order = [Int](repeating: 0, count: count)
        for index in 0..<count {
            number[index] = firstOfStep[step[index]] + 1
            order[firstOfStep[step[index]]] = index
            firstOfStep[step[index]] += 1
        }
        var actions: [PlannedAction] = []
        actions.reserveCapacity(count)
        for index in order {
            let waits = drafts[index].waits
            var dependencies: [Dependency] = []
            dependencies.reserveCapacity(waits.count)
            for position in waits.indices where isFirst(position, of: waits) {
                dependencies.append(Dependency(action: number[waits[position].draft], why: waits[position].why))
            }
            dependencies.sort { $0.action < $1.action }
            var action = PlannedAction(
                id: number[index], kind: drafts[index].kind, node: drafts[index].node, group: drafts[index].group,
                resource: drafts[index].resource, target: drafts[index].target, timeout: drafts[index].timeout,
                interval: drafts[index].interval, reason: drafts[index].reason, waits: dependencies,
                step: step[index], fence: drafts[index].fence)
            action.replaces = drafts[index].replaces
            actions.append(action)
        }
        var placed: [GroupName: NodeName?] = [:]
        for group in spec.groups { placed[group.name] = .some(placement.nodes[group.name]) }
        var notes = spec.groups.compactMap { placement.notes[$0.name] } + self.notes
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
        case .standby, .online, .switchover, .stopGroup, .startGroup, .cleanup, .fence, .fenceConfirmed, .maintenance,
            .reconfiguration, .reconfigured:
            return Detection(.zero, "administrator request")
        case .tiebreaker:
            return Detection(spec.tiebreaker?.timeout.value ?? .zero, "tiebreaker timeout")
        case .replan:
            return Detection(.zero, "re-plan")
        case .formed:
            return Detection(spec.heartbeat.initdead.value, "initdead, at most")
        }
    }
}
