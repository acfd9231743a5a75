/// Where every group should run, decided from the configuration and a state; the first half of planning.
///
/// Groups that must run together are placed as one unit. A unit stays where it runs while its node may still run
/// it (and, with `failback: auto`, while that node is its most preferred one); units that must move, or are not
/// running, take their most preferred allowed node in file order, never one an `apart` partner already holds.
/// A group ordered after a group that cannot run cannot run either.
struct Placement {
    /// The node each placed group runs on once the plan is done.
    var nodes: [GroupName: NodeName] = [:]
    /// Why each group that is not placed, is blocked or is unmanaged stays as it is.
    var notes: [GroupName: String] = [:]
    /// Groups with a failed stop: they start nowhere and nothing is done to them.
    var blocked: Set<GroupName> = []
    /// Groups on a node in maintenance: nothing is done to them.
    var unmanaged: Set<GroupName> = []

    init(_ spec: ClusterSpec, _ state: ClusterState, index: SpecIndex) {
        var units = DisjointSets(spec.groups.map(\.name))
        for rule in spec.colocation where rule.kind == .together {
            for name in rule.groups.dropFirst() { units.union(rule.groups[0].value, name.value) }
        }
        var members: [GroupName: [GroupSpec]] = [:]
        var unitOrder: [GroupName] = []
        for group in spec.groups where !settle(group, state) {
            let unit = units.representative(of: group.name)
            if members[unit] == nil { unitOrder.append(unit) }
            members[unit, default: []].append(group)
        }
        var pending: [[GroupSpec]] = []
        for unit in unitOrder {
            let groups = members[unit]!
            if let node = Self.stayingNode(groups, spec, state), !conflicts(groups, node, index) {
                assign(groups, to: node)
            } else {
                pending.append(groups)
            }
        }
        for groups in pending {
            let preferences = Self.preferences(groups, spec, state)
            if let node = preferences.first(where: {
                Self.refusal(groups, on: $0, spec, state) == nil && !conflicts(groups, $0, index)
            }) {
                assign(groups, to: node)
            } else {
                let reason = Self.whyNowhere(groups, preferences, spec, state, index: index, placement: self)
                for group in groups { notes[group.name] = reason }
            }
        }
        applyOrder(spec)
    }

    /// Records blocked and unmanaged groups, which keep their place; returns whether `group` was one.
    private mutating func settle(_ group: GroupSpec, _ state: ClusterState) -> Bool {
        let states = group.resources.map { ($0.name, state.state(of: $0.name)) }
        if let (name, resource) = states.first(where: { $0.1.status == .blocked }), let node = resource.node {
            blocked.insert(group.name)
            nodes[group.name] = node
            notes[group.name] =
                "\(group.name) is blocked: stop of \(name) failed on \(node); it starts nowhere until \(node) is fenced "
                + "or an administrator runs 'baton cleanup \(name)'"
            return true
        }
        if let node = states.compactMap(\.1.activeNode).first, state.status(of: node) == .maintenance {
            unmanaged.insert(group.name)
            nodes[group.name] = node
            notes[group.name] = "\(group.name) is unmanaged: \(node) is in maintenance"
            return true
        }
        return false
    }

    private mutating func assign(_ groups: [GroupSpec], to node: NodeName) {
        for group in groups { nodes[group.name] = node }
    }

    private func conflicts(_ groups: [GroupSpec], _ node: NodeName, _ index: SpecIndex) -> Bool {
        groups.contains { group in index.apartPartners[group.name, default: []].contains { nodes[$0] == node } }
    }

    /// A group ordered after a group that does not run does not run either; repeated until nothing changes.
    private mutating func applyOrder(_ spec: ClusterSpec) {
        var changed = true
        while changed {
            changed = false
            for rule in spec.order where nodes[rule.first.value] == nil && nodes[rule.then.value] != nil {
                guard !blocked.contains(rule.then.value), !unmanaged.contains(rule.then.value) else { continue }
                nodes[rule.then.value] = nil
                notes[rule.then.value] = "\(rule.then.value) is ordered after \(rule.first.value), which does not run"
                changed = true
            }
        }
    }

    /// The node a unit runs on now, if it may keep running there.
    private static func stayingNode(_ groups: [GroupSpec], _ spec: ClusterSpec, _ state: ClusterState) -> NodeName? {
        let current = Set(groups.flatMap { $0.resources.compactMap { state.state(of: $0.name).activeNode } })
        guard current.count == 1, let node = current.first, refusal(groups, on: node, spec, state) == nil else {
            return nil
        }
        let wanted = preferences(groups, spec, state).first { refusal(groups, on: $0, spec, state) == nil }
        let pinnedElsewhere = groups.contains { state.state(of: $0.name).pinned.map { $0 != node } ?? false }
        let returnsHome = groups.contains { $0.failback == .auto } && wanted != node
        return pinnedElsewhere || returnsHome ? nil : node
    }

    /// Where a unit would like to run, best first: the node an administrator switched it to, then its candidates.
    static func preferences(_ groups: [GroupSpec], _ spec: ClusterSpec, _ state: ClusterState) -> [NodeName] {
        let pinned = groups.compactMap { state.state(of: $0.name).pinned }
        var seen: Set<NodeName> = []
        return (pinned + spec.candidates(for: groups[0])).filter { seen.insert($0).inserted }
    }

    /// Why no group of a unit may run on `node`, or `nil` when all may.
    static func refusal(_ groups: [GroupSpec], on node: NodeName, _ spec: ClusterSpec, _ state: ClusterState) -> String?
    {
        switch state.status(of: node) {
        case .lost: return "\(node) was lost"
        case .standby: return "\(node) is in standby"
        case .maintenance: return "\(node) is in maintenance"
        case .online: break
        }
        for group in groups {
            if state.state(of: group.name).stopped {
                return "\(group.name) is stopped until an administrator starts it"
            }
            if !spec.candidates(for: group).contains(node) { return "\(node) is not among the nodes of \(group.name)" }
            for resource in group.resources {
                if let reason = refusal(resource, on: node, state) { return reason }
            }
        }
        return nil
    }

    /// Why a resource's failures keep it off `node`, or `nil`.
    static func refusal(_ resource: ResourceSpec, on node: NodeName, _ state: ClusterState) -> String? {
        let failures = state.state(of: resource.name).failures
        if let fatal = failures.first(where: { OCFExitCode.isFatal($0.code) }) {
            return "\(resource.name) is not configured (exit \(fatal.code) on \(fatal.node)); "
                + "fix its parameters and run 'baton cleanup \(resource.name)'"
        }
        let here = failures.filter { $0.node == node }
        if let hard = here.first(where: { OCFExitCode.isHardError($0.code) }) {
            return "\(resource.name) cannot run on \(node) (\(OCFExitCode.describe(hard.code)))"
        }
        if let start = here.first(where: { $0.action == "start" || $0.action == "probe" }) {
            return "\(start.action) of \(resource.name) failed on \(node) (\(OCFExitCode.describe(start.code)))"
        }
        guard resource.onFail != .ignore else { return nil }
        let window = resource.restartWindow.value
        let count = state.state(of: resource.name).failureCount(on: node, within: window, before: state.time)
        let limit = resource.onFail == .restart ? resource.effectiveMaxRestarts : 0
        guard count > limit else { return nil }
        return resource.onFail == .restart
            ? "\(resource.name) failed \(count == 1 ? "once" : "\(count) times") on \(node) within \(window.configText) "
                + "(max-restarts \(limit))"
            : "\(resource.name) failed on \(node) (on-fail: \(resource.onFail.rawValue))"
    }

    private static func whyNowhere(
        _ groups: [GroupSpec], _ preferences: [NodeName], _ spec: ClusterSpec, _ state: ClusterState, index: SpecIndex,
        placement: Placement
    ) -> String {
        let names = groups.map(\.name.rawValue).joined(separator: " and ")
        if let stopped = groups.first(where: { state.state(of: $0.name).stopped }) {
            return "\(stopped.name) stays stopped until an administrator starts it"
        }
        let reasons = preferences.map { node in
            refusal(groups, on: node, spec, state)
                ?? "\(node) runs \(groups.flatMap { index.apartPartners[$0.name, default: []] }.filter { placement.nodes[$0] == node }.map(\.rawValue).joined(separator: ", ")), kept apart"
        }
        var seen: Set<String> = []
        return "\(names) can run nowhere: \(reasons.filter { seen.insert($0).inserted }.joined(separator: "; "))"
    }
}

/// Lookups over a specification that planning needs many times.
struct SpecIndex {
    /// The groups each group is kept apart from.
    let apartPartners: [GroupName: [GroupName]]
    /// For each group, the groups it is ordered after (`first` of a rule whose `then` it is), in file order.
    let firsts: [GroupName: [GroupName]]
    /// For each group, the groups ordered after it, in file order.
    let thens: [GroupName: [GroupName]]

    init(_ spec: ClusterSpec) {
        var partners: [GroupName: [GroupName]] = [:]
        for rule in spec.colocation where rule.kind == .apart {
            for group in rule.groups {
                partners[group.value, default: []] += rule.groups.map(\.value).filter { $0 != group.value }
            }
        }
        apartPartners = partners
        var firsts: [GroupName: [GroupName]] = [:]
        var thens: [GroupName: [GroupName]] = [:]
        for rule in spec.order {
            firsts[rule.then.value, default: []].append(rule.first.value)
            thens[rule.first.value, default: []].append(rule.then.value)
        }
        self.firsts = firsts
        self.thens = thens
    }
}
