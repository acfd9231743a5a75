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
    /// Groups in maintenance, or with a member on a node in maintenance: nothing is done to them.
    var unmanaged: Set<GroupName> = []
    /// The states of each group's resources, in list order, as placement looked them up; the planner reuses them.
    var resourceStates: [GroupName: [ResourceState]] = [:]

    init(_ spec: ClusterSpec, _ state: ClusterState, index: SpecIndex) {
        var units = DisjointSets(spec.groups.map(\.name))
        for rule in spec.colocation where rule.kind == .together {
            for name in rule.groups.dropFirst() { units.union(rule.groups[0].value, name.value) }
        }
        var members: [GroupName: [Member]] = [:]
        var unitOrder: [GroupName] = []
        resourceStates.reserveCapacity(spec.groups.count)
        for group in spec.groups {
            // Each resource's state is looked up once: placement asks about it for every candidate node.
            let member = Member(group: group, states: group.resources.map { state.state(of: $0.name) })
            resourceStates[group.name] = member.states
            guard !settle(member, state) else { continue }
            let unit = units.representative(of: group.name)
            if members[unit] == nil { unitOrder.append(unit) }
            members[unit, default: []].append(member)
        }
        var pending: [[Member]] = []
        for unit in unitOrder {
            let unitMembers = members[unit]!
            if let (node, note) = Self.stayingNode(unitMembers, spec, state), !conflicts(unitMembers, node, index) {
                assign(unitMembers, to: node)
                if let note { for member in unitMembers { notes[member.group.name] = note } }
            } else {
                pending.append(unitMembers)
            }
        }
        for unitMembers in pending {
            let preferences = Self.preferences(unitMembers.map(\.group), spec, state)
            let allowed = preferences.first {
                Self.refusal(unitMembers, on: $0, spec, state) == nil && !conflicts(unitMembers, $0, index)
            }
            if let allowed {
                assign(unitMembers, to: allowed)
                noteRefusedSwitchovers(unitMembers, placedOn: allowed, spec, state)
            } else {
                let reason = Self.whyNowhere(unitMembers, preferences, spec, state, index: index, placement: self)
                for member in unitMembers { notes[member.group.name] = reason }
            }
        }
        applyOrder(spec)
    }

    /// A group with the states of its resources, in list order.
    struct Member {
        let group: GroupSpec
        let states: [ResourceState]
    }

    /// A group switched to a node that may not run it stays where placement put it; the plan says why.
    private mutating func noteRefusedSwitchovers(
        _ members: [Member], placedOn node: NodeName, _ spec: ClusterSpec, _ state: ClusterState
    ) {
        for member in members {
            guard let pinned = state.state(of: member.group.name).pinned, pinned != node,
                let refusal = Self.refusal(members, on: pinned, spec, state)
            else { continue }
            notes[member.group.name] =
                "\(member.group.name) runs on \(node), not on \(pinned) where it was switched: \(refusal)"
        }
    }

    /// Records blocked and unmanaged groups, which keep their place; returns whether `group` was one.
    private mutating func settle(_ member: Member, _ state: ClusterState) -> Bool {
        let group = member.group
        // A member on a node whose fence failed may still run there: the group starts nowhere.
        if let node = member.states.lazy.compactMap(\.activeNode).first(where: {
            state.fence(of: $0)?.isNeeded == false
        }) {
            blocked.insert(group.name)
            nodes[group.name] = node
            notes[group.name] =
                "\(group.name) is blocked: \(node) could not be fenced (\(state.fence(of: node)!.reason)); it starts "
                + "nowhere until 'baton fence \(node)' succeeds, or an administrator who has made sure \(node) is off "
                + "runs 'baton fence confirm \(node)'"
            return true
        }
        // A stop that failed on a node about to be fenced blocks nothing: the fence stops it.
        if let stuck = member.states.firstIndex(where: { $0.status == .blocked }), let node = member.states[stuck].node,
            !(state.fence(of: node)?.isNeeded ?? false)
        {
            let name = group.resources[stuck].name
            blocked.insert(group.name)
            nodes[group.name] = node
            notes[group.name] =
                "\(group.name) is blocked: stop of \(name) failed on \(node); it starts nowhere until \(node) is fenced "
                + "or an administrator runs 'baton cleanup \(name)'"
            return true
        }
        if let why = state.maintenance(of: group.name, states: member.states) {
            unmanaged.insert(group.name)
            nodes[group.name] = member.states.lazy.compactMap(\.activeNode).first
            notes[group.name] = "\(group.name) is unmanaged: \(why)"
            return true
        }
        return false
    }

    private mutating func assign(_ members: [Member], to node: NodeName) {
        for member in members { nodes[member.group.name] = node }
    }

    private func conflicts(_ members: [Member], _ node: NodeName, _ index: SpecIndex) -> Bool {
        members.contains { member in index.apartPartners[member.group.name]?.contains { nodes[$0] == node } ?? false }
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

    /// The node a unit runs on now, if it may keep running there: where its first active member runs. A member found
    /// elsewhere (a probe of a returning node found it there) is stopped there; it does not move the unit. With
    /// `failback: auto` it stays only while that node is the most preferred one, or while the preferred one has not
    /// been heard for `failback-delay` since it returned (the note says until when).
    private static func stayingNode(
        _ members: [Member], _ spec: ClusterSpec, _ state: ClusterState
    ) -> (node: NodeName, note: String?)? {
        let active = members.lazy.flatMap { $0.states.lazy.compactMap(\.activeNode) }
        // A group that a configuration change stopped starts again where it ran.
        let restart = members.lazy.compactMap { state.state(of: $0.group.name).restartOn }.first
        guard let node = active.first ?? restart, refusal(members, on: node, spec, state) == nil else { return nil }
        if members.contains(where: { state.state(of: $0.group.name).pinned.map { $0 != node } ?? false }) { return nil }
        let auto = members.map(\.group).filter { $0.failback == .auto }
        guard !auto.isEmpty else { return (node, nil) }
        let wanted = preferences(members.map(\.group), spec, state).first {
            refusal(members, on: $0, spec, state) == nil
        }
        guard let wanted, wanted != node else { return (node, nil) }
        let delay = auto.compactMap { $0.failbackDelay?.value }.max() ?? .zero
        if let since = state.nodes[wanted]?.heardSince, since.advanced(by: delay) > state.time {
            let left = Duration.milliseconds(since.advanced(by: delay).milliseconds - state.time.milliseconds)
            return (
                node,
                "\(auto[0].name) goes back to \(wanted) once it has been heard for failback-delay "
                    + "\(delay.configText) (\(left.configText) from now)"
            )
        }
        return nil
    }

    /// Where a unit would like to run, best first: the node an administrator switched it to, then its candidates.
    static func preferences(_ groups: [GroupSpec], _ spec: ClusterSpec, _ state: ClusterState) -> [NodeName] {
        let pinned = groups.compactMap { state.state(of: $0.name).pinned }
        // Candidates are unique (validation refuses a node listed twice), so without a switch they are the answer.
        if pinned.isEmpty { return spec.candidates(for: groups[0]) }
        var seen: Set<NodeName> = []
        return (pinned + spec.candidates(for: groups[0])).filter { seen.insert($0).inserted }
    }

    /// Why no group of a unit may run on `node`, or `nil` when all may; `tiebreaker: false` leaves the tiebreaker out.
    static func refusal(
        _ members: [Member], on node: NodeName, _ spec: ClusterSpec, _ state: ClusterState, tiebreaker: Bool = true
    ) -> String? {
        switch state.status(of: node) {
        case .lost: return "\(node) was lost"
        case .standby: return "\(node) is in standby"
        case .online: break
        }
        if state.inMaintenance(node) { return "\(node) is in maintenance" }
        if let fence = state.fence(of: node) {
            return fence.isNeeded ? "\(node) is to be fenced" : "\(node) could not be fenced"
        }
        if tiebreaker, let reason = tiebreakerRefusal(members, on: node, spec, state) { return reason }
        for member in members {
            let group = member.group
            if state.state(of: group.name).stopped {
                return "\(group.name) is stopped until an administrator starts it"
            }
            if let listed = group.nodes, !listed.contains(where: { $0.value == node }) {
                return "\(node) is not among the nodes of \(group.name)"
            }
            for index in group.resources.indices where !member.states[index].failures.isEmpty {
                if let reason = refusal(group.resources[index], member.states[index], on: node, at: state.time) {
                    return reason
                }
            }
        }
        return nil
    }

    /// Why a node that reaches no tiebreaker target may not run a unit: it hears no peer (it may be the node cut
    /// off, and a peer that reaches the tiebreaker takes the unit over), a node that reaches one could run it
    /// (Heartbeat's ipfail), or it would start the unit anew while a node is lost or away (a node that declined a start
    /// is put in standby before membership says it is lost). While every node is online and none reaches a target
    /// (the tiebreaker itself is down), what runs keeps running and may move between them.
    private static func tiebreakerRefusal(
        _ members: [Member], on node: NodeName, _ spec: ClusterSpec, _ state: ClusterState
    ) -> String? {
        guard state.reachesNoTiebreaker(node, in: spec) else { return nil }
        let nodes = spec.nodes.map(\.name)
        let heard = nodes.filter { $0 != node && state.status(of: $0) != .lost }
        guard !heard.isEmpty else { return "\(node) reaches no tiebreaker target and hears no peer" }
        let better = heard.first {
            !state.reachesNoTiebreaker($0, in: spec) && refusal(members, on: $0, spec, state, tiebreaker: false) == nil
        }
        if let better { return "\(node) reaches no tiebreaker target, and \(better) does" }
        // A start where the unit does not run yet is a takeover unless every node is online and heard.
        let runsHere = members.contains { $0.states.contains { $0.activeNode == node } }
        if !runsHere, nodes.contains(where: { state.status(of: $0) != .online }) {
            return "\(node) reaches no tiebreaker target: it takes nothing over while a node is lost or away"
        }
        return nil
    }

    /// Why a resource's failures keep it off `node`, or `nil`.
    static func refusal(_ resource: ResourceSpec, _ record: ResourceState, on node: NodeName, at now: Timestamp)
        -> String?
    {
        let failures = record.failures.filter { !resource.hasExpired($0, at: now) }
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
        let count = ResourceState(failures: failures).failureCount(on: node, within: window, before: now)
        let limit = resource.onFail == .restart ? resource.effectiveMaxRestarts : 0
        guard count > limit else { return nil }
        return resource.onFail == .restart
            ? "\(resource.name) failed \(count == 1 ? "once" : "\(count) times") on \(node) within \(window.configText) "
                + "(max-restarts \(limit))"
            : "\(resource.name) failed on \(node) (on-fail: \(resource.onFail.rawValue))"
    }

    private static func whyNowhere(
        _ members: [Member], _ preferences: [NodeName], _ spec: ClusterSpec, _ state: ClusterState, index: SpecIndex,
        placement: Placement
    ) -> String {
        let groups = members.map(\.group)
        let names = groups.map(\.name.rawValue).joined(separator: " and ")
        if let stopped = groups.first(where: { state.state(of: $0.name).stopped }) {
            return "\(stopped.name) stays stopped until an administrator starts it"
        }
        let reasons = preferences.map { node in
            refusal(members, on: node, spec, state)
                ?? "\(node) runs \(groups.flatMap { index.apartPartners[$0.name, default: []] }.filter { placement.nodes[$0] == node }.map(\.rawValue).joined(separator: ", ")), kept apart"
        }
        var seen: Set<String> = []
        return "\(names) can run nowhere: \(reasons.filter { seen.insert($0).inserted }.joined(separator: "; "))"
    }
}
