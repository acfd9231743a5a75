import BatonCore
import Foundation
import Testing

/// The tiebreaker: where groups may run when a node reaches no target, what a node cut off does, how the senior learns
/// each node's reach, and what validation says.
@Suite struct TiebreakerTests {
    typealias C = NodeControllerTests
    static let here = SourceLocation(file: "test.yaml", line: 1, column: 1)
    static let n1 = NodeName("n1")
    static let n2 = NodeName("n2")
    static let n3 = NodeName("n3")
    static let g = GroupName("g")

    static func target(_ text: String) -> Located<IPAddress> { Located(try! IPAddress(configText: text), at: here) }

    static func withTiebreaker(_ spec: ClusterSpec, timeout: Duration? = nil) -> ClusterSpec {
        var spec = spec
        spec.tiebreaker = TiebreakerSpec(
            targets: [target("10.0.0.254")], timeout: timeout.map { Located($0, at: here) },
            heartbeat: spec.heartbeat, at: here)
        return spec
    }

    /// The three-node cluster of the planner tests, with a tiebreaker.
    static let spec = withTiebreaker(PlannerTests.threeNodes()!)

    /// g runs on `node`; the nodes in `lost` reach no tiebreaker target.
    static func running(on node: String, lost: [NodeName] = [], status: [NodeName: NodeStatus] = [:]) -> ClusterState {
        var state = ResultsTests.running(on: node)
        for name in lost { state.nodes[name]?.tiebreakerLost = true }
        for (name, value) in status { state.nodes[name]?.status = value }
        return state.withRoles(spec)
    }

    static func starts(_ plan: Plan) -> Set<NodeName> { Set(plan.actions.filter { $0.kind == .start }.map(\.node)) }

    // MARK: Placement

    @Test func aNodeThatLosesTheTiebreakerHandsItsGroupsToOneThatReachesIt() {
        let state = Self.running(on: "n1").applying(.tiebreaker(Self.n1, reached: false), in: Self.spec)
        #expect(state.nodes[Self.n1]?.tiebreakerLost == true)
        let plan = Planner.plan(Self.spec, from: Self.running(on: "n1"), trigger: .tiebreaker(Self.n1, reached: false))
        #expect(Self.starts(plan) == [Self.n2], "g moves to the next node, which reaches the tiebreaker")
        #expect(plan.actions.contains { $0.kind == .stop && $0.node == Self.n1 })
        #expect(PlanRenderer.text(plan).contains("node n1 reaches no tiebreaker target"))
    }

    @Test func aSurvivorThatReachesNoTargetTakesNothingOver() {
        // n1 is lost; n2 and n3 both reach no target: the one that runs nothing takes nothing over.
        let state = Self.running(on: "n1", lost: [Self.n2, Self.n3])
        let plan = Planner.plan(Self.spec, from: state, trigger: .nodeLost(Self.n1))
        #expect(Self.starts(plan).isEmpty)
        // n3 reaches it: g goes there, not to the more senior n2.
        let reaching = Planner.plan(
            Self.spec, from: Self.running(on: "n1", lost: [Self.n2]), trigger: .nodeLost(Self.n1))
        #expect(Self.starts(reaching) == [Self.n3])
    }

    @Test func whenNoNodeHeardReachesATargetTheGroupsStayWhereTheyRun() {
        // The tiebreaker itself is down; the nodes hear each other: there is no tie to break.
        let state = Self.running(on: "n1", lost: [Self.n1, Self.n2, Self.n3])
        let plan = Planner.plan(Self.spec, from: state, trigger: .tiebreaker(Self.n3, reached: false))
        #expect(plan.actions.isEmpty, "\(PlanRenderer.text(plan))")
    }

    @Test func aNodeAloneThatReachesNoTargetStopsItsGroups() throws {
        let state = Self.running(on: "n1", lost: [Self.n1], status: [Self.n2: .lost, Self.n3: .lost])
        let plan = Planner.plan(Self.spec, from: state, trigger: .tiebreaker(Self.n1, reached: false))
        #expect(plan.actions.filter { $0.kind == .stop }.count == 3 && Self.starts(plan).isEmpty)
        let placement = PlanRenderer.text(plan)
        #expect(placement.contains("n1 reaches no tiebreaker target and hears no peer"), "\(placement)")
    }

    @Test func withoutATiebreakerTheFlagChangesNothing() {
        let spec = PlannerTests.threeNodes()!
        var state = ResultsTests.running(on: "n1")
        state.nodes[Self.n1]?.tiebreakerLost = true
        let plan = Planner.plan(spec, from: state, trigger: .online(Self.n1))
        #expect(plan.actions.isEmpty)
    }

    @Test func theStateFileKeepsWhoLostTheTiebreaker() throws {
        let state = Self.running(on: "n1", lost: [Self.n2])
        let data = try JSONEncoder().encode(state)
        let json = String(decoding: data, as: UTF8.self)
        #expect(json.contains("\"tiebreakerLost\":true") && json.components(separatedBy: "tiebreakerLost").count == 2)
        #expect(try JSONDecoder().decode(ClusterState.self, from: data) == state)
    }

    @Test func withFencingANodeThatReachesNoTargetFencesNoOne() throws {
        var spec = FencingTests.spec
        spec.tiebreaker = Self.spec.tiebreaker
        // Seen from n1, cut off with g: it lost n2 and n3, and reaches no target. It fences no one.
        var state = Self.running(on: "n1", lost: [Self.n1])
        state.nodes[Self.n3]?.status = .lost
        let cutOff = Planner.plan(spec, from: state, trigger: .nodeLost(Self.n2))
        #expect(!cutOff.actions.contains { $0.kind == .fence }, "\(PlanRenderer.text(cutOff))")
        // Seen from n2, which reaches the tiebreaker: it fences n1 (after its delay), then takes g over.
        let reaching = Planner.plan(spec, from: Self.running(on: "n1"), trigger: .nodeLost(Self.n1))
        let fence = try #require(reaching.actions.first { $0.kind == .fence })
        #expect(fence.node == Self.n2 && fence.target == Self.n1)
        #expect(Self.starts(reaching) == [Self.n2])
    }

    // MARK: The controller

    static let controllerSpec = withTiebreaker(C.spec)

    /// n1 runs g with n2 as its ready standby; n2's last heartbeat came at 50 ms; n1 reaches the tiebreaker.
    static let runningWithTiebreaker: [C.Step] = [
        .input(20, .tiebreaker(reached: true)), C.heartbeat(50, tiebreaker: true), C.drain(60),
    ]

    @Test func aNodeCutOffStopsWhatItRunsBeforeDeadtimeAndStartsNothing() {
        // n2 falls silent after 50 ms; from 120 ms no target answers. At 300 ms (half the deadtime of silence) n1 is
        // cut off: it stops g itself, long before n2 would take g over at 550 ms.
        var run = C.Run(
            C.Case(
                name: "cut off", spec: Self.controllerSpec,
                steps: Self.runningWithTiebreaker + [
                    C.tick(100), .input(120, .tiebreaker(reached: false)), C.tick(200),
                ],
                expect: []))
        #expect(!run.controller.cutOff && !run.actions.contains(.stopHere))
        _ = run.input(.tick, at: 300)
        #expect(run.controller.cutOff && run.last.contains(.stopHere))
        #expect(run.events.contains(.cutOff) && run.events.contains(.tiebreakerLost))
        let event = run.actions.lazy.compactMap { action -> ClusterEvent? in
            if case .emit(let event, _) = action, event.name == .cutOff { event } else { nil }
        }.first
        #expect(event?.severity == .critical)
        #expect(event?.message.contains("hears no peer for 250ms") == true, "\(String(describing: event))")
        // What it stopped is stopped in its state; a start now is refused, and it is no failure of n2's.
        for resource in [C.r2, C.r1] {
            _ = run.input(.remainingStopped(resource, of: Self.g, succeeded: true), at: 310)
        }
        #expect(run.controller.state.state(of: C.r1).status == .stopped)
        let refused = run.input(.localAction(.start, C.r1), at: 320)
        #expect(refused.contains { if case .reply(let outcome) = $0 { outcome.code == 1 } else { false } })
        // n2 is heard again: n1 is no longer cut off.
        _ = run.input(.heard(Self.n2, link: 0, boot: C.firstBoot, nil), at: 400)
        _ = run.input(.tick, at: 400)
        #expect(!run.controller.cutOff)
    }

    @Test func aTargetThatAnswersAgainWhileNoPeerIsHeardCountsAfterADeadtime() {
        var run = C.Run(
            C.Case(
                name: "heal", spec: Self.controllerSpec,
                steps: Self.runningWithTiebreaker + [
                    C.tick(100), .input(120, .tiebreaker(reached: false)), C.tick(300),
                ],
                expect: []))
        #expect(run.controller.cutOff)
        for time in stride(from: Int64(400), through: 800, by: 100) {
            _ = run.input(.tiebreaker(reached: true), at: time)
            #expect(run.controller.tiebreakerReached == false, "at \(time) ms")
        }
        _ = run.input(.tiebreaker(reached: true), at: 900)
        #expect(run.controller.tiebreakerReached == true && run.events.contains(.tiebreakerReached))
        // With a peer heard, a target that answers again counts at once.
        _ = run.input(.tiebreaker(reached: false), at: 1000)
        _ = run.input(.heard(Self.n2, link: 0, boot: C.secondBoot, nil), at: 1010)
        _ = run.input(.tiebreaker(reached: true), at: 1020)
        #expect(run.controller.tiebreakerReached == true)
    }

    @Test func aNodeThatReachesATargetIsNotCutOffWhenItsPeerFallsSilent() {
        var run = C.Run(
            C.Case(name: "reaches", spec: Self.controllerSpec, steps: Self.runningWithTiebreaker, expect: []))
        for time in stride(from: Int64(100), through: 400, by: 100) {
            _ = run.input(.tiebreaker(reached: true), at: time)
            _ = run.input(.tick, at: time)
        }
        #expect(!run.controller.cutOff && !run.actions.contains(.stopHere))
    }

    @Test func theSeniorPutsEachNodesReachInTheStateAndMovesTheGroups() {
        let run = C.Run(
            C.Case(
                name: "ipfail", spec: Self.controllerSpec,
                steps: Self.runningWithTiebreaker + [
                    .input(100, .tiebreaker(reached: false)), C.heartbeat(110, tiebreaker: true), C.drain(120),
                ], expect: []))
        #expect(run.plans.contains { $0.trigger == .tiebreaker(Self.n1, reached: false) })
        #expect(run.controller.state.nodes[Self.n1]?.tiebreakerLost == true)
        #expect(run.controller.state.state(of: Self.g).node == Self.n2, "g went to n2, which reaches the tiebreaker")
        #expect(run.controller.summary.tiebreaker == false, "n1's heartbeats say it reaches no target")
    }

    @Test func aPeersHeartbeatsTellTheSeniorOnceEach() {
        let run = C.Run(
            C.Case(
                name: "peer", spec: Self.controllerSpec,
                steps: Self.runningWithTiebreaker + [
                    C.heartbeat(110, tiebreaker: false), C.heartbeat(120, tiebreaker: false), C.drain(130),
                ], expect: []))
        #expect(run.plans.filter { $0.trigger == .tiebreaker(Self.n2, reached: false) }.count == 1)
        #expect(run.controller.state.nodes[Self.n2]?.tiebreakerLost == true)
        #expect(run.controller.state.state(of: Self.g).node == Self.n1, "g stays where it runs")
    }

    // MARK: Validation

    @Test func validation() {
        var spec = Self.withTiebreaker(PlannerTests.threeNodes()!, timeout: .seconds(5))
        spec.tiebreaker!.targets += [Self.target("10.0.0.254"), Self.target("10.0.0.2")]
        let messages = spec.validate().filter { $0.severity == .error }.map(\.message)
        #expect(messages.contains("tiebreaker timeout 5s must be shorter than deadtime 5s"), "\(messages)")
        #expect(messages.contains("duplicate tiebreaker target 10.0.0.254"))
        #expect(messages.contains("tiebreaker target 10.0.0.2 is a link of node 'n2'"))
        #expect(Self.spec.validate().filter { $0.severity == .error }.isEmpty)
        #expect(Self.spec.tiebreaker?.timeout.value == Self.spec.heartbeat.deadtime.value / 2)
    }

    @Test func aTiebreakerSilencesTheWarningAboutData() {
        var spec = PlannerTests.threeNodes()!
        spec.groups[0].resources[0].agent = Located(.builtin(.volume), at: Self.here)
        let warns = { (spec: ClusterSpec) in spec.validate().contains { $0.message.contains("holds data") } }
        #expect(warns(spec))
        #expect(!warns(Self.withTiebreaker(spec)))
    }
}
