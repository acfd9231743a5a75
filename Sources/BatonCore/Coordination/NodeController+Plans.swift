extension NodeController {
    // MARK: Plans (on the senior node)

    /// Plans `trigger` after the triggers before it, through the cluster's one ``TransitionQueue``; one plan runs
    /// at a time.
    mutating func enqueue(_ trigger: Trigger) {
        steps += queue.enqueue(trigger, at: wall)
        guard !draining else { return }
        draining = true
        out.append(.startDrain)
    }

    /// Gives the driver the queue's next plan or second instance to stop, saying on the way which triggers were
    /// refused and how each transition ended; when none is left, the drain ends.
    mutating func nextStep() {
        while !steps.isEmpty {
            switch steps.removeFirst() {
            case .refused(let trigger, let problem):
                emit(.requestRefused(trigger, problem: problem))
                endAwaited(trigger, ActionOutcome(code: 1, message: "\(trigger) cannot be planned: \(problem)"))
            case .run(let plan, let round):
                if round == 0, isTakeover(plan.trigger), !plan.actions.isEmpty {
                    takingOver = true
                    updateRole()
                    emit(.takeoverStarted(local, cause: plan.trigger, actions: plan.actions.count))
                }
                publish()
                out.append(.runPlan(plan, round: round))
                return
            case .stopSecondInstance(let probe):
                out.append(.stopSecondInstance(probe))
                return
            case .finished(let transition):
                finish(transition)
            }
        }
        draining = false
    }

    /// Applies the report of the plan that ran. A node that gave way meanwhile applies nothing: the queue was
    /// abandoned, and the new senior's state is the truth now; nor does one that led again since, whose queue runs
    /// another plan now.
    mutating func planFinished(_ plan: Plan, _ report: ExecutionReport) {
        guard isSenior, queue.running == plan else { return }
        steps += queue.finished(report, at: wall)
        holdBack(report, of: plan)
        publish()
    }

    /// The loss of a node that left on purpose, or one seen while this node leaves too, is no takeover: what is
    /// planned still runs, but no takeover events page an administrator.
    private func isTakeover(_ trigger: Trigger) -> Bool {
        guard case .nodeLost(let node) = trigger else { return false }
        return !left.contains(node) && !shuttingDown
    }

    /// The end of a transition: STARTMONO is over after the first plan of a node that formed the cluster alone; a
    /// takeover says whether it started everything.
    private mutating func finish(_ transition: TransitionQueue.Transition) {
        if awaited.contains(where: { $0.trigger == transition.cause }) {
            endAwaited(transition.cause, verdict(transition))
        }
        transitionEnded(transition)
        if startingAlone {
            startingAlone = false
            updateRole()
        }
        guard isTakeover(transition.cause) else { return }
        takingOver = false
        if transition.notRunning.isEmpty {
            emit(.takeoverFinished(cause: transition.cause, waiting: transition.waiting))
        } else {
            emit(.takeoverFailed(cause: transition.cause, notRunning: transition.notRunning))
        }
        updateRole()
    }

    /// Says which groups now wait because a member answers from another machine (the state says so, see
    /// ``ActionOutcome/heldElsewhere``): the node that held them may still run them with a dead engine. They are
    /// tried again after ``heldRetry``, and adopted when a probe finds them running.
    private mutating func holdBack(_ report: ExecutionReport, of plan: Plan) {
        heldElsewhere = heldElsewhere.filter { state.state(of: $0.key).waiting != nil }
        for result in report.results where result.outcome?.heldElsewhere == true {
            let action = plan.action(result.action)
            guard let group = action.group, heldElsewhere[group] == nil, let reason = state.state(of: group).waiting
            else { continue }
            heldElsewhere[group] = now
            let holder = state.state(of: group).node?.rawValue ?? "another node"
            emit(.groupHeldElsewhere(group, on: action.node, reason: reason, holder: holder, retry: heldRetry))
        }
    }

    /// The senior tries groups held elsewhere again once ``heldRetry`` has passed.
    mutating func retryHeldGroups() {
        guard isSenior else { return }
        for (group, since) in heldElsewhere.sorted(by: { $0.key < $1.key })
        where now.milliseconds - since.milliseconds >= heldRetry.wholeMilliseconds {
            heldElsewhere[group] = nil
            enqueue(.startGroup(group))
        }
    }

    /// The senior places the groups again when a returning node has been heard for a group's `failback-delay`: with
    /// `failback: auto` the group may go back to it now. Each delay that ended since the last tick counts once.
    mutating func placeAfterFailbackDelays() {
        defer { failbacksCheckedUntil = wall }
        guard isSenior, ready, let checked = failbacksCheckedUntil else { return }
        let ended = spec.groups.contains { group in
            guard group.failback == .auto, let delay = group.failbackDelay?.value else { return false }
            return spec.candidates(for: group).contains { node in
                guard node != state.state(of: group.name).node, let since = state.nodes[node]?.heardSince else {
                    return false
                }
                let due = since.advanced(by: delay)
                return checked < due && due <= wall
            }
        }
        if ended { enqueue(.replan(failed: [])) }
    }

    /// The senior forgets failures older than their resource's `failure-timeout` (never a failed stop, nor those of
    /// a blocked resource), says so, and places the groups again: one they kept off a node may run there now.
    mutating func expireFailures() {
        guard isSenior, ready else { return }
        var expired: [(ResourceName, Duration)] = []
        for (name, record) in state.resources where record.status != .blocked && !record.failures.isEmpty {
            guard let resource = spec.resource(named: name), let timeout = resource.failureTimeout?.value else {
                continue
            }
            let kept = record.failures.filter { !resource.hasExpired($0, at: wall) }
            guard kept.count < record.failures.count else { continue }
            state.resources[name]?.failures = kept
            expired.append((name, timeout))
        }
        guard !expired.isEmpty else { return }
        for (name, timeout) in expired.sorted(by: { $0.0 < $1.0 }) {
            emit(.failuresExpired(name, failureTimeout: timeout))
        }
        publish()
        enqueue(.replan(failed: []))
    }

    /// A second instance's stop ended. One that failed may run there still: blocked, as after a failed stop in a
    /// plan, so that nothing more is done with it until an administrator has stopped it and cleans it up (which
    /// finds it again on every node).
    mutating func secondInstanceStopped(_ probe: PlannedAction, _ outcome: ActionOutcome) {
        guard let name = probe.resource else { return }
        guard outcome.code != 0 else {
            emit(.strayStopped(name, of: probe.group, on: probe.node))
            return
        }
        var record = state.state(of: name)
        record.status = .blocked
        record.node = probe.node
        record.failures.append(Failure(node: probe.node, action: "stop", code: outcome.code, time: wall))
        state.resources[name] = record
        emit(.strayStopFailed(name, of: probe.group, on: probe.node, code: outcome.code))
        publish()
    }

    /// The event for what one action did, as it ends; its subject is the node that acted.
    mutating func record(_ action: PlannedAction, _ outcome: ActionOutcome) {
        let node = action.node
        let succeeded = !outcome.timedOut && action.kind.succeeds(with: outcome.code)
        if action.kind == .fence, let target = action.target, !outcome.declined {
            emit(
                succeeded
                    ? .fenceSucceeded(target, by: node, detail: outcome.message)
                    : .fenceFailed(target, by: node, detail: outcome.timedOut ? "timed out" : outcome.message))
        }
        guard let resource = action.resource else { return }
        switch (action.kind, succeeded) {
        case (.start, true), (.stop, true):
            let started = action.kind == .start
            emit(
                started
                    ? .resourceStarted(resource, of: action.group, on: node)
                    : .resourceStopped(resource, of: action.group, on: node))
            // A group has started when its last member has, and stopped when its first has.
            let members = action.group.flatMap(spec.group(named:))?.resources
            if let group = action.group, (started ? members?.last : members?.first)?.name == resource {
                emit(started ? .groupStarted(group, on: node) : .groupStopped(group, on: node))
            }
        case (.start, false) where outcome.declined || outcome.heldElsewhere, (.probe, false) where outcome.declined:
            // Not a failure: the node is leaving, or `group-held-elsewhere` says why.
            return
        case (.start, false), (.monitor, false):
            emit(
                .resourceFailed(
                    action.kind, resource, of: action.group, on: node, code: outcome.code, detail: outcome.message))
        case (.probe, false) where outcome.code == 0:
            emit(.resourceFoundRunning(resource, of: action.group, on: node))
        case (.probe, false):
            emit(.probeFailed(resource, of: action.group, on: node, code: outcome.code, detail: outcome.message))
        case (.stop, false):
            emit(.groupBlocked(resource, of: action.group, on: node, code: outcome.code, fenced: spec.fences))
        default:
            return
        }
    }

    // MARK: Actions

    /// Where a planned action runs.
    public enum Route: Hashable, Sendable {
        /// On this node.
        case here
        /// On its node, asked in this term.
        case peer(term: UInt64)
        /// Nowhere: it comes to this at once.
        case answered(ActionOutcome)
    }

    /// Where `action` runs: here when it is this node's; on its node while that one lives and does not leave; else
    /// it is answered at once.
    public func route(_ action: PlannedAction) -> Route {
        if action.node == local { return .here }
        guard membership.peer(action.node)?.state == .alive else {
            return .answered(Self.onLostNode(action.kind, action.node))
        }
        // Its heartbeats say it is leaving: it would decline.
        if action.kind == .start, isLeaving(action.node) {
            return .answered(ActionOutcome(code: 1, message: "\(action.node) is shutting down", declined: true))
        }
        return .peer(term: term)
    }

    /// What an action on a node that membership confirms lost comes to. What a lost node ran counts as stopped
    /// (until fencing comes, on membership alone): its stop is done, its probe finds nothing, and a start sent to it
    /// ran nothing the cluster counts on. None is a failure of the resource there, so none bans the node or blocks
    /// the group.
    public static func onLostNode(_ kind: ActionKind, _ node: NodeName) -> ActionOutcome {
        switch kind {
        case .stop, .cancelMonitor: ActionOutcome(code: 0, message: "\(node) is lost: counts as stopped")
        case .probe: ActionOutcome(code: 7, message: "\(node) is lost: counts as stopped")
        default: ActionOutcome(code: 1, message: "\(node) is lost", declined: true)
        }
    }

    /// An action on this node is about to run. A stop or a new start settles whatever a failed monitor had to say;
    /// a node that is leaving starts nothing more (what it started now would be left running with no engine), and
    /// one that stopped runs nothing.
    mutating func localAction(_ kind: ActionKind, _ name: ResourceName?) {
        if kind == .stop || kind == .start, let name { unreported[name] = nil }
        if stopped, kind != .cancelMonitor {
            out.append(.reply(ActionOutcome(code: 1, message: "the engine of \(local) stopped", declined: true)))
        } else if kind == .start, shuttingDown {
            out.append(.reply(ActionOutcome(code: 1, message: "\(local) is shutting down", declined: true)))
        } else if kind == .start, cutOff {
            out.append(
                .reply(
                    ActionOutcome(
                        code: 1, message: "\(local) is cut off: it hears no peer and reaches no tiebreaker target")))
        }
    }

    /// A fence is about to run here: said, unless this node's engine stopped (then it declines).
    mutating func fenceStarting(_ action: PlannedAction) {
        guard !stopped else {
            out.append(.reply(ActionOutcome(code: 1, message: "the engine of \(local) stopped", declined: true)))
            return
        }
        guard let target = action.target else { return }
        emit(.fenceStarted(target, by: local, label: action.label, delay: action.fence?.delay ?? .zero))
    }

    /// What this node's agents found: what they started or found running runs here until they stop it or find it
    /// stopped.
    mutating func localActionEnded(_ kind: ActionKind, _ name: ResourceName, code: Int) {
        switch (kind, code) {
        case (.start, 0), (.probe, 0): runsHere.insert(name)
        case (.stop, 0), (.probe, 7): runsHere.remove(name)
        default: break
        }
    }

    // MARK: Monitor failures

    /// A recurring monitor on this node failed: it goes to the senior, and is kept until the senior took it.
    mutating func monitorFailedHere(_ name: ResourceName, code: Int) {
        // A monitor that ended as its maintenance began: Baton no longer watches it.
        guard !state.isUnmanaged(name, in: spec) else { return }
        emit(.monitorFailed(name, on: local, code: code))
        unreported[name] = code
        reportMonitorFailures()
    }

    /// Hands each monitor failure not yet acknowledged to the senior; one that finds no senior, or that the senior
    /// did not take, is tried again on the next tick, so no failure is forgotten while the senior changes.
    mutating func reportMonitorFailures() {
        for (name, code) in unreported.sorted(by: { $0.key < $1.key }) where !reporting.contains(name) {
            if isSenior {
                unreported[name] = nil
                monitorFailed(name, on: local, code: code)
            } else if let senior {
                reporting.insert(name)
                out.append(.reportMonitorFailure(name, code: code, to: senior))
            }
        }
    }

    mutating func peerMonitorFailed(_ name: ResourceName, on node: NodeName, code: Int) {
        // Not the senior (any more): the reporter keeps the failure and tells its senior.
        guard isSenior else {
            out.append(.reply(ActionOutcome(code: 1, message: "\(local) is not the senior node")))
            return
        }
        monitorFailed(name, on: node, code: code)
        out.append(.reply(ActionOutcome(code: 0)))
    }

    /// The senior's part of a monitor failure: plan the resource's `on-fail`.
    private mutating func monitorFailed(_ name: ResourceName, on node: NodeName, code: Int) {
        // Also a failure from a peer that did not yet hold the state that put the resource in maintenance.
        guard state.state(of: name).activeNode == node, !state.isUnmanaged(name, in: spec) else { return }
        enqueue(.resourceFailed(name, node: node, code: code))
    }

    // MARK: Shutting down

    /// From now on this node declines every start, so nothing the senior sends it while it hands over (both nodes
    /// stopping at once) is left running with no engine. The senior plans its own standby; another node asks its
    /// senior to.
    mutating func shutdownBegan() {
        guard !shuttingDown else { return }
        emit(.engineStopping(local))
        shuttingDown = true
        updateRole()
        if isSenior {
            enqueue(.standby(local))
        } else if let senior, ready, !handedOver {
            out.append(.askStandby(senior))
        }
    }

    /// Whether nothing runs here any more, as the cluster state says and as this node's own agents know.
    public var handedOver: Bool {
        runsHere.isEmpty && !state.resources.values.contains { $0.node == local && $0.status != .stopped }
    }

    /// Whether no plan takes anything more off this node: what the state still has here is in groups with a blocked
    /// member (a stop failed), for which nothing is planned until a cleanup, or in groups in maintenance, which
    /// stay running when the engine stops.
    public var onlyBlockedHere: Bool {
        !state.resources.contains { name, resource in
            guard resource.node == local, resource.status != .stopped,
                let group = spec.groupAndResource(named: name)?.0, state.maintenance(of: group) == nil
            else { return false }
            return !group.resources.contains { state.state(of: $0.name).status == .blocked }
        }
    }

    /// Whether a stopping node still waits for its senior's handover: something runs here that a plan will take
    /// off, or a plan runs, and the senior (this node, or a live peer) is there to plan it.
    public var awaitsHandover: Bool {
        !((handedOver || onlyBlockedHere) && !draining) && senior.map(isAlive) == true
    }

    /// How long a stopping node waits for its senior's handover: the longest group's stops and starts, and twice
    /// deadtime for the requests on the way.
    public var handoverLimit: Duration {
        let groups = spec.groups.map { group in
            group.resources.reduce(Duration.zero) { $0 + $1.stopTimeout.value + $1.startTimeout.value }
        }
        return (groups.max() ?? .zero) + spec.heartbeat.deadtime.value * 2
    }

    /// The handover is over or its time is: when the senior did not take everything off this node, it stops what
    /// runs here itself, with its own actions of a standby plan.
    mutating func handoverEnded() {
        guard !handedOver, !onlyBlockedHere else { return }
        emit(.stoppingAlone(local))
        out.append(.runAlone(Planner.plan(spec, from: state, trigger: .standby(local))))
    }

    /// What may still run here once the handover is over, last member first: what this node's agents started or
    /// found running and did not stop since (a start it ran just before the senior's state came, one that ended
    /// after it handed over), and what the state it holds has here (a resource whose stop failed, which is tried once
    /// more, and one whose probe had not answered yet since the engine started); never what is in maintenance.
    public var remainingHere: [(resource: ResourceSpec, group: GroupName)] {
        let remaining = runsHere.union(state.resources.filter { $0.value.activeNode == local }.map(\.key))
        // What is in maintenance stays as the administrator left it.
        return spec.groups.reversed().filter { state.maintenance(of: $0) == nil }.flatMap { group in
            group.resources.reversed().filter { remaining.contains($0.name) }.map { ($0, group.name) }
        }
    }

    /// What stops is stopped in this node's state too; what does not is left running, and said so.
    mutating func remainingStopped(_ name: ResourceName, of group: GroupName, succeeded: Bool) {
        if succeeded {
            if state.state(of: name).node == local {
                state.resources[name] = ResourceState(failures: state.state(of: name).failures)
            }
        } else {
            emit(.leftRunning(name, of: group, on: local))
        }
    }
}
