import BatonCore
import Foundation
import Testing

/// Properties of the planner that goldens do not show: determinism, purity, and the shape of every plan.
@Suite struct PlannerTests {
    static let here = BatonCore.SourceLocation(file: "test", line: 1, column: 1)

    /// Three nodes, one group of three resources, built in code.
    static func threeNodes(groups: Int = 1) -> ClusterSpec? {
        let nodes = (1...3).map { index in
            NodeSpec(
                name: NodeName("n\(index)"), priority: 40 - index,
                links: [Located(try! IPAddress(configText: "10.0.0.\(index)"), at: here)], at: here)
        }
        let groupSpecs = (0..<groups).map { group in
            GroupSpec(
                name: GroupName(group == 0 ? "g" : "g\(group)"),
                resources: (1...3).map { index in
                    ResourceSpec(
                        name: ResourceName(group == 0 ? "r\(index)" : "g\(group)-r\(index)"),
                        agent: Located(.builtin(.process), at: here),
                        parameters: [Parameter(name: "command", value: "/bin/true", at: here, valueAt: here)], at: here)
                }, at: here)
        }
        let spec = ClusterSpec(
            cluster: Located(ClusterName("c"), at: here), heartbeat: HeartbeatSettings(at: here), nodes: nodes,
            groups: groupSpecs)
        return spec.validate().isEmpty ? spec : nil
    }

    static let triggers: [Trigger] = [
        .nodeLost(NodeName("n1")), .nodeJoined(NodeName("n3")), .standby(NodeName("n1")),
        .switchover(GroupName("g"), to: NodeName("n3")), .stopGroup(GroupName("g")),
        .resourceFailed(ResourceName("r2"), node: NodeName("n1"), code: 7),
        .resourceFailed(ResourceName("r2"), node: NodeName("n1"), code: 5),
        .formed, .cleanup(ResourceName("r2")),
    ]

    @Test func aFormingClusterProbesEverythingOnEveryOnlineNodeBeforeTheFirstStart() throws {
        let spec = try #require(Self.threeNodes())
        var state = ClusterState()
        for node in ["n1", "n2"] { state.nodes[NodeName(node)] = NodeState(status: .online) }
        state.nodes[NodeName("n3")] = NodeState(status: .lost)
        let plan = Planner.plan(spec, from: state, trigger: .formed)
        let probes = plan.actions.filter { $0.kind == .probe }
        #expect(Set(probes.map(\.label)).count == 6)
        #expect(Set(probes.map(\.node.rawValue)) == ["n1", "n2"])
        for start in plan.actions where start.kind == .start {
            let probesWaited = start.waits.filter { plan.action($0.action).kind == .probe }
            #expect(probesWaited.count == 2, "\(start.label) waits for its probe on both online nodes")
        }
        #expect(plan.actions.filter { $0.kind == .start }.allSatisfy { $0.node == NodeName("n1") })
    }

    @Test func aMemberFoundOnAnotherNodeIsStoppedThereAndDoesNotMoveItsGroup() throws {
        let spec = try #require(Self.threeNodes())
        var state = ClusterState.steady(spec)
        for name in ["r1", "r2"] { state.resources[ResourceName(name)]!.node = NodeName("n2") }
        state.resources[ResourceName("r3")]!.node = NodeName("n1")  // a probe of the returning n1 found it there
        let plan = Planner.plan(spec, from: state, trigger: .replan(failed: []))
        #expect(
            plan.actions.contains { $0.kind == .stop && $0.resource == ResourceName("r3") && $0.node == NodeName("n1") }
        )
        #expect(plan.actions.filter { $0.kind == .start }.allSatisfy { $0.node == NodeName("n2") })
        #expect(!plan.actions.contains { $0.kind == .stop && $0.node == NodeName("n2") }, "r1 and r2 stay on n2")
    }

    @Test func aFailureOlderThanItsFailureTimeoutNoLongerKeepsTheGroupOff() throws {
        var spec = try #require(Self.threeNodes())
        spec.groups[0].resources[0].failureTimeout = Located(.seconds(60), at: Self.here)
        var state = ClusterState(time: Timestamp(milliseconds: 30_000))
        for node in ["n1", "n2", "n3"] { state.nodes[NodeName(node)] = NodeState(status: .online) }
        state.resources[ResourceName("r1")] = ResourceState(
            failures: ["n1", "n2", "n3"].map {
                Failure(node: NodeName($0), action: "start", code: 1, time: Timestamp(milliseconds: 0))
            })
        let early = Planner.plan(spec, from: state, trigger: .replan(failed: []))
        #expect(!early.actions.contains { $0.kind == .start }, "within failure-timeout: nowhere to run")
        state.time = Timestamp(milliseconds: 60_000)
        let late = Planner.plan(spec, from: state, trigger: .replan(failed: []))
        #expect(late.actions.contains { $0.kind == .start && $0.node == NodeName("n1") }, "expired: it runs again")
        let resource = spec.groups[0].resources[0]
        let stop = Failure(node: NodeName("n1"), action: "stop", code: 1, time: Timestamp(milliseconds: 0))
        #expect(resource.expiry(of: stop) == nil, "a failed stop never expires")
        #expect(spec.groups[0].resources[1].expiry(of: state.resources[ResourceName("r1")]!.failures[0]) == nil)
    }

    @Test func cleanupUnblocksAResourceAndForgetsItsFailures() throws {
        let spec = try #require(Self.threeNodes())
        var state = ClusterState.steady(spec)
        let failure = Failure(node: NodeName("n1"), action: "stop", code: 1, time: Timestamp(milliseconds: 0))
        state.resources[ResourceName("r3")] = ResourceState(status: .blocked, node: NodeName("n1"), failures: [failure])
        let blocked = Planner.plan(spec, from: state, trigger: .nodeLost(NodeName("n2")))
        #expect(!blocked.actions.contains { $0.kind == .start && $0.resource == ResourceName("r3") })
        let cleaned = state.applying(.cleanup(ResourceName("r3")), in: spec)
        #expect(cleaned.state(of: ResourceName("r3")) == ResourceState())
        let plan = Planner.plan(spec, from: state, trigger: .cleanup(ResourceName("r3")))
        let start = try #require(plan.actions.first { $0.kind == .start && $0.resource == ResourceName("r3") })
        // The stop that failed may have left it running: it is found again on every online node first.
        let probes = plan.actions.filter { $0.kind == .probe && $0.resource == ResourceName("r3") }
        #expect(Set(probes.map(\.node)) == Set(spec.nodes.map(\.name)))
        #expect(probes.allSatisfy { probe in start.waits.contains { $0.action == probe.id } })
    }

    @Test(arguments: triggers)
    func everyPlanIsWellFormed(_ trigger: Trigger) throws {
        let spec = try #require(Self.threeNodes(groups: 4))
        let plan = Planner.plan(spec, from: .steady(spec), trigger: trigger)
        for action in plan.actions {
            #expect(!action.reason.isEmpty, "\(action.label) has no reason")
            // Numbering respects every edge, and steps grow along them.
            for wait in action.waits {
                #expect(wait.action < action.id && plan.action(wait.action).step < action.step)
            }
        }
        #expect(plan.actions.map(\.id) == plan.actions.indices.map { $0 + 1 })
        // Within a group on one node: stops before starts.
        for action in plan.actions where action.kind == .start {
            let laterStops = plan.actions.filter { $0.kind == .stop && $0.group == action.group && $0.id > action.id }
            #expect(laterStops.isEmpty, "\(action.label) comes before a stop of its group")
        }
    }

    @Test(arguments: triggers)
    func sameInputSamePlan(_ trigger: Trigger) throws {
        let spec = try #require(Self.threeNodes(groups: 4))
        let first = Planner.plan(spec, from: .steady(spec), trigger: trigger)
        for _ in 0..<5 {
            let again = Planner.plan(spec, from: .steady(spec), trigger: trigger)
            #expect(again == first)
            #expect(PlanRenderer.text(again) == PlanRenderer.text(first))
        }
    }

    @Test func groupsMoveAsAWholeInListOrder() throws {
        let spec = try #require(Self.threeNodes())
        let plan = Planner.plan(spec, from: .steady(spec), trigger: .standby(NodeName("n1")))
        let stops = plan.actions.filter { $0.kind == .stop }.map { $0.resource!.rawValue }
        let starts = plan.actions.filter { $0.kind == .start }.map { $0.resource!.rawValue }
        #expect(stops == ["r3", "r2", "r1"])
        #expect(starts == ["r1", "r2", "r3"])
        #expect(plan.placement[GroupName("g")] == .some(NodeName("n2")))
    }

    @Test func independentGroupsProceedInParallel() throws {
        let spec = try #require(Self.threeNodes(groups: 3))
        let plan = Planner.plan(spec, from: .steady(spec), trigger: .nodeLost(NodeName("n1")))
        let firstStarts = plan.actions.filter { $0.kind == .start && $0.resource!.rawValue.hasSuffix("r1") }
        #expect(firstStarts.count == 3)
        #expect(Set(firstStarts.map(\.step)).count == 1)
    }

    @Test func budgetIsDetectionPlusLongestChain() throws {
        let spec = try #require(Self.threeNodes())
        let plan = Planner.plan(spec, from: .steady(spec), trigger: .nodeLost(NodeName("n1")))
        // Three starts of 20s in a row, then the last monitor's 30s; deadtime 5s.
        #expect(plan.detection.time == .seconds(5))
        #expect(plan.longestChain.time == .seconds(90))
        #expect(plan.budget == .seconds(95))
    }

    @Test func stateJSONRoundTripsAndIsSortedByName() throws {
        let spec = try #require(Self.threeNodes(groups: 3))
        var state = ClusterState.steady(spec)
        state.resources[ResourceName("r1")]?.failures = [
            Failure(node: NodeName("n1"), action: "monitor", code: 7, time: Timestamp(milliseconds: 5))
        ]
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(state)
        #expect(try JSONDecoder().decode(ClusterState.self, from: data) == state)
        let text = String(decoding: data, as: UTF8.self)
        let names = ["\"g\"", "\"g1\"", "\"g2\""].map { text.range(of: $0)!.lowerBound }
        #expect(names == names.sorted())
    }

    /// BatonCore may import nothing but the standard library.
    @Test func coreImportsNothing() throws {
        let core = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources/BatonCore")
        let files = try #require(FileManager.default.enumerator(atPath: core.path)).compactMap { $0 as? String }
            .filter { $0.hasSuffix(".swift") }
        #expect(files.count > 20)
        for file in files {
            let text = try String(contentsOf: core.appendingPathComponent(file), encoding: .utf8)
            let imports = text.split(separator: "\n").filter {
                $0.trimmingCharacters(in: .whitespaces).hasPrefix("import ")
            }
            #expect(imports.isEmpty, "\(file) imports \(imports)")
        }
    }
}
