/// Collects a plan's actions while the planner walks the groups, then numbers them.
struct PlanBuilder {
    struct Draft {
        var kind: ActionKind
        var node: NodeName
        var group: GroupName?
        var resource: ResourceName?
        var target: NodeName?
        var timeout: Duration
        var interval: Duration?
        var reason: String
        var waits: [(draft: Int, why: String)] = []
        var fence: FencePlan? = nil
        var replaces: NodeName? = nil
    }

    /// The stops and starts of one group in this plan, as draft numbers in execution order.
    struct GroupActions {
        var stops: [Int] = []
        var starts: [Int] = []
    }

    let spec: ClusterSpec
    let state: ClusterState
    let trigger: Trigger
    let index: SpecIndex
    let placement: Placement
    let senior: NodeName?
    var drafts: [Draft] = []
    var fences: [NodeName: Int] = [:]
    var probes: [ResourceName: [Int]] = [:]
    var probed: Set<String> = []
    /// Notes of this plan besides placement's.
    var notes: [String] = []
    private var done: [GroupName: GroupActions] = [:]

    init(spec: ClusterSpec, state: ClusterState, trigger: Trigger, index: SpecIndex, placement: Placement) {
        self.spec = spec
        self.state = state
        self.trigger = trigger
        self.index = index
        self.placement = placement
        senior = spec.nodesBySeniority.first { state.status(of: $0.name) != .lost }?.name
    }

    mutating func build() {
        guard senior != nil else { return }
        let probed: [NodeName]
        switch trigger {
        case .nodeJoined(let node): probed = [node]
        case .formed: probed = spec.nodes.map(\.name).filter { state.status(of: $0) == .online }
        default: probed = []
        }
        for node in probed {
            for group in spec.groups {
                for resource in group.resources {
                    addProbe(
                        resource, of: group.name, on: node,
                        reason: trigger == .formed
                            ? "the cluster formed: find out whether \(resource.name) runs on \(node)"
                            : "\(node) joined: find out whether \(resource.name) runs there")
                }
            }
        }
        switch trigger {
        case .maintenance(let scope, on: false): probeAfterMaintenance(scope)
        case .maintenance(_, on: true): cancelUnmanagedMonitors()
        default: break
        }
        // A cleaned-up resource may run anywhere its failures were (a stop that failed left it there): it is found
        // again on every online node before anything starts it.
        if case .cleanup(let name) = trigger, let (group, resource) = spec.groupAndResource(named: name) {
            for node in spec.nodes.map(\.name) where state.status(of: node) == .online {
                addProbe(
                    resource, of: group.name, on: node,
                    reason: "\(name) was cleaned up: find out whether it runs on \(node)")
            }
        }
        // Every node to be fenced is, whether or not anything waits for it.
        if spec.fences {
            for node in spec.nodes.map(\.name) where state.fence(of: node)?.isNeeded ?? false {
                _ = fence(node)
            }
        }
        for group in groupsInOrder()
        where !placement.blocked.contains(group.name) && !placement.unmanaged.contains(group.name) {
            planGroup(group)
        }
    }

    /// What a maintenance covered is found again before anything is done: every resource on the node, or the
    /// group's members on every node that is heard, or everything everywhere.
    private mutating func probeAfterMaintenance(_ scope: MaintenanceScope) {
        let heard = spec.nodes.map(\.name).filter { state.status(of: $0) != .lost }
        let nodes: [NodeName]
        switch scope {
        case .node(let node): nodes = heard.filter { $0 == node }
        case .cluster, .group: nodes = heard
        }
        for node in nodes {
            for group in spec.groups {
                if case .group(let name) = scope, name != group.name { continue }
                for resource in group.resources {
                    addProbe(
                        resource, of: group.name, on: node,
                        reason: "maintenance of \(scope) ended: find out whether \(resource.name) runs on \(node)")
                }
            }
        }
    }

    /// Baton stops watching what it no longer manages: the monitors of unmanaged groups' members are cancelled.
    private mutating func cancelUnmanagedMonitors() {
        for group in spec.groups where placement.unmanaged.contains(group.name) {
            for (resource, record) in zip(group.resources, placement.resourceStates[group.name]!) {
                guard let node = record.activeNode, record.status == .started, let monitor = resource.monitor,
                    !state.isCutOff(node)
                else { continue }
                _ = add(
                    Draft(
                        kind: .cancelMonitor, node: node, group: group.name, resource: resource.name, timeout: .zero,
                        interval: monitor.effectiveInterval, reason: "\(trigger): Baton no longer watches it"))
            }
        }
    }

    /// Groups sorted so that `first` comes before `then` of every order rule, otherwise in file order.
    private func groupsInOrder() -> [GroupSpec] {
        let byName = Dictionary(spec.groups.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var remaining = byName.mapValues { index.firsts[$0.name]?.count ?? 0 }
        var sorted = spec.groups.filter { remaining[$0.name] == 0 }
        var next = 0
        while next < sorted.count {
            let group = sorted[next]
            next += 1
            for then in index.thens[group.name] ?? [] {
                remaining[then]! -= 1
                if remaining[then] == 0 { sorted.append(byName[then]!) }
            }
        }
        return sorted
    }

    private mutating func planGroup(_ group: GroupSpec) {
        let target = placement.nodes[group.name]
        // Placement looked every group's resource states up already.
        let states = placement.resourceStates[group.name]!
        let current = states.compactMap(\.activeNode).first
        let firstGroups = index.firsts[group.name] ?? []
        let firstDraft = drafts.count
        let restartedFirst = firstGroups.first { !(done[$0]?.stops.isEmpty ?? true) }
        var restartFrom = group.resources.count
        if let target {
            restartFrom = states.firstIndex { !($0.status == .started && $0.node == target) } ?? restartFrom
        }
        if restartedFirst != nil { restartFrom = 0 }
        let reason = cause(group, states, from: current, to: target, restartFrom: restartFrom, after: restartedFirst)
        var actions = GroupActions()
        var lostNodes: Set<NodeName> = []

        for index in group.resources.indices.reversed() {
            guard let node = states[index].activeNode, node != target || index >= restartFrom else { continue }
            let name = group.resources[index].name
            if state.isCutOff(node) {
                lostNodes.insert(node)
                continue
            }
            var waits: [(Int, String)] = actions.stops.last.map { [($0, "group order")] } ?? []
            // A probe may find the resource running on a returning node; stop nothing until it has answered.
            waits += (probes[name] ?? []).map { ($0, "probe") }
            if states[index].status != .failed, let monitor = group.resources[index].monitor {
                let cancel = add(
                    Draft(
                        kind: .cancelMonitor, node: node, group: group.name, resource: name, timeout: .zero,
                        interval: monitor.effectiveInterval, reason: reason))
                waits.append((cancel, "its monitor is cancelled first"))
            }
            actions.stops.append(
                add(
                    Draft(
                        kind: .stop, node: node, group: group.name, resource: name,
                        timeout: group.resources[index].stopTimeout.value, reason: reason, waits: waits)))
        }
        // This group is `then` of each of `firstGroups`: it stops before them.
        for first in firstGroups {
            guard let theirFirstStop = done[first]?.stops.first, let ourLastStop = actions.stops.last else { continue }
            drafts[theirFirstStop].waits.append((ourLastStop, "order: \(group.name) stops before \(first)"))
        }

        // Nothing of the group starts before every node that may still run a member is confirmed dead or fenced.
        var confirmations: [(Int, String)] = []
        for node in lostNodes.sorted() where target != nil {
            guard let fence = fence(node) else {
                notes.append("\(group.name) does not start: no node can fence \(node)")
                confirmations = []
                break
            }
            confirmations.append((fence, spec.fences ? "\(node) fenced" : "\(node) confirmed dead"))
        }
        // A configuration change stops with the old configuration; what starts, starts with the new one.
        let stopsOnly = if case .reconfiguration = trigger { true } else { false }
        if let target, confirmations.count == lostNodes.count, !stopsOnly {
            let neverRan = state.state(of: group.name).generation == 0
            let onlineNodes = neverRan ? spec.nodes.map(\.name).filter { state.status(of: $0) == .online } : []
            for index in group.resources.indices where index >= restartFrom {
                let name = group.resources[index].name
                var waits: [(Int, String)] = []
                if let previous = actions.starts.last {
                    waits.append((previous, "group order"))
                } else {
                    if let lastStop = actions.stops.last { waits.append((lastStop, "stop before start")) }
                    waits += confirmations
                    for first in firstGroups {
                        if let theirLastStart = done[first]?.starts.last {
                            waits.append((theirLastStart, "order: after \(first)"))
                        }
                    }
                }
                for node in onlineNodes {
                    addProbe(
                        group.resources[index], of: group.name, on: node,
                        reason: "\(name) has never run: make sure it runs nowhere before its first start")
                }
                waits += (probes[name] ?? []).map { ($0, "probe") }
                let previous = states[index].activeNode.flatMap { lostNodes.contains($0) ? $0 : nil }
                let start = add(
                    Draft(
                        kind: .start, node: target, group: group.name, resource: name,
                        timeout: group.resources[index].startTimeout.value, reason: reason, waits: waits,
                        replaces: previous))
                actions.starts.append(start)
                if let monitor = group.resources[index].monitor {
                    _ = add(
                        Draft(
                            kind: .monitor, node: target, group: group.name, resource: name,
                            timeout: monitor.effectiveTimeout, interval: monitor.effectiveInterval, reason: reason,
                            waits: [(start, "after start")]))
                }
            }
        }
        // The handler hears of every group that changes, even one that only stopped because its node was lost.
        if !actions.stops.isEmpty || !actions.starts.isEmpty || current != target {
            addNotify(group, since: firstDraft, reason: reason)
        }
        done[group.name] = actions
    }
}
