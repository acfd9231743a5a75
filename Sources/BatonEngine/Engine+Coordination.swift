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

    /// Takes the controller's steps in order: runs each plan (this node's actions here, the others on their node) and
    /// stops second instances, until the controller has none left.
    func drain() async {
        while !halted {
            switch handle(.nextStep).first {
            case .runPlan(let plan, _):
                let began = clock.now
                let report = await Executor().run(plan, with: ClusterRunner(engine: self))
                metrics.recordPlan(clock.now - began)
                // Once halted, what its requests say now (ended unanswered) is no result: nothing more is recorded.
                guard !halted else { return }
                handle(.planFinished(plan, report))
            case .stopSecondInstance(let probe):
                guard let name = probe.resource, let resource = spec.resource(named: name) else { continue }
                let outcome = await perform(.stop(resource, of: probe.group, on: probe.node))
                guard !halted else { return }
                handle(.secondInstanceStopped(probe, outcome))
            default:
                return
            }
        }
    }

    /// The event for what one action did, as it ends.
    func record(_ action: PlannedAction, _ outcome: ActionOutcome) {
        guard !halted else { return }
        handle(.actionEnded(action, outcome))
    }

    // MARK: Actions

    /// Runs a planned action: here when it is this node's, else on its node.
    func perform(_ action: PlannedAction) async -> ActionOutcome {
        // The rest of a plan that was running when the engine halted: nothing more is done, here or elsewhere.
        guard !halted else { return Self.stoppedEngine(local) }
        var action = action
        if let previous = action.replaces { action.holderGone = isGone(previous) }
        let term: UInt64
        switch controller.route(action) {
        case .here:
            return await performLocally(action)
        case .answered(let outcome):
            return outcome
        case .peer(let current):
            term = current
        }
        var request = ActionRequest(
            id: 0, term: term, kind: action.kind, group: action.group?.rawValue, resource: action.resource?.rawValue,
            timeoutMilliseconds: action.timeout.wholeMilliseconds,
            intervalMilliseconds: action.interval?.wholeMilliseconds, target: action.target?.rawValue,
            fence: action.fence)
        if action.holderGone { request.holderGone = true }
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
        guard !halted, coordinator != nil else { return Self.stoppedEngine(local) }
        let now = clock.now
        let limit = now + deadline + spec.heartbeat.deadtime.value * 2
        return await withCheckedContinuation { answer in
            coordinator!.ask(node, for: kind, deadline: limit, at: now, message, answer: answer)
        }
    }

    /// Ends every request to a node that is gone. One that left on purpose ran nothing more (it declines starts
    /// while it leaves, and stops what it runs before it goes); for one that was lost, see
    /// ``NodeController/onLostNode(_:_:)``.
    func failPending(to node: NodeName, left: Bool = false) {
        coordinator?.endRequests(to: node) { kind in
            left
                ? ActionOutcome(code: 1, message: "\(node) left the cluster", declined: true)
                : kind.map { NodeController.onLostNode($0, node) }
                    ?? ActionOutcome(code: 1, message: "\(node) was lost")
        }
    }

    /// An action on this node: agents for probe, start, stop and the first monitor; the recurring monitor here; the
    /// fence devices for a fence.
    func performLocally(_ action: PlannedAction) async -> ActionOutcome {
        let (kind, name) = (action.kind, action.resource)
        if kind == .fence {
            let refusal = Self.reply(in: handle(.fenceStarting(action)))
            guard !halted else { return Self.stoppedEngine(local) }
            return if let refusal { refusal } else { await runner.run(action) }
        }
        if kind == .cancelMonitor || kind == .stop, let name { cancelMonitor(name) }
        let refusal = Self.reply(in: handle(.localAction(kind, name)))
        if kind == .cancelMonitor { return ActionOutcome(code: 0) }
        guard !halted else { return Self.stoppedEngine(local) }
        if let refusal { return refusal }
        let interval = action.interval
        let began = clock.now
        let outcome = await runner.run(action)
        if let name, let agent = spec.resource(named: name)?.agent.value {
            metrics.recordAction(agent: agent.description, action: kind.rawValue, duration: clock.now - began)
        }
        if kind == .monitor, let name {
            monitorResults[name] = outcome.code
            if outcome.code == 0 { startMonitor(name, every: interval ?? MonitorSettings.defaultInterval) }
        }
        // A probe that finds the resource running adopts it (an engine started again while its services ran): it is
        // watched from now on, unless it is in maintenance. Should the senior keep it elsewhere, the stop of this
        // instance ends the monitor.
        if kind == .probe, outcome.code == 0, let name, let monitor = spec.resource(named: name)?.monitor,
            !state.isUnmanaged(name, in: spec)
        {
            monitorResults[name] = 0
            startMonitor(name, every: monitor.effectiveInterval)
        }
        if let name { handle(.localActionEnded(kind, name, code: outcome.code)) }
        return outcome
    }

    // MARK: Messages

    /// A peer's request, the first time it arrives.
    func receive(_ message: Message, _ request: PeerRequest) {
        switch message {
        case .result:
            return
        case .action(let action):
            // Only the senior this node follows, in its current term, gives it actions. Others get no answer: a
            // senior this node has not followed yet sends again each interval, an old one gives way.
            guard controller.obeys(request.peer, term: action.term) else {
                coordinator?.ignore(request)
                return
            }
            spawn {
                var planned = PlannedAction.outsidePlan(
                    action.kind, action.resource.map(ResourceName.init), of: action.group.map(GroupName.init),
                    on: self.local, timeout: .milliseconds(action.timeoutMilliseconds),
                    interval: action.intervalMilliseconds.map(Duration.milliseconds))
                planned.target = action.target.map(NodeName.init)
                planned.fence = action.fence
                planned.holderGone = action.holderGone ?? false
                let outcome = await self.performLocally(planned)
                await self.answer(request, with: outcome)
            }
        case .monitorFailed(_, let resource, let code):
            answer(request, with: answer(.peerMonitorFailed(ResourceName(resource), on: request.peer, code: code)))
        case .request(_, let wish):
            answer(request, with: answer(.request(wish)))
        case .awaitedRequest(_, let wish):
            spawn { await self.answer(request, with: await self.awaitTransition(wish)) }
        }
    }

    private func answer(_ request: PeerRequest, with outcome: ActionOutcome) {
        coordinator?.answer(request, with: outcome)
    }

    // MARK: Monitors

    func startMonitor(_ name: ResourceName, every interval: Duration) {
        cancelMonitor(name)
        guard let resource = spec.resource(named: name) else { return }
        nextMonitorToken += 1
        let token = nextMonitorToken
        let runner = runner
        let node = local
        monitors[name] = token
        spawn {
            while !Task.isCancelled {
                try? await self.clock.sleep(for: interval)
                // Cancelled (or another loop took its place) while it slept, or its resource went into maintenance
                // (as this node's copy of the state says): it ends before it runs anything.
                guard await self.monitoring(name, token: token), !Task.isCancelled else { return }
                let outcome = await runner.run(
                    .outsidePlan(
                        .monitor, name, of: nil, on: node,
                        timeout: resource.monitor?.effectiveTimeout ?? MonitorSettings.defaultTimeout,
                        interval: interval))
                guard await self.monitorAnswered(name, token: token, code: outcome.code) else { return }
            }
        }
    }

    /// Whether the monitor loop `token` of `name` is still the one to run.
    private func monitoring(_ name: ResourceName, token: Int) -> Bool {
        guard monitors[name] == token else { return false }
        guard !state.isUnmanaged(name, in: spec) else {
            monitors[name] = nil
            return false
        }
        return true
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
        handle(.monitorFailed(name, code: code))
        return false
    }

    // MARK: Shutting down

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
        guard !controller.shuttingDown else { return }
        for case .askStandby(let senior) in handle(.shutdownBegan) {
            _ = await ask(senior, deadline: .seconds(5)) { .request(id: $0, .standby(node: self.local.rawValue)) }
        }
        let deadline = clock.now + controller.handoverLimit
        while controller.awaitsHandover, clock.now < deadline, !halted {
            try? await clock.sleep(for: spec.heartbeat.interval.value)
        }
        // An action the senior sent before this node began to stop may still run (a start of the address, say):
        // once it ends, what it started is stopped here with the rest, and nothing is left with no engine.
        while coordinator?.isServing == true, clock.now < deadline, !halted {
            try? await clock.sleep(for: spec.heartbeat.interval.value)
        }
        for case .runAlone(let plan) in handle(.handoverEnded) {
            let report = await Executor().run(plan, with: LocalOnlyRunner(engine: self))
            handle(.aloneFinished(plan, report))
        }
        // What may still run here; a stop that failed in a plan is tried once more.
        await stopHere()
        monitors = [:]
        handle(.stopped)
        // Peers hear that this node left on purpose (a `node-left`, not a `node-lost`).
        sendHeartbeats()
    }
}

extension Engine {
    /// Stops what may still run on this node (``NodeController/remainingHere``), last member first, without a plan:
    /// the engine stops, or the node is cut off (``NodeController/cutOff``).
    func stopHere() async {
        for (resource, group) in controller.remainingHere {
            cancelMonitor(resource.name)
            let stop = PlannedAction.stop(resource, of: group, on: local)
            let outcome = await perform(stop)
            record(stop, outcome)
            handle(.remainingStopped(resource.name, of: group, succeeded: outcome.code == 0))
        }
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
