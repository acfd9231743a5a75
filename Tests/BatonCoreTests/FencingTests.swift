import BatonCore
import Foundation
import Testing

/// Fencing in plans and states: what a lost node or a failed stop leads to, what a fence's result does, and who
/// waits in a fence race.
@Suite struct FencingTests {
    static let here = SourceLocation(file: "test.yaml", line: 1, column: 1)
    static let n1 = NodeName("n1")
    static let n2 = NodeName("n2")
    static let n3 = NodeName("n3")

    /// The three-node cluster of the planner tests, each node fenced by its own device.
    static let spec: ClusterSpec = {
        var spec = PlannerTests.threeNodes()!
        let devices = ["n1", "n2", "n3"].map {
            FenceDevice(name: DeviceName("ipmi-\($0)"), agent: Located("fence_ipmilan", at: here), at: here)
        }
        let topology = ["n1", "n2", "n3"].map { node in
            NodeFencing(
                node: Located(NodeName(node), at: here),
                levels: [FenceLevel(devices: [Located(DeviceName("ipmi-\(node)"), at: here)], at: here)])
        }
        spec.fencing = FencingSpec(devices: devices, topology: topology, at: here)
        return spec
    }()

    /// Every node online, group `g` started on `node`.
    static func running(on node: String) -> ClusterState { ResultsTests.running(on: node) }

    /// The state once `plan` ran, each action succeeding unless it is `failing` (or waits for one that did not).
    static func ran(
        _ plan: Plan, from state: ClusterState, failing: String? = nil, in spec: ClusterSpec = FencingTests.spec
    ) -> ClusterState {
        var blocked: Set<Int> = []
        var results: [ActionResult] = []
        // Numbered by step: what an action waits for comes before it.
        for action in plan.actions {
            if let wait = action.waits.first(where: { blocked.contains($0.action) }) {
                blocked.insert(action.id)
                results.append(ActionResult(action: action.id, status: .skipped(because: wait.action), outcome: nil))
                continue
            }
            let failed = action.label == failing
            if failed { blocked.insert(action.id) }
            results.append(
                ActionResult(
                    action: action.id, status: failed ? .failed : .succeeded,
                    outcome: ActionOutcome(
                        code: failed ? 1 : action.kind == .probe ? 7 : 0,
                        message: failed ? "exit 1: unable to connect" : "")))
        }
        return state.applying(ExecutionReport(results: results), of: plan, in: spec)
    }

    @Test func specIsValid() {
        #expect(Self.spec.validate().filter { $0.severity == .error }.isEmpty)
    }

    @Test func aLostNodeIsFencedBeforeItsGroupStartsElsewhere() throws {
        let state = Self.running(on: "n1")
        let plan = Planner.plan(Self.spec, from: state, trigger: .nodeLost(Self.n1))
        let fence = try #require(plan.actions.first { $0.kind == .fence })
        #expect(fence.label == "fence n1 (reboot) via ipmi-n1")
        #expect(fence.node == Self.n2, "the senior of the nodes left fences")
        #expect(fence.target == Self.n1)
        #expect(fence.fence?.delay == .seconds(5), "n2 holds no group, n1 holds one: n2 waits")
        #expect(fence.timeout == .seconds(45), "20s twice (one retry), and the delay")
        let firstStart = try #require(plan.actions.first { $0.kind == .start })
        #expect(firstStart.waits.contains { $0.action == fence.id && $0.why == "n1 fenced" })
        #expect(!plan.actions.contains { $0.kind == .stop }, "nothing is stopped on a lost node")
        #expect(plan.actions.allSatisfy { $0.kind != .fenceNeeded })
        #expect(PlanRenderer.text(plan).contains("fence n1 (reboot) via ipmi-n1 (on n2, after a delay of 5s"))
    }

    @Test func theFencerThatHoldsTheGroupsDoesNotWait() throws {
        // The partition seen from n1, which runs g: it fences n2 at once.
        let plan = Planner.plan(Self.spec, from: Self.running(on: "n1"), trigger: .nodeLost(Self.n2))
        let fence = try #require(plan.actions.first { $0.kind == .fence })
        #expect(fence.node == Self.n1 && fence.target == Self.n2)
        #expect(fence.fence?.delay == .zero)
        #expect(fence.timeout == .seconds(40))
    }

    @Test func withEqualHoldingsTheLessSeniorNodeWaits() throws {
        var state = ClusterState()
        for name in ["n1", "n2", "n3"] { state.nodes[NodeName(name)] = NodeState(status: .online) }
        state.nodes[Self.n1]?.status = .lost
        // n2 is the senior once n1 is lost; n2 is less senior than n1, and neither holds anything.
        let lost = Planner.plan(Self.spec, from: state, trigger: .nodeLost(Self.n3))
        let fence = try #require(lost.actions.first { $0.kind == .fence && $0.target == Self.n3 })
        #expect(fence.node == Self.n2 && fence.fence?.delay == .zero, "n2 is more senior than n3")

        // Seen from n3 alone, n2 lost too: n3 is less senior than n2 and holds as many groups (none).
        var alone = state
        alone.nodes[Self.n2]?.status = .lost
        let fromN3 = Planner.plan(Self.spec, from: alone, trigger: .fence(Self.n2))
        let late = try #require(fromN3.actions.first { $0.kind == .fence && $0.target == Self.n2 })
        #expect(late.node == Self.n3 && late.fence?.delay == .seconds(5))
        #expect(late.reason.hasSuffix("n3 holds as many groups as n2 and is less senior, so it waits 5s first"))
    }

    @Test func aFenceThatSucceededMakesWhatTheNodeRanStopped() throws {
        let state = Self.running(on: "n1")
        let plan = Planner.plan(Self.spec, from: state, trigger: .nodeLost(Self.n1))
        let after = Self.ran(plan, from: state.applying(.nodeLost(Self.n1), in: Self.spec))
        #expect(after.fence(of: Self.n1) == nil)
        #expect(after.status(of: Self.n1) == .lost)
        #expect(after.runningNode(of: Self.spec.groups[0]) == Self.n2)
    }

    @Test func aFenceThatFailedBlocksTheGroupAndSaysWhatToDo() throws {
        let state = Self.running(on: "n1").applying(.nodeLost(Self.n1), in: Self.spec)
        #expect(state.fence(of: Self.n1) == .needed("n1 was lost"))
        let plan = Planner.plan(Self.spec, from: Self.running(on: "n1"), trigger: .nodeLost(Self.n1))
        let after = Self.ran(plan, from: state, failing: "fence n1 (reboot) via ipmi-n1")
        #expect(after.fence(of: Self.n1) == .failed("its fence failed: exit 1: unable to connect"))
        #expect(after.state(of: ResourceName("r1")).activeNode == Self.n1, "it may still run there")
        let replan = Planner.plan(Self.spec, from: after, trigger: .replan(failed: []))
        #expect(replan.actions.isEmpty, "nothing starts elsewhere, nothing fences again by itself")
        #expect(replan.placement[GroupName("g")] == .some(Self.n1))
        let note = try #require(replan.notes.first)
        #expect(note.contains("n1 could not be fenced"))
        #expect(note.contains("'baton fence n1'") && note.contains("'baton fence confirm n1'"))

        // The administrator fences it again, and this time it works.
        let again = Planner.plan(Self.spec, from: after, trigger: .fence(Self.n1))
        #expect(again.actions.first?.kind == .fence)
        #expect(again.actions.contains { $0.kind == .start && $0.node == Self.n2 })
    }

    @Test func confirmingALostNodeIsOffLetsItsGroupStartElsewhere() throws {
        var failed = Self.running(on: "n1").applying(.nodeLost(Self.n1), in: Self.spec)
        failed.nodes[Self.n1]?.fence = .failed("its fence failed")
        #expect(Trigger.fenceConfirmed(Self.n1).problem(in: Self.spec, state: failed) == nil)
        let plan = Planner.plan(Self.spec, from: failed, trigger: .fenceConfirmed(Self.n1))
        #expect(!plan.actions.contains { $0.kind == .fence }, "sworn off: no fence")
        #expect(plan.actions.contains { $0.kind == .start && $0.node == Self.n2 })
        let confirmed = failed.applying(.fenceConfirmed(Self.n1), in: Self.spec)
        #expect(confirmed.fence(of: Self.n1) == nil)
        #expect(confirmed.state(of: ResourceName("r1")) == ResourceState())
    }

    @Test func aNodeThatIsHeardCannotBeConfirmedOff() {
        let problem = Trigger.fenceConfirmed(Self.n1).problem(in: Self.spec, state: Self.running(on: "n1"))
        #expect(problem?.contains("n1 is heard") == true)
        #expect(Trigger.fence(Self.n1).problem(in: PlannerTests.threeNodes()!, state: ClusterState()) != nil)
    }

    @Test func aFailedStopFencesTheNodeInsteadOfBlockingTheGroup() throws {
        let state = Self.running(on: "n1")
        let after = ResultsTests.after(state, .stop, "r3", on: "n1", ActionOutcome(code: 1))
        // ResultsTests.after applies with a spec without fencing: the group is blocked.
        #expect(after.fence(of: Self.n1) == nil)
        let fenced = Self.afterStopFailed(state)
        #expect(fenced.fence(of: Self.n1) == .needed("stop of r3 failed on n1"))
        #expect(fenced.state(of: ResourceName("r3")).status == .blocked)
        let plan = Planner.plan(Self.spec, from: fenced, trigger: .replan(failed: []))
        let fence = try #require(plan.actions.first { $0.kind == .fence })
        #expect(fence.target == Self.n1 && fence.node == Self.n2)
        #expect(plan.placement[GroupName("g")] == .some(Self.n2))
        #expect(!plan.actions.contains { $0.kind == .stop }, "the fence stops what runs on n1")
        let done = Self.ran(plan, from: fenced)
        #expect(done.status(of: Self.n1) == .lost, "fenced: it rejoins when it comes back")
        #expect(done.state(of: ResourceName("r3")).failures.isEmpty, "the fenced machine starts afresh")
        #expect(done.runningNode(of: Self.spec.groups[0]) == Self.n2)
    }

    @Test func aCleanupClearsOnlyTheFenceOfTheNodeWhereTheResourceWasBlocked() {
        var failed = Self.afterStopFailed(Self.running(on: "n1"))
        failed.nodes[Self.n1]?.fence = .failed("its fence failed")
        failed.nodes[Self.n2]?.fence = .failed("its fence failed")
        let unrelated = failed.applying(.cleanup(ResourceName("r1")), in: Self.spec)
        #expect(unrelated.fence(of: Self.n1) != nil, "r1 was not blocked: n1 may still run r3")
        let cleaned = failed.applying(.cleanup(ResourceName("r3")), in: Self.spec)
        #expect(cleaned.fence(of: Self.n1) == nil)
        #expect(cleaned.fence(of: Self.n2) != nil, "nothing of n2's was cleaned up")
    }

    /// The state once the stop of r3 failed on n1, with fencing configured.
    static func afterStopFailed(_ state: ClusterState) -> ClusterState {
        let action = PlannedAction(
            id: 1, kind: .stop, node: n1, group: GroupName("g"), resource: ResourceName("r3"), target: nil,
            timeout: .seconds(1), interval: nil, reason: "test", waits: [], step: 1)
        let plan = Plan(
            trigger: .formed, senior: nil, actions: [action], placement: [:], notes: [], detection: Detection(.zero, "")
        )
        return state.applying(
            ExecutionReport(results: [ActionResult(action: 1, status: .failed, outcome: ActionOutcome(code: 1))]),
            of: plan, in: spec)
    }

    @Test func aNodeThatReturnsNeedNotBeFenced() {
        let lost = Self.running(on: "n1").applying(.nodeLost(Self.n1), in: Self.spec)
        let back = lost.applying(.nodeJoined(Self.n1), in: Self.spec)
        #expect(back.fence(of: Self.n1) == nil)
        #expect(back.status(of: Self.n1) == .online)
    }

    @Test func aNodeLostAgainWhileLostIsNotFencedTwice() {
        var fenced = Self.running(on: "n2")
        fenced.nodes[Self.n1]?.status = .lost
        #expect(fenced.applying(.nodeLost(Self.n1), in: Self.spec).fence(of: Self.n1) == nil)
    }

    @Test func withoutFencingALostNodeIsConfirmedDeadByMembership() throws {
        let spec = PlannerTests.threeNodes()!
        let plan = Planner.plan(spec, from: Self.running(on: "n1"), trigger: .nodeLost(Self.n1))
        #expect(plan.actions.contains { $0.kind == .fenceNeeded })
        #expect(!plan.actions.contains { $0.kind == .fence })
    }

    @Test func fencingOffIsNoFencing() throws {
        var spec = Self.spec
        spec.fencing?.mode = .off
        let plan = Planner.plan(spec, from: Self.running(on: "n1"), trigger: .nodeLost(Self.n1))
        #expect(plan.actions.contains { $0.kind == .fenceNeeded })
        #expect(spec.validate().allSatisfy { $0.severity != .warning || !$0.message.contains("no fencing") })
    }

    @Test func theStateFileKeepsFenceStatus() throws {
        var state = Self.running(on: "n1")
        state.nodes[Self.n1]?.fence = .failed("its fence failed: timed out")
        state.nodes[Self.n2]?.fence = .needed("n2 was lost")
        let data = try JSONEncoder().encode(state)
        #expect(try JSONDecoder().decode(ClusterState.self, from: data) == state)
        #expect(String(decoding: data, as: UTF8.self).contains("\"fence\":\"failed\""))
    }
}
