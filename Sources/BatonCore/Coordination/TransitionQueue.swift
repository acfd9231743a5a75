/// The one loop that changes a cluster state: a trigger is planned, its plan runs, its report is applied, and the
/// actions that failed are planned again, at most ``maximumReplans`` times; then the next trigger. `baton simulate`
/// and the senior node's engine both drive it, so a simulation shows what the engine does.
///
/// It performs nothing itself: ``enqueue(_:at:)`` and ``finished(_:at:)`` return the steps the driver takes, in
/// order. Each ``Step/run(_:round:)`` is answered by one ``finished(_:at:)`` with that plan's report.
public struct TransitionQueue: Sendable {
    /// How many re-plans follow one trigger at most, so a plan that keeps failing cannot loop.
    public static let maximumReplans = 5

    /// What the driver does next.
    public enum Step: Hashable, Sendable {
        /// The trigger cannot be planned, and why.
        case refused(Trigger, String)
        /// Run this plan (round 0 is the trigger's own, then each re-plan), then report with ``finished(_:at:)``.
        case run(Plan, round: Int)
        /// A probe found this resource running on its node while the state has it running on another: a second
        /// instance. The state keeps the first; the driver stops this one outside any plan.
        case stopSecondInstance(PlannedAction)
        /// The trigger's last plan ran.
        case finished(Transition)
    }

    /// One trigger, once its last plan ran.
    public struct Transition: Hashable, Sendable {
        /// The trigger.
        public var cause: Trigger
        /// How many plans ran: 1 and the re-plans.
        public var rounds: Int
        /// Groups that should run (not stopped, not waiting) and do not run whole on a live node: after a takeover,
        /// what it failed to start.
        public var notRunning: [GroupName]
        /// Groups that wait, with why (``GroupState/waiting``).
        public var waiting: [GroupName]
    }

    /// The configuration.
    public internal(set) var spec: ClusterSpec
    /// The state: applied to by every trigger and report; the driver may replace it (a state received from the
    /// senior) or change a fact in it between steps.
    public var state: ClusterState
    private var queued: [Trigger] = []
    private var current: (cause: Trigger, plan: Plan, round: Int)?

    /// Creates a queue holding `state`.
    public init(spec: ClusterSpec, state: ClusterState) {
        self.spec = spec
        self.state = state
    }

    /// Whether a plan runs or a trigger waits.
    public var isBusy: Bool { current != nil || !queued.isEmpty }

    /// The plan that runs, whose report ``finished(_:at:)`` waits for.
    public var running: Plan? { current?.plan }

    /// Queues `trigger`; when nothing runs, its first plan at once.
    public mutating func enqueue(_ trigger: Trigger, at time: Timestamp) -> [Step] {
        queued.append(trigger)
        return current == nil ? next(at: time) : []
    }

    /// Drops every queued trigger and forgets the plan that runs: its report, when it comes, is not applied. For a
    /// node that stops being the senior: the new senior's state replaces this one.
    public mutating func abandon() {
        queued = []
        current = nil
    }

    /// Applies the report of the plan that ran, and says what follows: second instances to stop, a re-plan, the
    /// end of the transition, the next trigger's plan.
    public mutating func finished(_ report: ExecutionReport, at time: Timestamp) -> [Step] {
        guard let (cause, plan, round) = current else { return [] }
        current = nil
        state.time = time
        let before = state
        state = state.applying(report, of: plan, in: spec)
        let seconds = secondInstances(report, of: plan, before: before)
        for probe in seconds {
            let name = probe.resource!
            if before.state(of: name).activeNode != nil {
                state.resources[name] = before.resources[name]
            } else if let kept = kept(name, report, of: plan, before: before) {
                state.resources[name]?.node = kept
            }
        }
        // A node that declined a start is leaving the cluster, or was lost: nothing more is planned for it until it
        // comes back (its return sets it online).
        for result in report.results where result.outcome?.declined == true {
            let node = plan.action(result.action).node
            if state.status(of: node) == .online { state = state.applying(.standby(node), in: spec) }
        }
        var steps = seconds.map(Step.stopSecondInstance)
        if !report.failures.isEmpty, round < Self.maximumReplans {
            steps += start(
                .replan(failed: report.failures.map { plan.action($0.action) }), cause: cause, round: round + 1)
        } else {
            steps.append(.finished(transition(cause, rounds: round + 1)))
            steps += next(at: time)
        }
        return steps
    }

    private mutating func next(at time: Timestamp) -> [Step] {
        var steps: [Step] = []
        while current == nil, !queued.isEmpty {
            let trigger = queued.removeFirst()
            state.time = time
            if let problem = trigger.problem(in: spec, state: state) {
                steps.append(.refused(trigger, problem))
                continue
            }
            steps += start(trigger, cause: trigger, round: 0)
        }
        return steps
    }

    private mutating func start(_ trigger: Trigger, cause: Trigger, round: Int) -> [Step] {
        let plan = Planner.plan(spec, from: state, trigger: trigger)
        state = state.applying(trigger, in: spec)
        current = (cause, plan, round)
        return [.run(plan, round: round)]
    }

    /// Probes that found a resource running on a node other than the one where it is kept: where the state had it
    /// running before the report, or else (it ran nowhere, as before a cleanup's probes) where the report put it.
    private func secondInstances(_ report: ExecutionReport, of plan: Plan, before: ClusterState) -> [PlannedAction] {
        report.results.compactMap { result in
            let action = plan.action(result.action)
            guard action.kind == .probe, result.outcome?.code == 0, let name = action.resource,
                let kept = kept(name, report, of: plan, before: before), kept != action.node
            else { return nil }
            return action
        }
    }

    /// Where a resource that probes found running is kept: where the state had it running before the report; else
    /// (it ran nowhere, as before a cleanup's probes) on its group's node when it was found there, beside the other
    /// members; else where the report put it.
    private func kept(_ name: ResourceName, _ report: ExecutionReport, of plan: Plan, before: ClusterState)
        -> NodeName?
    {
        if let running = before.state(of: name).activeNode { return running }
        let found = report.results.compactMap { result -> NodeName? in
            let action = plan.action(result.action)
            return action.kind == .probe && action.resource == name && result.outcome?.code == 0 ? action.node : nil
        }
        let home = spec.groupAndResource(named: name).flatMap { before.state(of: $0.0.name).node }
        return home.flatMap { found.contains($0) ? $0 : nil } ?? state.state(of: name).activeNode
    }

    private func transition(_ cause: Trigger, rounds: Int) -> Transition {
        let waiting = spec.groups.map(\.name).filter { state.state(of: $0).waiting != nil }
        let notRunning = spec.groups.filter { group in
            !state.state(of: group.name).stopped && state.runningNode(of: group) == nil
        }.map(\.name)
        return Transition(cause: cause, rounds: rounds, notRunning: notRunning, waiting: waiting)
    }
}
