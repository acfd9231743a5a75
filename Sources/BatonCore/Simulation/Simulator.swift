/// Plays a scenario: for each event, the plan, its run on the real executor with a ``SimulatingRunner``, the
/// re-plans the engine would make after failures, and the resulting state.
public struct Simulator: Sendable {
    /// How many re-plans follow one event at most, so a plan that keeps failing cannot loop.
    public static let maximumReplans = TransitionQueue.maximumReplans

    /// The configuration played against.
    public var spec: ClusterSpec
    /// The executor that runs each plan.
    public var executor: Executor

    /// Creates a simulator.
    public init(spec: ClusterSpec, executor: Executor = Executor()) {
        self.spec = spec
        self.executor = executor
    }

    /// One plan and what became of it.
    public struct Round: Hashable, Sendable {
        /// The plan.
        public var plan: Plan
        /// Its run.
        public var report: ExecutionReport
        /// The actions that failed because the scenario said so.
        public var injected: Set<Int>
    }

    /// One event, played.
    public struct Step: Hashable, Sendable {
        /// The event's number, from 1.
        public var number: Int
        /// When it happened.
        public var time: Timestamp
        /// The first plan, then each re-plan.
        public var rounds: [Round]
        /// The state once the last round ran.
        public var state: ClusterState
    }

    /// Plays every event from `state` through the engine's ``TransitionQueue``.
    /// - Throws: ``ScenarioFailure`` with every event that cannot be played (it names something the configuration
    ///   does not have, or its request would be refused) and every `fail:` label that no action of its event's plans
    ///   has, each at its line. An event that cannot be played is left out, and the rest is played, so that every
    ///   error is found at once.
    public func play(_ scenario: Scenario, from state: ClusterState) async throws(ScenarioFailure) -> [Step] {
        var queue = TransitionQueue(spec: spec, state: state)
        var steps: [Step] = []
        var errors: [ScenarioError] = []
        for (offset, event) in scenario.events.enumerated() {
            let time =
                event.time.map { Timestamp(milliseconds: 0).advanced(by: $0) }
                ?? queue.state.time.advanced(by: .seconds(1))
            queue.state.time = time
            let trigger: Trigger
            switch event.trigger(in: spec, state: queue.state) {
            case .success(let played): trigger = played
            case .failure(let error):
                errors.append(error)
                continue
            }
            var remaining = event.failing
            var rounds: [Round] = []
            var pending = queue.enqueue(trigger, at: time)
            while !pending.isEmpty {
                guard case .run(let plan, _) = pending.removeFirst() else { continue }
                let report = await executor.run(plan, with: SimulatingRunner(failing: remaining))
                let injected = Set(report.failures.map(\.action).filter { remaining[plan.action($0).label] != nil })
                for id in injected { remaining[plan.action(id).label] = nil }
                rounds.append(Round(plan: plan, report: report, injected: injected))
                pending += queue.finished(report, at: time)
            }
            steps.append(Step(number: offset + 1, time: queue.state.time, rounds: rounds, state: queue.state))
            let labels = rounds.flatMap { $0.plan.actions.map(\.label) }
            let unknown = event.failing.keys.filter { !labels.contains($0) }.map { label in
                let hint = Spelling.suggestion(for: label, among: labels).map { "; did you mean '\($0)'?" } ?? ""
                return ScenarioError(
                    location: event.failingLocations[label] ?? event.location,
                    message: "no action of the plans for event \(offset + 1) is '\(label)'\(hint)")
            }
            errors += unknown.sorted { $0.location < $1.location }
        }
        guard errors.isEmpty else { throw ScenarioFailure(errors: errors) }
        return steps
    }
}
