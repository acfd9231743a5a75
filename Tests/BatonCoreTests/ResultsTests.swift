import BatonCore
import Testing

/// What the state becomes once a plan ran: the facts the engine's fault handling relies on.
@Suite struct ResultsTests {
    static let spec = PlannerTests.threeNodes()!

    /// A state with every node online and group `g` (r1, r2, r3) started on `node`.
    static func running(on node: String?) -> ClusterState {
        var state = ClusterState()
        for name in ["n1", "n2", "n3"] { state.nodes[NodeName(name)] = NodeState(status: .online) }
        if let node {
            for resource in ["r1", "r2", "r3"] {
                state.resources[ResourceName(resource)] = ResourceState(status: .started, node: NodeName(node))
            }
            state.groups[GroupName("g")] = GroupState(node: NodeName(node), generation: 1)
        }
        return state.withRoles(spec)
    }

    /// The state after one action of `kind` on `resource` at `node` ended with `outcome`.
    static func after(
        _ state: ClusterState, _ kind: ActionKind, _ resource: String, on node: String, _ outcome: ActionOutcome
    ) -> ClusterState {
        let action = PlannedAction(
            id: 1, kind: kind, node: NodeName(node), group: GroupName("g"), resource: ResourceName(resource),
            target: nil, timeout: .seconds(1), interval: nil, reason: "test", waits: [], step: 1)
        let plan = Plan(
            trigger: .formed, senior: nil, actions: [action], placement: [:], notes: [], detection: Detection(.zero, "")
        )
        let status: ActionResult.Status = kind.succeeds(with: outcome.code) ? .succeeded : .failed
        return state.applying(
            ExecutionReport(results: [ActionResult(action: 1, status: status, outcome: outcome)]), of: plan, in: spec)
    }

    @Test func aProbeThatFindsTheFirstMemberRunningAdoptsTheGroupThere() {
        var state = Self.running(on: nil)
        state.groups[GroupName("g")] = GroupState(node: NodeName("n2"), generation: 3)
        let after = Self.after(state, .probe, "r1", on: "n1", ActionOutcome(code: 0))
        #expect(after.state(of: ResourceName("r1")) == ResourceState(status: .started, node: NodeName("n1")))
        #expect(after.state(of: GroupName("g")).node == NodeName("n1"), "recorded where it runs")
        #expect(after.state(of: GroupName("g")).generation == 3, "a probe starts nothing: no new generation")
    }

    @Test func aSecondInstanceFoundByAProbeLeavesTheGroupWhereItRuns() {
        let after = Self.after(Self.running(on: "n1"), .probe, "r1", on: "n2", ActionOutcome(code: 0))
        #expect(after.state(of: GroupName("g")).node == NodeName("n1"))
    }

    @Test func aStartRefusedBecauseAnotherMachineAnswersIsNoFailure() {
        let after = Self.after(
            Self.running(on: nil), .start, "r1", on: "n2",
            ActionOutcome(code: 1, message: "answers", heldElsewhere: true))
        #expect(after.state(of: ResourceName("r1")) == ResourceState(), "stopped, no failure on record")
        #expect(after.state(of: GroupName("g")).stopped, "the group waits instead of starting elsewhere")
    }

    @Test func aStartDeclinedByANodeThatLeavesChangesNothing() {
        let state = Self.running(on: nil)
        let after = Self.after(state, .start, "r1", on: "n2", ActionOutcome(code: 1, declined: true))
        #expect(after == state)
    }

    @Test func whatALostNodeRanCountsAsStoppedOnceItsPlanRan() {
        var state = Self.running(on: "n1")
        state.nodes[NodeName("n1")]?.status = .lost
        let after = Self.after(state, .start, "r1", on: "n2", ActionOutcome(code: 1))
        #expect(after.state(of: ResourceName("r2")) == ResourceState(), "never started on a node that is gone")
        #expect(
            after.state(of: ResourceName("r1")).status == .failed
                && after.state(of: ResourceName("r1")).node == NodeName("n2"))
    }

    @Test func aGroupBlockedOnALostNodeStaysAsItIs() {
        var state = Self.running(on: "n1")
        state.nodes[NodeName("n1")]?.status = .lost
        state.resources[ResourceName("r3")]?.status = .blocked
        let after = Self.after(state, .probe, "r1", on: "n2", ActionOutcome(code: 7))
        #expect(after.state(of: ResourceName("r1")).node == NodeName("n1"), "its blocked member may still run there")
        #expect(after.state(of: ResourceName("r3")).status == .blocked)
    }

    /// A blocked resource may run where its stop failed and where it ran before: only a cleanup changes its record,
    /// not what a probe finds there or elsewhere, nor a monitor failure.
    @Test func aBlockedResourceKeepsItsRecordUntilACleanup() {
        var state = Self.running(on: "n1")
        let blocked = ResourceState(
            status: .blocked, node: NodeName("n2"),
            failures: [Failure(node: NodeName("n2"), action: "stop", code: 1, time: Timestamp(milliseconds: 0))])
        state.resources[ResourceName("r1")] = blocked
        for (node, code) in [("n1", 0), ("n2", 0), ("n2", 7), ("n3", 7)] {
            let after = Self.after(state, .probe, "r1", on: node, ActionOutcome(code: code))
            #expect(after.state(of: ResourceName("r1")) == blocked, "probe on \(node) answered \(code)")
        }
        let failed = state.applying(.resourceFailed(ResourceName("r1"), node: NodeName("n2"), code: 7), in: Self.spec)
        #expect(failed.state(of: ResourceName("r1")).status == .blocked)
        #expect(failed.state(of: ResourceName("r1")).failures.count == 2, "the failure is on record")
        let cleaned = state.applying(.cleanup(ResourceName("r1")), in: Self.spec)
        #expect(cleaned.state(of: ResourceName("r1")) == ResourceState())
    }
}
