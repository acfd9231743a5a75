import BatonAgents
import BatonControl
import BatonCore
import BatonNet

/// The executor's runner on the senior node: actions for this node run here, the others go to their node.
struct ClusterRunner: ActionRunner {
    let engine: Engine

    func run(_ action: PlannedAction) async -> ActionOutcome {
        await engine.perform(action)
    }
}

/// A runner for a node that acts alone: its own actions run, the others fail unasked.
struct LocalOnlyRunner: ActionRunner {
    let engine: Engine

    func run(_ action: PlannedAction) async -> ActionOutcome {
        guard action.node == engine.local else { return ActionOutcome(code: 1, message: "not asked: no senior node") }
        return await engine.perform(action)
    }
}

extension Engine {
    // MARK: Plans (on the senior node)

    /// Plans `trigger` after the triggers before it; one plan runs at a time.
    func enqueue(_ trigger: Trigger) {
        triggers.append(trigger)
        guard !planning else { return }
        planning = true
        Task { await self.drain() }
    }

    private func drain() async {
        while !triggers.isEmpty, senior == local {
            var trigger = triggers.removeFirst()
            state.time = Self.wallClock
            if let problem = trigger.problem(in: spec, state: state) {
                emit("request-refused", .warning, "\(trigger) cannot be planned: \(problem)")
                continue
            }
            let cause = trigger
            let takeover: Bool
            if case .nodeLost = trigger { takeover = true } else { takeover = false }
            var rounds = 0
            while true {
                let plan = Planner.plan(spec, from: state, trigger: trigger)
                state = state.applying(trigger, in: spec)
                if plan.actions.isEmpty {
                    publish()
                    break
                }
                if takeover, rounds == 0 {
                    takingOver = true
                    updateRole()
                    emit("takeover-started", .warning, "\(trigger): \(local) takes over, \(plan.actions.count) actions")
                }
                publish()
                let report = await Executor().run(plan, with: ClusterRunner(engine: self))
                state.time = Self.wallClock
                let strays = strayInstances(report, of: plan)
                let before = state
                state = state.applying(report, of: plan, in: spec)
                record(report, of: plan)
                for stray in strays {
                    // The state keeps where the resource runs for the cluster; the second instance is stopped.
                    state.resources[stray.resource!] = before.resources[stray.resource!]
                    await stopStray(stray)
                }
                publish()
                guard !report.failures.isEmpty, rounds < Self.maximumReplans else { break }
                rounds += 1
                trigger = .replan(failed: report.failures.map { plan.action($0.action) })
            }
            // The first plan of a node that formed the cluster alone has run: STARTMONO is over.
            if startingAlone {
                startingAlone = false
                updateRole()
            }
            if takeover {
                takingOver = false
                // What a lost node ran counts as stopped.
                let failed = spec.groups.filter { group in
                    !state.state(of: group.name).stopped
                        && !group.resources.allSatisfy {
                            let resource = state.state(of: $0.name)
                            return resource.status == .started
                                && resource.node.map { state.status(of: $0) != .lost } == true
                        }
                }
                if failed.isEmpty {
                    emit("takeover-finished", .warning, "takeover after \(cause) finished")
                } else {
                    emit(
                        "takeover-failed", .critical,
                        "takeover after \(cause) left \(failed.map(\.name.rawValue).joined(separator: ", ")) not running",
                        action: "read the failures in `baton status` and `baton events`")
                }
                updateRole()
            }
        }
        planning = false
    }

    /// Probes that found a resource running on a node while it runs on another: a second instance, such as what a
    /// node that crashed holding a group finds when it returns.
    private func strayInstances(_ report: ExecutionReport, of plan: Plan) -> [PlannedAction] {
        report.results.compactMap { result in
            let action = plan.action(result.action)
            guard action.kind == .probe, result.outcome?.code == 0, let name = action.resource,
                let node = state.state(of: name).activeNode, node != action.node
            else { return nil }
            return action
        }
    }

    /// Stops a second instance of a resource where a probe found it.
    private func stopStray(_ probe: PlannedAction) async {
        guard let name = probe.resource, let resource = spec.resource(named: name) else { return }
        let stop = PlannedAction(
            id: 0, kind: .stop, node: probe.node, group: probe.group, resource: name, target: nil,
            timeout: resource.stopTimeout.value, interval: nil, reason: "", waits: [], step: 0)
        let outcome = await perform(stop)
        if outcome.code == 0 {
            emit(
                "resource-stopped", .warning,
                "\(name) also ran on \(probe.node); that second instance is stopped", group: probe.group,
                resource: name)
        } else {
            emit(
                "stray-stop-failed", .critical,
                "\(name) also runs on \(probe.node), and stopping it there failed: \(OCFExitCode.describe(outcome.code))",
                group: probe.group, resource: name,
                action: "stop \(name) on \(probe.node) by hand: it runs on two nodes")
        }
    }

    /// Events for what a plan did.
    func record(_ report: ExecutionReport, of plan: Plan) {
        for result in report.results {
            let action = plan.action(result.action)
            guard let resource = action.resource, let outcome = result.outcome else { continue }
            let code = OCFExitCode.describe(outcome.code)
            switch (action.kind, result.status) {
            case (.start, .succeeded):
                emit(
                    "resource-started", .info, "\(resource) started on \(action.node)", group: action.group,
                    resource: resource)
                if let group = action.group.flatMap(spec.group(named:)), group.resources.last?.name == resource {
                    emit("group-started", .info, "\(group.name) runs on \(action.node)", group: group.name)
                }
            case (.stop, .succeeded):
                emit(
                    "resource-stopped", .info, "\(resource) stopped on \(action.node)", group: action.group,
                    resource: resource)
                if let group = action.group.flatMap(spec.group(named:)), group.resources.first?.name == resource {
                    emit("group-stopped", .info, "\(group.name) stopped on \(action.node)", group: group.name)
                }
            case (.start, .failed), (.monitor, .failed):
                emit(
                    "resource-failed", .error,
                    "\(action.kind.rawValue) of \(resource) failed on \(action.node): \(code)"
                        + (outcome.message.isEmpty ? "" : " (\(outcome.message))"),
                    group: action.group, resource: resource)
            case (.probe, .failed) where outcome.code == 0:
                emit(
                    "resource-found-running", .warning, "the probe found \(resource) running on \(action.node)",
                    group: action.group, resource: resource)
            case (.probe, .failed):
                emit(
                    "probe-failed", .error,
                    "the probe of \(resource) failed on \(action.node): \(code)"
                        + (outcome.message.isEmpty ? "" : " (\(outcome.message))"),
                    group: action.group, resource: resource)
            case (.stop, .failed):
                emit(
                    "group-blocked", .critical,
                    "stop of \(resource) failed on \(action.node): \(code); \(action.group?.rawValue ?? "its group") "
                        + "starts nowhere else while it may still run there",
                    group: action.group, resource: resource,
                    action:
                        "stop \(resource) on \(action.node) by hand (or power the node off), then run `baton cleanup \(resource)`"
                )
            default:
                continue
            }
        }
    }

    // MARK: Actions

    /// Runs a planned action: here when it is this node's, else on its node.
    func perform(_ action: PlannedAction) async -> ActionOutcome {
        if action.node == local {
            return await performLocally(
                action.kind, resource: action.resource, group: action.group, timeout: action.timeout,
                interval: action.interval)
        }
        guard membership.peer(action.node)?.state == .alive else {
            return ActionOutcome(code: 1, message: "\(action.node) is not reachable")
        }
        let request = ActionRequest(
            id: 0, kind: action.kind, group: action.group?.rawValue, resource: action.resource?.rawValue,
            timeoutMilliseconds: Self.milliseconds(action.timeout),
            intervalMilliseconds: action.interval.map(Self.milliseconds))
        return await ask(action.node, deadline: action.timeout) { .action(ActionRequest(request, id: $0)) }
    }

    /// Sends a request to `node` and waits for its result, sending it again every interval until it comes, the node
    /// is lost, or the deadline (plus deadtime) passes.
    func ask(_ node: NodeName, deadline: Duration, _ message: (UInt64) -> Message) async -> ActionOutcome {
        nextRequest += 1
        let id = nextRequest
        let payload = WireCoding.encode(message(id))
        return await withCheckedContinuation { continuation in
            pending[id] = Pending(
                node: node, payload: payload, sent: clock.now,
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

    func failPending(to node: NodeName) {
        for (id, request) in pending where request.node == node {
            pending[id] = nil
            request.continuation.resume(returning: ActionOutcome(code: 1, message: "\(node) was lost"))
        }
    }

    /// An action on this node: agents for probe, start, stop and the first monitor; the recurring monitor here.
    func performLocally(
        _ kind: ActionKind, resource name: ResourceName?, group: GroupName?, timeout: Duration, interval: Duration?
    ) async -> ActionOutcome {
        if kind == .cancelMonitor || kind == .stop, let name { cancelMonitor(name) }
        if kind == .cancelMonitor { return ActionOutcome(code: 0) }
        let action = PlannedAction(
            id: 0, kind: kind, node: local, group: group, resource: name, target: nil, timeout: timeout,
            interval: interval, reason: "", waits: [], step: 0)
        let outcome = await runner.run(action)
        if kind == .monitor, let name {
            monitorResults[name] = outcome.code
            if outcome.code == 0 { startMonitor(name, every: interval ?? MonitorSettings.defaultInterval) }
        }
        if kind == .start, outcome.code != 0 {
            failedStart = true
            updateRole()
        } else if kind == .start {
            failedStart = false
        }
        return outcome
    }

    // MARK: Messages

    func handle(_ message: Message, from sender: NodeName, boot: BootIdentifier) {
        switch message {
        case .result(let id, let code, let timedOut, let text):
            guard let request = pending.removeValue(forKey: id), request.node == sender else { return }
            request.continuation.resume(returning: ActionOutcome(code: code, timedOut: timedOut, message: text))
        case .action(let request):
            serve("\(sender)/\(boot)/\(request.id)", id: request.id, to: sender) {
                await self.performLocally(
                    request.kind, resource: request.resource.map(ResourceName.init),
                    group: request.group.map(GroupName.init), timeout: .milliseconds(request.timeoutMilliseconds),
                    interval: request.intervalMilliseconds.map(Duration.milliseconds))
            }
        case .monitorFailed(let id, let resource, let code):
            serve("\(sender)/\(boot)/\(id)", id: id, to: sender) {
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
        Task {
            let outcome = await work()
            self.finish(key, outcome, id: id, to: sender)
        }
    }

    private func finish(_ key: String, _ outcome: ActionOutcome, id: UInt64, to sender: NodeName) {
        served[key] = .some(outcome)
        reply(outcome, id: id, to: sender)
    }

    private func reply(_ outcome: ActionOutcome, id: UInt64, to sender: NodeName) {
        let message = Message.result(
            id: id, code: outcome.code, timedOut: outcome.timedOut, message: String(outcome.message.prefix(400)))
        send(.message, WireCoding.encode(message), to: sender, allLinks: true)
    }

    // MARK: Monitors

    private func startMonitor(_ name: ResourceName, every interval: Duration) {
        cancelMonitor(name)
        guard let resource = spec.resource(named: name) else { return }
        nextMonitorToken += 1
        let token = nextMonitorToken
        let runner = runner
        let node = local.rawValue
        let task = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                if Task.isCancelled { return }
                let result = await runner.perform(
                    .monitor(interval: interval, depth: 0), on: resource, node: node,
                    plannedTimeout: resource.monitor?.effectiveTimeout)
                if Task.isCancelled { return }
                guard self.monitorAnswered(name, token: token, code: result.outcome.code) else { return }
            }
        }
        monitors[name] = (token, task)
    }

    func cancelMonitor(_ name: ResourceName) {
        monitors.removeValue(forKey: name)?.task.cancel()
    }

    /// Records a recurring monitor's answer; a failure ends the monitor and goes to the senior node.
    /// - Returns: whether the monitor goes on.
    private func monitorAnswered(_ name: ResourceName, token: Int, code: Int) -> Bool {
        guard monitors[name]?.token == token else { return false }
        monitorResults[name] = code
        guard code != 0 else { return true }
        monitors[name] = nil
        emit(
            "monitor-failed", .error, "the monitor of \(name) failed on \(local): \(OCFExitCode.describe(code))",
            resource: name)
        if senior == local {
            monitorFailed(name, on: local, code: code)
        } else if let senior {
            Task {
                _ = await self.ask(senior, deadline: .seconds(30)) {
                    .monitorFailed(id: $0, resource: name.rawValue, code: code)
                }
            }
        }
        return false
    }

    /// The senior's part of a monitor failure: plan the resource's `on-fail`.
    func monitorFailed(_ name: ResourceName, on node: NodeName, code: Int) {
        guard senior == local, state.state(of: name).activeNode == node else { return }
        enqueue(.resourceFailed(name, node: node, code: code))
    }

    // MARK: Shutting down

    /// Whether nothing runs here any more.
    var handedOver: Bool {
        !state.resources.values.contains { $0.node == local && $0.status != .stopped }
    }

    /// Hands this node's groups to a peer (or stops them), then lets ``run()`` end.
    ///
    /// The senior plans a standby of this node. When the senior is another node, this node asks it to, and waits
    /// until its state shows nothing running here; if the senior is lost or the handover takes longer than the
    /// groups' stop and start timeouts allow, this node stops its own resources itself.
    public func shutDown() async {
        guard !shuttingDown else { return }
        emit("engine-stopping", .info, "\(local) is stopping: its groups go to a peer, or stop")
        if senior == local {
            enqueue(.standby(local))
        } else if let senior, ready, !handedOver {
            _ = await ask(senior, deadline: .seconds(5)) { .request(id: $0, .standby(node: self.local.rawValue)) }
        }
        shuttingDown = true
        updateRole()
        let limit =
            spec.groups.map { group in
                group.resources.reduce(Duration.zero) { $0 + $1.stopTimeout.value + $1.startTimeout.value }
            }.max() ?? .zero
        let deadline = clock.now + limit + spec.heartbeat.deadtime.value * 2
        while !(handedOver && !planning), clock.now < deadline, senior == local || senior.map(isAlive) == true {
            try? await Task.sleep(for: spec.heartbeat.interval.value)
        }
        if !handedOver { await stopHere() }
        for monitor in monitors.values { monitor.task.cancel() }
        monitors = [:]
        stopped = true
        save()
        emit("engine-stopped", .info, "\(local) stopped")
    }

    private func isAlive(_ node: NodeName) -> Bool {
        node == local || membership.peer(node)?.state == .alive
    }

    /// Stops what runs on this node without a senior: this node's actions of a standby plan made here.
    private func stopHere() async {
        emit(
            "stopping-alone", .warning, "no senior node took \(local)'s groups: \(local) stops its resources itself")
        let plan = Planner.plan(spec, from: state, trigger: .standby(local))
        let report = await Executor().run(plan, with: LocalOnlyRunner(engine: self))
        state = state.applying(.standby(local), in: spec).applying(report, of: plan, in: spec)
        record(report, of: plan)
        save()
    }
}

extension ActionRequest {
    init(_ request: ActionRequest, id: UInt64) {
        self = request
        self.id = id
    }
}
