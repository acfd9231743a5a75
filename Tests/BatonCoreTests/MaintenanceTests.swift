import BatonCore
import Foundation
import Testing

/// `baton maintenance`: what is covered is neither started, stopped, monitored nor fenced, also when its node is
/// lost or its engine stops; when the maintenance ends, what it covered is probed before anything is done.
@Suite struct MaintenanceTests {
    static let n1 = NodeName("n1")
    static let n2 = NodeName("n2")
    static let g = GroupName("g")

    /// The planner tests' three nodes with a monitor on every resource; `fencing` adds the fencing tests' devices.
    static func spec(fencing: Bool = false) -> ClusterSpec {
        var spec = fencing ? FencingTests.spec : PlannerTests.threeNodes()!
        for index in spec.groups[0].resources.indices { spec.groups[0].resources[index].monitor = MonitorSettings() }
        return spec
    }

    @Test func aNodeInMaintenanceKeepsItsGroupThroughStandbyLossAndAnotherNodesFailure() throws {
        let spec = Self.spec()
        let on = ResultsTests.running(on: "n1").applying(.maintenance(.node(Self.n1), on: true), in: spec)
        let cancels = Planner.plan(spec, from: on, trigger: .maintenance(.node(Self.n1), on: true)).actions
        #expect(cancels.map(\.kind) == [.cancelMonitor, .cancelMonitor, .cancelMonitor], "its monitors stop")
        #expect(cancels.allSatisfy { $0.node == Self.n1 })
        for trigger in [
            Trigger.standby(Self.n1), .nodeLost(Self.n1), .resourceFailed(ResourceName("r2"), node: Self.n1, code: 7),
        ] {
            let state = on.applying(trigger, in: spec)
            let plan = Planner.plan(spec, from: state, trigger: trigger)
            #expect(plan.actions.isEmpty, "\(trigger): nothing is done")
            #expect(plan.notes.contains("g is unmanaged: n1 is in maintenance"))
            // What a lost node in maintenance ran still runs there once the plan ran.
            let after = FencingTests.ran(plan, from: state, in: spec)
            #expect(after.state(of: ResourceName("r1")).activeNode == Self.n1)
        }
        // It returns, and is lost again before its probes answer: what it ran is still known to run there.
        let lost = on.applying(.nodeLost(Self.n1), in: spec)
        let back = lost.applying(.nodeJoined(Self.n1), in: spec).applying(.nodeLost(Self.n1), in: spec)
        #expect(back.state(of: ResourceName("r1")).activeNode == Self.n1)
        #expect(Planner.plan(spec, from: back, trigger: .nodeLost(Self.n1)).actions.isEmpty)
        // Nothing new starts on a node in maintenance.
        var elsewhere = ResultsTests.running(on: "n2").applying(.maintenance(.node(Self.n1), on: true), in: spec)
        elsewhere = elsewhere.applying(.nodeLost(Self.n2), in: spec)
        let plan = Planner.plan(spec, from: elsewhere, trigger: .nodeLost(Self.n2))
        #expect(!plan.actions.contains { $0.kind == .start && $0.node == Self.n1 })
        #expect(plan.actions.contains { $0.kind == .start && $0.node == NodeName("n3") })
    }

    @Test func aLostNodeInMaintenanceIsFencedOnlyWhenItsMaintenanceEnds() throws {
        let spec = Self.spec(fencing: true)
        let lost = ResultsTests.running(on: "n1").applying(.maintenance(.node(Self.n1), on: true), in: spec)
            .applying(.nodeLost(Self.n1), in: spec)
        #expect(lost.fence(of: Self.n1) == nil, "a node in maintenance is not fenced")
        #expect(Planner.plan(spec, from: lost, trigger: .nodeLost(Self.n1)).actions.isEmpty)
        let off = Trigger.maintenance(.node(Self.n1), on: false)
        let ended = lost.applying(off, in: spec)
        #expect(ended.fence(of: Self.n1)?.isNeeded == true)
        let plan = Planner.plan(spec, from: ended, trigger: off)
        let fence = try #require(plan.actions.first { $0.kind == .fence && $0.target == Self.n1 })
        let first = try #require(plan.actions.first { $0.kind == .start && $0.resource == ResourceName("r1") })
        #expect(first.waits.contains { $0.action == fence.id }, "g starts elsewhere once n1 is fenced")
        #expect(!plan.actions.contains { $0.kind == .probe && $0.node == Self.n1 }, "a lost node is not probed")
    }

    @Test func aGroupInMaintenanceRefusesRequestsAndIsProbedEverywhereWhenItEnds() throws {
        let spec = Self.spec()
        let on = ResultsTests.running(on: "n1").applying(.maintenance(.group(Self.g), on: true), in: spec)
        #expect(on.maintenance(of: spec.groups[0]) == "g is in maintenance")
        for trigger in [Trigger.switchover(Self.g, to: Self.n2), .stopGroup(Self.g), .startGroup(Self.g)] {
            #expect(trigger.problem(in: spec, state: on) == "g is unmanaged: g is in maintenance")
        }
        #expect(
            Planner.plan(spec, from: on.applying(.standby(Self.n1), in: spec), trigger: .standby(Self.n1)).actions
                .isEmpty, "a standby does not move it")
        let off = Trigger.maintenance(.group(Self.g), on: false)
        let ended = on.applying(off, in: spec)
        #expect(ended.state(of: ResourceName("r1")) == ResourceState(), "what runs is not known until probed")
        let plan = Planner.plan(spec, from: ended, trigger: off)
        let probes = plan.actions.filter { $0.kind == .probe }
        #expect(probes.count == 9, "three members on three nodes")
        let start = try #require(plan.actions.first { $0.kind == .start && $0.resource == ResourceName("r1") })
        #expect(
            probes.filter { $0.resource == ResourceName("r1") }.allSatisfy { probe in
                start.waits.contains { $0.action == probe.id }
            })
        // The probes find g where it ran: it stays there, and nothing else runs.
        let answers = probes.map { probe in
            // A probe succeeds when it finds nothing running (7).
            let code = probe.node == Self.n1 ? 0 : 7
            return ActionResult(
                action: probe.id, status: code == 7 ? .succeeded : .failed, outcome: ActionOutcome(code: code))
        }
        let found = ended.applying(ExecutionReport(results: answers), of: plan, in: spec)
        #expect(found.state(of: ResourceName("r1")).activeNode == Self.n1)
        let next = Planner.plan(spec, from: found, trigger: .replan(failed: []))
        #expect(!next.actions.contains { $0.kind == .start || $0.kind == .stop }, "\(next.actions.map(\.label))")
        #expect(next.actions.filter { $0.kind == .monitor }.allSatisfy { $0.node == Self.n1 })
    }

    @Test func theClusterInMaintenanceStartsNothingAnywhere() throws {
        let spec = Self.spec()
        let on = ResultsTests.running(on: nil).applying(.maintenance(.cluster, on: true), in: spec)
        #expect(spec.nodes.allSatisfy { on.inMaintenance($0.name) })
        let plan = Planner.plan(spec, from: on, trigger: .replan(failed: []))
        #expect(plan.actions.isEmpty)
        let off = on.applying(.maintenance(.cluster, on: false), in: spec)
        #expect(!spec.nodes.contains { off.inMaintenance($0.name) })
        let after = Planner.plan(spec, from: off, trigger: .maintenance(.cluster, on: false))
        #expect(after.actions.filter { $0.kind == .probe }.count == 9)
        #expect(after.actions.contains { $0.kind == .start })
    }

    @Test func maintenanceOutlastsARestartAndTheStateJSON() throws {
        let spec = Self.spec()
        var state = ResultsTests.running(on: "n1").applying(.maintenance(.node(Self.n2), on: true), in: spec)
        state = state.applying(.maintenance(.group(Self.g), on: true), in: spec)
        let stored = StoredState(state, role: .main)
        #expect(stored.maintenance == ["n2"])
        #expect(stored.groups["g"]?.maintenance == true)
        let decoded = try JSONDecoder().decode(ClusterState.self, from: JSONEncoder().encode(state))
        #expect(decoded == state)
    }
}
