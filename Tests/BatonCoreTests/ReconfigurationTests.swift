import BatonCore
import Testing

/// A configuration change on a running cluster, in two plans: the old configuration stops what is removed or
/// restarted, then the new one starts what is added or was restarted, where it ran.
@Suite struct ReconfigurationTests {
    static let here = PlannerTests.here

    /// g (r1, r2, r3) and g1 on three nodes; the new configuration changes r2's command, removes g1, adds g9.
    static let old = PlannerTests.threeNodes(groups: 2)!
    static let new: ClusterSpec = {
        var spec = old
        spec.groups[0].resources[1].parameters = [
            Parameter(name: "command", value: "/bin/sleep 1000", at: here, valueAt: here)
        ]
        spec.groups[1] = GroupSpec(
            name: GroupName("g9"),
            resources: [
                ResourceSpec(
                    name: ResourceName("g9-r1"), agent: Located(.builtin(.process), at: here),
                    parameters: [Parameter(name: "command", value: "/bin/true", at: here, valueAt: here)], at: here)
            ], at: here)
        return spec
    }()

    /// g runs on n2 (after a failover: n1 would be its first choice), g1 on n1.
    static func running() -> ClusterState {
        var state = ClusterState()
        for name in ["n1", "n2", "n3"] { state.nodes[NodeName(name)] = NodeState(status: .online) }
        for resource in ["r1", "r2", "r3"] {
            state.resources[ResourceName(resource)] = ResourceState(status: .started, node: NodeName("n2"))
        }
        for resource in ["g1-r1", "g1-r2", "g1-r3"] {
            state.resources[ResourceName(resource)] = ResourceState(status: .started, node: NodeName("n1"))
        }
        state.groups[GroupName("g")] = GroupState(node: NodeName("n2"), generation: 2)
        state.groups[GroupName("g1")] = GroupState(node: NodeName("n1"), generation: 1)
        return state
    }

    @Test func theChangeSaysWhatItTouches() {
        let change = ConfigurationChange(from: Self.old, to: Self.new)
        #expect(change.isLive)
        #expect(change.removedGroups == [GroupName("g1")] && change.addedGroups == [GroupName("g9")])
        #expect(change.restarted == [ResourceName("r2"): "parameters of r2 changed: command"])
        #expect(change.description == "removes g1; adds g9; restarts r2")
        var moved = Self.new
        moved.nodes[0].links = [Located(try! IPAddress(configText: "10.0.9.1"), at: Self.here)]
        moved.heartbeat = HeartbeatSettings(at: Self.here, interval: Located(.milliseconds(500), at: Self.here))
        let fixed = ConfigurationChange(from: Self.old, to: moved)
        #expect(fixed.fixed == ["nodes", "heartbeat"] && !fixed.isLive)
        #expect(
            Trigger.reconfiguration(fixed).problem(in: Self.old, state: Self.running())
                == "nodes, heartbeat cannot change on a running cluster: restart the engines with the new file, one "
                + "at a time")
        #expect(ConfigurationChange(from: Self.old, to: Self.old).isEmpty)
    }

    @Test func theOldConfigurationStopsWhatIsRemovedOrRestartedAndStartsNothing() {
        let change = ConfigurationChange(from: Self.old, to: Self.new)
        let stops = Planner.plan(Self.old, from: Self.running(), trigger: .reconfiguration(change))
        let labels = stops.actions.filter { $0.kind == .stop }.map(\.label)
        #expect(
            Set(labels) == [
                "stop r3 on n2", "stop r2 on n2", "stop g1-r3 on n1", "stop g1-r2 on n1", "stop g1-r1 on n1",
            ],
            "\(stops.actions.map(\.label))")
        #expect(!stops.actions.contains { $0.kind == .start || $0.kind == .monitor })
        #expect(
            stops.actions.firstIndex { $0.label == "stop r3 on n2" }! < stops.actions.firstIndex {
                $0.label == "stop r2 on n2"
            }!, "last member first")
    }

    @Test func theNewConfigurationStartsWhatWasStoppedWhereItRanAndWhatIsAdded() {
        let change = ConfigurationChange(from: Self.old, to: Self.new)
        let first = Self.running()
        let stops = Planner.plan(Self.old, from: first, trigger: .reconfiguration(change))
        let after = FencingTests.ran(stops, from: first.applying(.reconfiguration(change), in: Self.old), in: Self.old)
        #expect(after.state(of: GroupName("g")).restartOn == NodeName("n2"))
        let adopted = after.adopting(Self.new)
        #expect(adopted.groups[GroupName("g1")] == nil && adopted.resources[ResourceName("g1-r1")] == nil)
        let starts = Planner.plan(Self.new, from: adopted, trigger: .reconfigured)
        let labels = starts.actions.filter { $0.kind == .start }.map(\.label)
        #expect(labels.contains("start r2 on n2") && labels.contains("start r3 on n2"), "\(labels)")
        #expect(!labels.contains("start r1 on n2") && !starts.actions.contains { $0.kind == .stop }, "r1 kept running")
        #expect(starts.placement[GroupName("g9")] != nil)
        #expect(starts.actions.contains { $0.kind == .probe && $0.resource == ResourceName("g9-r1") }, "new: probed")
        let done = FencingTests.ran(starts, from: adopted.applying(.reconfigured, in: Self.new), in: Self.new)
        #expect(done.groups.values.allSatisfy { $0.restartOn == nil })
    }

    /// A whole group restarted by the change (its first member changed) starts again where it ran, not on the
    /// node it would prefer.
    @Test func aWholeGroupRestartsInPlace() {
        var new = Self.old
        new.groups[0].resources[0].parameters = [
            Parameter(name: "command", value: "/bin/false", at: Self.here, valueAt: Self.here)
        ]
        let change = ConfigurationChange(from: Self.old, to: new)
        let first = Self.running()
        let stops = Planner.plan(Self.old, from: first, trigger: .reconfiguration(change))
        #expect(stops.actions.filter { $0.kind == .stop }.count == 3)
        let after = FencingTests.ran(stops, from: first.applying(.reconfiguration(change), in: Self.old), in: Self.old)
        let starts = Planner.plan(new, from: after.adopting(new), trigger: .reconfigured)
        #expect(starts.placement[GroupName("g")] == NodeName("n2"), "\(starts.notes)")
    }
}
