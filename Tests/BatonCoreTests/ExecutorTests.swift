import BatonCore
import Testing

/// The executor against a runner that records what ran, how many at once, and on which resources.
@Suite struct ExecutorTests {
    /// Records every run; holds each action for a moment so that concurrency can be observed.
    actor Recorder {
        var started: [String] = []
        var running: [String] = []
        var mostAtOnce = 0
        var overlapsOnOneResource = 0

        func begin(_ action: PlannedAction) {
            if let resource = action.resource, running.contains(where: { $0.hasPrefix("\(resource)|") }) {
                overlapsOnOneResource += 1
            }
            running.append("\(action.resource?.rawValue ?? "-")|\(action.id)")
            started.append(action.label)
            mostAtOnce = max(mostAtOnce, running.count)
        }

        func end(_ action: PlannedAction) {
            running.removeAll { $0 == "\(action.resource?.rawValue ?? "-")|\(action.id)" }
        }
    }

    struct RecordingRunner: ActionRunner {
        let recorder: Recorder
        var failing: Set<String> = []

        func run(_ action: PlannedAction) async -> ActionOutcome {
            await recorder.begin(action)
            try? await Task.sleep(for: .milliseconds(2))
            await recorder.end(action)
            return ActionOutcome(code: failing.contains(action.label) ? 1 : (action.kind == .probe ? 7 : 0))
        }
    }

    static func action(_ id: Int, _ kind: ActionKind, _ resource: String, waits: [Int] = []) -> PlannedAction {
        PlannedAction(
            id: id, kind: kind, node: NodeName("n1"), group: GroupName("g"), resource: ResourceName(resource),
            target: nil,
            timeout: .seconds(1), interval: nil, reason: "test",
            waits: waits.map { Dependency(action: $0, why: "test") },
            step: 1)
    }

    static func plan(_ actions: [PlannedAction]) -> Plan {
        Plan(
            trigger: .stopGroup(GroupName("g")), senior: nil, actions: actions, placement: [:], notes: [],
            detection: Detection(.zero, ""))
    }

    @Test func respectsTheConcurrencyBound() async {
        let recorder = Recorder()
        let actions = (1...40).map { Self.action($0, .start, "r\($0)") }
        let report = await Executor(maximumConcurrency: 3).run(
            Self.plan(actions), with: RecordingRunner(recorder: recorder))
        #expect(report.succeeded && report.results.count == 40)
        #expect(await recorder.mostAtOnce == 3)
    }

    @Test func neverRunsTwoActionsOnOneResourceAtOnce() async {
        let recorder = Recorder()
        // Independent actions, but five of them on each of two resources.
        let actions = (1...10).map { Self.action($0, .probe, $0 % 2 == 0 ? "even" : "odd") }
        let report = await Executor(maximumConcurrency: 8).run(
            Self.plan(actions), with: RecordingRunner(recorder: recorder))
        #expect(report.succeeded)
        #expect(await recorder.overlapsOnOneResource == 0)
        #expect(await recorder.mostAtOnce == 2)
    }

    @Test func skipsEverythingDownstreamOfAFailureAndRunsTheRest() async {
        let recorder = Recorder()
        // 1 -> 2 -> 3, 2 -> 4; 5 is independent. 2 fails.
        let actions = [
            Self.action(1, .start, "a"), Self.action(2, .start, "b", waits: [1]),
            Self.action(3, .start, "c", waits: [2]),
            Self.action(4, .monitor, "b", waits: [2]), Self.action(5, .start, "d"),
        ]
        var reported: [Int] = []
        let report = await Executor().run(
            Self.plan(actions), with: RecordingRunner(recorder: recorder, failing: ["start b on n1"])
        ) {
            reported.append($0.action)
        }
        #expect(
            report.results.map(\.status) == [
                .succeeded, .failed, .skipped(because: 2), .skipped(because: 2), .succeeded,
            ])
        #expect(reported.sorted() == [1, 2, 3, 4, 5])
        #expect(await recorder.started.sorted() == ["start a on n1", "start b on n1", "start d on n1"])
    }

    @Test func waitsForEveryDependency() async {
        let recorder = Recorder()
        let actions = [
            Self.action(1, .stop, "a"), Self.action(2, .stop, "b"), Self.action(3, .start, "c", waits: [1, 2]),
        ]
        _ = await Executor().run(Self.plan(actions), with: RecordingRunner(recorder: recorder))
        #expect(await recorder.started.last == "start c on n1")
    }

    @Test func probeFindingTheResourceRunningStopsWhatWaitsForIt() async {
        struct FoundRunning: ActionRunner {
            func run(_ action: PlannedAction) async -> ActionOutcome { ActionOutcome(code: 0) }
        }
        let actions = [Self.action(1, .probe, "a"), Self.action(2, .start, "a", waits: [1])]
        let report = await Executor().run(Self.plan(actions), with: FoundRunning())
        #expect(report.results.map(\.status) == [.failed, .skipped(because: 1)])
    }

    @Test func simulatedPlanOfARealConfigurationRunsEveryAction() async throws {
        let spec = try #require(PlannerTests.threeNodes())
        let plan = Planner.plan(spec, from: .steady(spec), trigger: .nodeLost(NodeName("n1")))
        let report = await Executor(maximumConcurrency: 2).run(plan, with: SimulatingRunner())
        #expect(report.succeeded && report.results.count == plan.actions.count)
        let after = ClusterState.steady(spec).applying(.nodeLost(NodeName("n1")), in: spec).applying(
            report, of: plan, in: spec)
        #expect(after.state(of: ResourceName("r2")).node == NodeName("n2"))
        #expect(after.state(of: GroupName("g")).generation == 2)
        #expect(after.nodes[NodeName("n2")]?.role == .main)
    }
}
