import BatonAgents
import BatonControl
import BatonCore
import BatonNet

/// The executor's runner on the senior node: actions for this node run here, the others go to their node.
struct ClusterRunner: ActionRunner {
    let engine: Engine

    func run(_ action: PlannedAction) async -> ActionOutcome {
        let outcome = await engine.perform(action)
        await engine.record(action, outcome)
        return outcome
    }
}

/// A runner for a node that acts alone: its own actions run, the others fail unasked.
struct LocalOnlyRunner: ActionRunner {
    let engine: Engine

    func run(_ action: PlannedAction) async -> ActionOutcome {
        guard action.node == engine.local else { return ActionOutcome(code: 1, message: "not asked: no senior node") }
        let outcome = await engine.perform(action)
        await engine.record(action, outcome)
        return outcome
    }
}

extension Engine {
    // MARK: Plans (on the senior node)

    /// Plans `trigger` after the triggers before it, through the cluster's one ``TransitionQueue``; one plan runs
    /// at a time.
    func enqueue(_ trigger: Trigger) {
        steps += queue.enqueue(trigger, at: Self.wallClock)
        guard !draining else { return }
        draining = true
        spawn { await self.drain() }
    }

    /// Takes the queue's steps in order: runs each plan (this node's actions here, the others on their node),
    /// stops second instances, and says how each transition ended.
    private func drain() async {
        while !steps.isEmpty, !halted {
            switch steps.removeFirst() {
            case .refused(let trigger, let problem):
                emit(.requestRefused(trigger, problem: problem))
            case .run(let plan, let round):
                if round == 0, isTakeover(plan.trigger), !plan.actions.isEmpty {
                    takingOver = true
                    updateRole()
                    emit(.takeoverStarted(local, cause: plan.trigger, actions: plan.actions.count))
                }
                publish()
                let report = await Executor().run(plan, with: ClusterRunner(engine: self))
                // This node gave way to a more senior one while the plan ran: the queue was abandoned, and the new
                // senior's state is the truth now. Or the engine halted: what its requests say now (ended
                // unanswered) is no result, and nothing more is recorded or saved.
                guard senior == local, !halted else { continue }
                steps += queue.finished(report, at: Self.wallClock)
                holdBack(report, of: plan)
                publish()
            case .stopSecondInstance(let probe):
                await stopStray(probe)
            case .finished(let transition):
                finish(transition)
            }
        }
        draining = false
    }

    /// The loss of a node that left on purpose, or one seen while this node leaves too, is no takeover: what is
    /// planned still runs, but no takeover events page an administrator.
    private func isTakeover(_ trigger: Trigger) -> Bool {
        guard case .nodeLost(let node) = trigger else { return false }
        return !left.contains(node) && !shuttingDown
    }

    /// The end of a transition: STARTMONO is over after the first plan of a node that formed the cluster alone; a
    /// takeover says whether it started everything.
    private func finish(_ transition: TransitionQueue.Transition) {
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
    private func holdBack(_ report: ExecutionReport, of plan: Plan) {
        heldElsewhere = heldElsewhere.filter { state.state(of: $0.key).waiting != nil }
        for result in report.results where result.outcome?.heldElsewhere == true {
            let action = plan.action(result.action)
            guard let group = action.group, heldElsewhere[group] == nil, let reason = state.state(of: group).waiting
            else { continue }
            heldElsewhere[group] = clock.now
            let holder = state.state(of: group).node?.rawValue ?? "another node"
            emit(.groupHeldElsewhere(group, on: action.node, reason: reason, holder: holder, retry: heldRetry))
        }
    }

    /// The senior tries groups held elsewhere again once ``heldRetry`` has passed.
    func retryHeldGroups() {
        guard senior == local else { return }
        for (group, since) in heldElsewhere where clock.now - since >= heldRetry {
            heldElsewhere[group] = nil
            enqueue(.startGroup(group))
        }
    }

    /// Stops a second instance of a resource where a probe found it.
    private func stopStray(_ probe: PlannedAction) async {
        guard let name = probe.resource, let resource = spec.resource(named: name) else { return }
        let outcome = await perform(.stop(resource, of: probe.group, on: probe.node))
        if outcome.code == 0 {
            emit(.strayStopped(name, of: probe.group, on: probe.node))
        } else {
            // It may run there still: blocked, as after a failed stop in a plan, so that nothing more is done with it
            // until an administrator has stopped it and cleans it up (which finds it again on every node).
            var record = state.state(of: name)
            record.status = .blocked
            record.node = probe.node
            record.failures.append(
                Failure(node: probe.node, action: "stop", code: outcome.code, time: Self.wallClock))
            state.resources[name] = record
            emit(.strayStopFailed(name, of: probe.group, on: probe.node, code: outcome.code))
            publish()
        }
    }

    /// The event for what one action did, as it ends; its subject is the node that acted.
    func record(_ action: PlannedAction, _ outcome: ActionOutcome) {
        guard let resource = action.resource, !halted else { return }
        let node = action.node
        let succeeded = !outcome.timedOut && action.kind.succeeds(with: outcome.code)
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
            emit(.groupBlocked(resource, of: action.group, on: node, code: outcome.code))
        default:
            return
        }
    }

    // MARK: Actions

    /// Runs a planned action: here when it is this node's, else on its node.
    func perform(_ action: PlannedAction) async -> ActionOutcome {
        // The rest of a plan that was running when the engine halted: nothing more is done, here or elsewhere.
        guard !halted else { return Self.stoppedEngine(local) }
        if action.node == local {
            return await performLocally(
                action.kind, resource: action.resource, group: action.group, timeout: action.timeout,
                interval: action.interval)
        }
        guard membership.peer(action.node)?.state == .alive else { return Self.onLostNode(action.kind, action.node) }
        // Its heartbeats say it is leaving: it would decline.
        if action.kind == .start, isLeaving(action.node) {
            return ActionOutcome(code: 1, message: "\(action.node) is shutting down", declined: true)
        }
        let request = ActionRequest(
            id: 0, term: term, kind: action.kind, group: action.group?.rawValue, resource: action.resource?.rawValue,
            timeoutMilliseconds: Self.milliseconds(action.timeout),
            intervalMilliseconds: action.interval.map(Self.milliseconds))
        return await ask(action.node, deadline: action.timeout, for: action.kind) {
            .action(ActionRequest(request, id: $0))
        }
    }

    /// Sends a request to `node` and waits for its result, sending it again every interval until it comes, the node
    /// is lost, or the deadline (plus deadtime) passes.
    func ask(
        _ node: NodeName, deadline: Duration, for kind: ActionKind? = nil, _ message: (UInt64) -> Message
    ) async -> ActionOutcome {
        // Once halted, no answer could come: nothing retransmits a request or ends it at its deadline.
        guard !halted else { return Self.stoppedEngine(local) }
        nextRequest += 1
        let id = nextRequest
        let payload = WireCoding.encode(message(id))
        return await withCheckedContinuation { continuation in
            pending[id] = Pending(
                node: node, kind: kind, payload: payload, sent: clock.now,
                deadline: clock.now + deadline + spec.heartbeat.deadtime.value * 2, continuation: continuation)
            send(.message, payload, to: node, allLinks: true)
        }
    }

    func retransmit() {
        let interval = spec.heartbeat.interval.value
        for (id, request) in pending {
            if clock.now >= request.deadline {
                pending[id] = nil
                request.continuation.resume(
                    returning: ActionOutcome(code: 1, timedOut: true, message: "\(request.node) did not answer"))
            } else if clock.now - request.sent >= interval {
                pending[id]!.sent = clock.now
                send(.message, request.payload, to: request.node, allLinks: true)
            }
        }
    }

    /// Ends every request to a node that is gone. One that left on purpose ran nothing more (it declines starts
    /// while it leaves, and stops what it runs before it goes); for one that was lost, see ``onLostNode(_:_:)``.
    func failPending(to node: NodeName, left: Bool = false) {
        for (id, request) in pending where request.node == node {
            pending[id] = nil
            let outcome =
                left
                ? ActionOutcome(code: 1, message: "\(node) left the cluster", declined: true)
                : request.kind.map { Self.onLostNode($0, node) } ?? ActionOutcome(code: 1, message: "\(node) was lost")
            request.continuation.resume(returning: outcome)
        }
    }

    /// What an action on a node that membership confirms lost comes to. What a lost node ran counts as stopped
    /// (until fencing comes, on membership alone): its stop is done, its probe finds nothing, and a start sent to it
    /// ran nothing the cluster counts on. None is a failure of the resource there, so none bans the node or blocks
    /// the group.
    static func onLostNode(_ kind: ActionKind, _ node: NodeName) -> ActionOutcome {
        switch kind {
        case .stop, .cancelMonitor: ActionOutcome(code: 0, message: "\(node) is lost: counts as stopped")
        case .probe: ActionOutcome(code: 7, message: "\(node) is lost: counts as stopped")
        default: ActionOutcome(code: 1, message: "\(node) is lost", declined: true)
        }
    }

    /// An action on this node: agents for probe, start, stop and the first monitor; the recurring monitor here.
    func performLocally(
        _ kind: ActionKind, resource name: ResourceName?, group: GroupName?, timeout: Duration, interval: Duration?
    ) async -> ActionOutcome {
        if kind == .cancelMonitor || kind == .stop, let name { cancelMonitor(name) }
        // A stop or a new start settles whatever a failed monitor had to say.
        if kind == .stop || kind == .start, let name { unreported[name] = nil }
        if kind == .cancelMonitor { return ActionOutcome(code: 0) }
        guard !halted, !stopped else { return Self.stoppedEngine(local) }
        // A node that is leaving starts nothing more: what it started now would be left running with no engine.
        if kind == .start, shuttingDown {
            return ActionOutcome(code: 1, message: "\(local) is shutting down", declined: true)
        }
        let outcome = await runner.run(
            .outsidePlan(kind, name, of: group, on: local, timeout: timeout, interval: interval))
        if kind == .monitor, let name {
            monitorResults[name] = outcome.code
            if outcome.code == 0 { startMonitor(name, every: interval ?? MonitorSettings.defaultInterval) }
        }
        // A probe that finds the resource running adopts it (an engine started again while its services ran): it is
        // watched from now on. Should the senior keep it elsewhere, the stop of this instance ends the monitor.
        if kind == .probe, outcome.code == 0, let name, let monitor = spec.resource(named: name)?.monitor {
            monitorResults[name] = 0
            startMonitor(name, every: monitor.effectiveInterval)
        }
        if let name {
            switch (kind, outcome.code) {
            case (.start, 0), (.probe, 0): runsHere.insert(name)
            case (.stop, 0), (.probe, 7): runsHere.remove(name)
            default: break
            }
        }
        return outcome
    }

    // MARK: Messages

    func handle(_ message: Message, from sender: NodeName, boot: BootIdentifier) {
        switch message {
        case .result(let id, let outcome):
            guard let request = pending.removeValue(forKey: id), request.node == sender else { return }
            request.continuation.resume(returning: outcome)
        case .action(let request):
            // Only the senior this node follows, in its current term, gives it actions. Others get no answer: a
            // senior this node has not followed yet sends again each interval, an old one gives way.
            guard sender == senior, request.term >= term else { return }
            serve("\(sender)/\(boot)/\(request.id)", id: request.id, to: sender) {
                await self.performLocally(
                    request.kind, resource: request.resource.map(ResourceName.init),
                    group: request.group.map(GroupName.init), timeout: .milliseconds(request.timeoutMilliseconds),
                    interval: request.intervalMilliseconds.map(Duration.milliseconds))
            }
        case .monitorFailed(let id, let resource, let code):
            serve("\(sender)/\(boot)/\(id)", id: id, to: sender) {
                // Not the senior (any more): the reporter keeps the failure and tells its senior.
                guard await self.senior == self.local else {
                    return ActionOutcome(code: 1, message: "\(self.local) is not the senior node")
                }
                await self.monitorFailed(ResourceName(resource), on: sender, code: code)
                return ActionOutcome(code: 0)
            }
        case .request(let id, let wish):
            serve("\(sender)/\(boot)/\(id)", id: id, to: sender) {
                guard await self.senior == self.local else {
                    return ActionOutcome(code: 1, message: "\(self.local) is not the senior node")
                }
                return await self.administer(wish)
            }
        }
    }

    /// Runs a request once, however often it arrives, and answers every copy with its result once known.
    private func serve(
        _ key: String, id: UInt64, to sender: NodeName, _ work: @escaping @Sendable () async -> ActionOutcome
    ) {
        if let known = served[key] {
            if let outcome = known { reply(outcome, id: id, to: sender) }
            return
        }
        served[key] = .some(nil)
        servedOrder.append(key)
        if servedOrder.count > 1000 { served[servedOrder.removeFirst()] = nil }
        spawn {
            let outcome = await work()
            await self.finish(key, outcome, id: id, to: sender)
        }
    }

    private func finish(_ key: String, _ outcome: ActionOutcome, id: UInt64, to sender: NodeName) {
        served[key] = .some(outcome)
        reply(outcome, id: id, to: sender)
    }

    private func reply(_ outcome: ActionOutcome, id: UInt64, to sender: NodeName) {
        var outcome = outcome
        outcome.message = String(outcome.message.prefix(400))
        send(.message, WireCoding.encode(Message.result(id: id, outcome)), to: sender, allLinks: true)
    }

    // MARK: Monitors

    private func startMonitor(_ name: ResourceName, every interval: Duration) {
        cancelMonitor(name)
        guard let resource = spec.resource(named: name) else { return }
        nextMonitorToken += 1
        let token = nextMonitorToken
        let runner = runner
        let node = local
        monitors[name] = token
        spawn {
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                // Cancelled (or another loop took its place) while it slept: it ends before it runs anything.
                guard await self.monitors[name] == token, !Task.isCancelled else { return }
                let outcome = await runner.run(
                    .outsidePlan(
                        .monitor, name, of: nil, on: node,
                        timeout: resource.monitor?.effectiveTimeout ?? MonitorSettings.defaultTimeout,
                        interval: interval))
                guard await self.monitorAnswered(name, token: token, code: outcome.code) else { return }
            }
        }
    }

    /// Ends the resource's recurring monitor: its loop ends at its next wake-up, and the answer of a run already
    /// under way is dropped.
    func cancelMonitor(_ name: ResourceName) {
        monitors[name] = nil
    }

    /// Records a recurring monitor's answer; a failure ends the monitor and goes to the senior node.
    /// - Returns: whether the monitor goes on.
    private func monitorAnswered(_ name: ResourceName, token: Int, code: Int) -> Bool {
        guard monitors[name] == token, !halted else { return false }
        monitorResults[name] = code
        guard code != 0 else { return true }
        monitors[name] = nil
        emit(.monitorFailed(name, on: local, code: code))
        unreported[name] = code
        reportMonitorFailures()
        return false
    }

    /// Hands each monitor failure not yet acknowledged to the senior; one that finds no senior, or that the senior
    /// did not take, is tried again on the next tick, so no failure is forgotten while the senior changes.
    func reportMonitorFailures() {
        for (name, code) in unreported where !reporting.contains(name) {
            if senior == local {
                unreported[name] = nil
                monitorFailed(name, on: local, code: code)
            } else if let senior {
                reporting.insert(name)
                spawn {
                    let outcome = await self.ask(senior, deadline: .seconds(5)) {
                        .monitorFailed(id: $0, resource: name.rawValue, code: code)
                    }
                    await self.monitorFailureReported(name, code: code, accepted: outcome.code == 0)
                }
            }
        }
    }

    private func monitorFailureReported(_ name: ResourceName, code: Int, accepted: Bool) {
        reporting.remove(name)
        if accepted, unreported[name] == code { unreported[name] = nil }
    }

    /// The senior's part of a monitor failure: plan the resource's `on-fail`.
    func monitorFailed(_ name: ResourceName, on node: NodeName, code: Int) {
        guard senior == local, state.state(of: name).activeNode == node else { return }
        enqueue(.resourceFailed(name, node: node, code: code))
    }

    // MARK: Shutting down

    /// Whether nothing runs here any more, as the cluster state says and as this node's own agents know.
    var handedOver: Bool {
        runsHere.isEmpty && !state.resources.values.contains { $0.node == local && $0.status != .stopped }
    }

    /// Whether no plan takes anything more off this node: what the state still has here is in groups with a blocked
    /// member (a stop failed), for which nothing is planned until a cleanup.
    var onlyBlockedHere: Bool {
        !state.resources.contains { name, resource in
            guard resource.node == local, resource.status != .stopped else { return false }
            let members = spec.groupAndResource(named: name)?.0.resources ?? []
            return !members.contains { state.state(of: $0.name).status == .blocked }
        }
    }

    /// ``shutDown()`` as one of the engine's own jobs, for callers that cannot wait (a signal handler).
    public nonisolated func requestShutdown() {
        jobSink.yield { await self.shutDown() }
    }

    /// Hands this node's groups to a peer (or stops them), then lets ``run()`` end.
    ///
    /// The senior plans a standby of this node. When the senior is another node, this node asks it to, and waits
    /// until its state shows nothing running here; if the senior is lost or the handover takes longer than the
    /// groups' stop and start timeouts allow, this node stops its own resources itself.
    public func shutDown() async {
        guard !shuttingDown else { return }
        emit(.engineStopping(local))
        // At once, before asking: from now on this node declines every start, so nothing the senior sends it while
        // it hands over (both nodes stopping at once) is left running with no engine.
        shuttingDown = true
        updateRole()
        if senior == local {
            enqueue(.standby(local))
        } else if let senior, ready, !handedOver {
            _ = await ask(senior, deadline: .seconds(5)) { .request(id: $0, .standby(node: self.local.rawValue)) }
        }
        let limit =
            spec.groups.map { group in
                group.resources.reduce(Duration.zero) { $0 + $1.stopTimeout.value + $1.startTimeout.value }
            }.max() ?? .zero
        let deadline = clock.now + limit + spec.heartbeat.deadtime.value * 2
        while !((handedOver || onlyBlockedHere) && !draining), clock.now < deadline, !halted,
            senior == local || senior.map(isAlive) == true
        {
            try? await Task.sleep(for: spec.heartbeat.interval.value)
        }
        // An action the senior sent before this node began to stop may still run (a start of the address, say):
        // once it ends, what it started is stopped here with the rest, and nothing is left with no engine.
        while served.values.contains(where: { $0 == nil }), clock.now < deadline, !halted {
            try? await Task.sleep(for: spec.heartbeat.interval.value)
        }
        if !handedOver, !onlyBlockedHere {
            await stopHere()
        } else {
            await stopRemaining()
        }
        monitors = [:]
        stopped = true
        save()
        // Peers hear that this node left on purpose (a `node-left`, not a `node-lost`).
        sendHeartbeats()
        emit(.engineStopped(local))
    }

    private func isAlive(_ node: NodeName) -> Bool {
        node == local || membership.peer(node)?.state == .alive
    }

    /// Stops what runs on this node without a senior: this node's actions of a standby plan made here.
    private func stopHere() async {
        emit(.stoppingAlone(local))
        let plan = Planner.plan(spec, from: state, trigger: .standby(local))
        let report = await Executor().run(plan, with: LocalOnlyRunner(engine: self))
        state = state.applying(.standby(local), in: spec).applying(report, of: plan, in: spec)
        await stopRemaining()
    }

    /// Stops, last member first, what may still run here: what this node's agents started or found running and did
    /// not stop since (a start it ran just before the senior's state came, one that ended after it handed over), and
    /// what the state it holds has here (a resource whose stop failed, which is tried once more, and one whose
    /// probe had not answered yet since the engine started). What stops is stopped in this node's state too; what
    /// does not is left running, and said so.
    private func stopRemaining() async {
        let remaining = runsHere.union(state.resources.filter { $0.value.activeNode == local }.map(\.key))
        for group in spec.groups.reversed() {
            for resource in group.resources.reversed() where remaining.contains(resource.name) {
                let stop = PlannedAction.stop(resource, of: group.name, on: local)
                let outcome = await perform(stop)
                record(stop, outcome)
                if outcome.code == 0 {
                    if state.state(of: resource.name).node == local {
                        state.resources[resource.name] = ResourceState(
                            failures: state.state(of: resource.name).failures)
                    }
                } else {
                    emit(.leftRunning(resource.name, of: group.name, on: local))
                }
            }
        }
        save()
    }
}

extension PlannedAction {
    /// An action the engine runs outside any plan: a recurring monitor, an action a peer's senior sent, a stop of a
    /// second instance or of what a node leaving alone still runs.
    static func outsidePlan(
        _ kind: ActionKind, _ resource: ResourceName?, of group: GroupName?, on node: NodeName, timeout: Duration,
        interval: Duration? = nil
    ) -> PlannedAction {
        PlannedAction(
            id: 0, kind: kind, node: node, group: group, resource: resource, target: nil, timeout: timeout,
            interval: interval, reason: "", waits: [], step: 0)
    }

    /// A stop of `resource` outside any plan.
    static func stop(_ resource: ResourceSpec, of group: GroupName?, on node: NodeName) -> PlannedAction {
        outsidePlan(.stop, resource.name, of: group, on: node, timeout: resource.stopTimeout.value)
    }
}

extension ActionRequest {
    init(_ request: ActionRequest, id: UInt64) {
        self = request
        self.id = id
    }
}
