extension NodeController {
    // MARK: Administrator requests

    /// The senior's part of an administrator's request: refused at once when it cannot be planned, else queued.
    mutating func administer(_ wish: AdministratorRequest) -> ActionOutcome {
        if case .applyConfiguration(let digest, let node) = wish {
            return applyRequested(digest, from: NodeName(node), awaited: nil) ?? ActionOutcome(code: 0)
        }
        return plan(wish).outcome
    }

    /// An administrator's request whose answer waits until its transition ended (`--wait`): refused at once, or
    /// answered with ``NodeAction/requestEnded(id:_:)`` when its last plan ran.
    mutating func administer(_ wish: AdministratorRequest, awaited id: UInt64) {
        if case .applyConfiguration(let digest, let node) = wish {
            if let outcome = applyRequested(digest, from: NodeName(node), awaited: id) {
                out.append(.requestEnded(id: id, outcome))
            }
            return
        }
        let (outcome, trigger) = plan(wish)
        guard outcome.code == 0, let trigger else {
            out.append(.requestEnded(id: id, outcome))
            return
        }
        awaited.append((id, trigger))
    }

    /// Plans a request: its answer now, and the trigger queued, if any.
    private mutating func plan(_ wish: AdministratorRequest) -> (outcome: ActionOutcome, trigger: Trigger?) {
        guard isSenior else { return (ActionOutcome(code: 1, message: "\(local) is not the senior node"), nil) }
        let trigger: Trigger
        switch wish {
        case .switchover(let group, let node): trigger = .switchover(GroupName(group), to: NodeName(node))
        case .standby(let node): trigger = .standby(NodeName(node))
        case .online(let node): trigger = .online(NodeName(node))
        case .cleanup(let resource): trigger = .cleanup(ResourceName(resource))
        case .forceStart(let group): trigger = .startGroup(GroupName(group))
        case .start(let group):
            // A plain start leaves the newest-data rule alone: a group that waits for its last owner needs --force.
            if let waiting = state.state(of: GroupName(group)).waiting {
                return (
                    ActionOutcome(code: 1, message: "\(waiting); check the data, then `baton start \(group) --force`"),
                    nil
                )
            }
            trigger = .startGroup(GroupName(group))
        case .stop(let group): trigger = .stopGroup(GroupName(group))
        case .rejoin(let node): trigger = .nodeJoined(NodeName(node))
        case .fence(let node): trigger = .fence(NodeName(node))
        case .confirmFenced(let node): trigger = .fenceConfirmed(NodeName(node))
        case .unmove(let group): return unmove(GroupName(group))
        case .maintenance(let on, let node, let group):
            let scope: MaintenanceScope =
                if let node { .node(NodeName(node)) } else if let group { .group(GroupName(group)) } else { .cluster }
            trigger = .maintenance(scope, on: on)
        case .applyConfiguration:
            return (ActionOutcome(code: 1, message: "a configuration is applied on its own"), nil)
        }
        if let problem = trigger.problem(in: spec, state: state) {
            emit(.requestRefused(trigger, problem: problem))
            return (ActionOutcome(code: 1, message: problem), nil)
        }
        if case .switchover(let group, let node) = wish {
            emit(.switchoverRequested(GroupName(group), to: node))
        }
        if case .fenceConfirmed(let node) = trigger { emit(.fenceConfirmed(node)) }
        if case .maintenance(let scope, let on) = trigger { emit(.maintenance(scope, on: on)) }
        enqueue(trigger)
        return (ActionOutcome(code: 0, message: "\(trigger): planned by \(local)"), trigger)
    }

    /// Clears a switchover's pin, and places the groups again: with `failback: auto` the group may go back to its
    /// most preferred node.
    private mutating func unmove(_ group: GroupName) -> (outcome: ActionOutcome, trigger: Trigger?) {
        guard spec.group(named: group) != nil else {
            return (ActionOutcome(code: 1, message: "no group is named '\(group)'"), nil)
        }
        guard let pinned = state.state(of: group).pinned else {
            return (ActionOutcome(code: 0, message: "\(group) was not switched: nothing to undo"), nil)
        }
        state.groups[group]?.pinned = nil
        publish()
        enqueue(.replan(failed: []))
        return (
            ActionOutcome(code: 0, message: "\(group) no longer prefers \(pinned): planned by \(local)"),
            .replan(failed: [])
        )
    }

    // MARK: Awaited requests

    /// Answers the requests that wait for `trigger`'s transition.
    mutating func endAwaited(_ trigger: Trigger, _ outcome: ActionOutcome) {
        for entry in awaited where entry.trigger == trigger { out.append(.requestEnded(id: entry.id, outcome)) }
        awaited.removeAll { $0.trigger == trigger }
    }

    /// Answers every request that waits: this node no longer leads, and does not know how they end.
    mutating func endEveryAwaited(_ message: String) {
        for (id, _) in awaited { out.append(.requestEnded(id: id, ActionOutcome(code: 1, message: message))) }
        awaited = []
    }

    /// How a transition that an administrator waits for ended: whether what was asked holds now.
    func verdict(_ transition: TransitionQueue.Transition) -> ActionOutcome {
        let done = { (text: String) in ActionOutcome(code: 0, message: text) }
        let failed = { (text: String) in ActionOutcome(code: 1, message: text) }
        let location = { (group: GroupName) -> String in
            self.runningNode(of: group).map { "runs on \($0)" } ?? "does not run"
        }
        switch transition.cause {
        case .switchover(let group, let node):
            return runningNode(of: group) == node
                ? done("\(group) runs on \(node)") : failed("\(group) \(location(group)), not on \(node)")
        case .startGroup(let group):
            return runningNode(of: group) != nil
                ? done("\(group) \(location(group))")
                : failed("\(group) does not run" + (state.state(of: group).waiting.map { ": \($0)" } ?? ""))
        case .stopGroup(let group):
            let members = spec.group(named: group)?.resources ?? []
            let running = members.filter { state.state(of: $0.name).activeNode != nil }.map(\.name.rawValue)
            return running.isEmpty
                ? done("\(group) stopped") : failed("\(group) still runs: \(running.joined(separator: ", "))")
        case .fence(let node):
            if let fence = state.fence(of: node) {
                return fence.isNeeded
                    ? failed("\(node) is not fenced yet") : failed("\(node) could not be fenced: \(fence.reason)")
            }
            return done("\(node) is fenced")
        case .standby(let node):
            let here = state.resources.filter { $0.value.activeNode == node }.keys.map(\.rawValue).sorted()
            return here.isEmpty
                ? done("nothing runs on \(node)") : failed("still on \(node): \(here.joined(separator: ", "))")
        default:
            let names = transition.notRunning.map(\.rawValue).joined(separator: ", ")
            return transition.notRunning.isEmpty
                ? done("\(transition.cause): done") : failed("\(transition.cause): \(names) not running")
        }
    }

    /// The node that runs every member of `group`, if one does.
    func runningNode(of group: GroupName) -> NodeName? {
        spec.group(named: group).flatMap(state.runningNode(of:))
    }
}
