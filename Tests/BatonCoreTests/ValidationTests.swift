import BatonCore
import Testing

typealias SourceLocation = BatonCore.SourceLocation

/// Validation of models built in code: what the loader cannot see by itself.
@Suite struct ValidationTests {
    static let here = SourceLocation(file: "test.yaml", line: 1, column: 1)

    static func at(_ line: Int) -> SourceLocation { SourceLocation(file: "test.yaml", line: line, column: 1) }

    static func node(_ name: String, _ priority: Int = 0, links: [String]) -> NodeSpec {
        NodeSpec(
            name: NodeName(name), priority: priority,
            links: links.map { Located(try! IPAddress(configText: $0), at: here) }, at: here)
    }

    static func group(_ name: String, nodes: [String]? = nil, line: Int = 1) -> GroupSpec {
        let resource = ResourceSpec(
            name: ResourceName("\(name)-r"), agent: Located(.builtin(.process), at: here),
            parameters: [Parameter(name: "command", value: "/bin/true", at: here, valueAt: here)], at: at(line))
        return GroupSpec(
            name: GroupName(name), nodes: nodes?.map { Located(NodeName($0), at: here) }, resources: [resource],
            at: at(line))
    }

    static func spec(
        nodes: [NodeSpec] = [node("n1", links: ["10.0.0.1"]), node("n2", links: ["10.0.0.2"])], groups: [GroupSpec],
        order: [(String, String)] = [], colocation: [(ColocationConstraint.Kind, [String])] = []
    ) -> ClusterSpec {
        ClusterSpec(
            cluster: Located(ClusterName("c"), at: here), heartbeat: HeartbeatSettings(at: here), nodes: nodes,
            groups: groups,
            order: order.enumerated().map { index, rule in
                OrderConstraint(
                    first: Located(GroupName(rule.0), at: here), then: Located(GroupName(rule.1), at: here),
                    at: at(100 + index))
            },
            colocation: colocation.enumerated().map { index, rule in
                ColocationConstraint(
                    rule.0, groups: rule.1.map { Located(GroupName($0), at: here) }, at: at(200 + index))
            })
    }

    @Test func validSpecHasNoDiagnostics() {
        #expect(Self.spec(groups: [Self.group("a"), Self.group("b")], order: [("a", "b")]).validate() == [])
    }

    @Test func heartbeatDefaultsFollowTheInterval() {
        let heartbeat = HeartbeatSettings(at: Self.here, interval: Located(.milliseconds(200), at: Self.here))
        #expect(heartbeat.warntime.value == .milliseconds(600))
        #expect(heartbeat.deadtime.value == .seconds(1))
        #expect(heartbeat.initdead.value == .seconds(2))
        #expect(heartbeat.port.value == 7405 && heartbeat.keyFile.value == "/etc/baton/authkey")
        var spec = Self.spec(groups: [Self.group("a")])
        spec.heartbeat = heartbeat
        #expect(spec.validate().isEmpty)
    }

    /// A deadtime written below four intervals, without a warntime, gets a warntime halfway to it: three intervals
    /// would not be shorter than deadtime, which is an error the administrator never wrote.
    @Test(arguments: [(100, 200, 150), (100, 300, 200), (100, 500, 300), (1000, 5000, 3000)])
    func aDerivedWarntimeStaysBelowDeadtime(interval: Int, deadtime: Int, warntime: Int) {
        let heartbeat = HeartbeatSettings(
            at: Self.here, interval: Located(.milliseconds(interval), at: Self.here),
            deadtime: Located(.milliseconds(deadtime), at: Self.here))
        #expect(heartbeat.warntime.value == .milliseconds(warntime))
        var spec = Self.spec(groups: [Self.group("a")])
        spec.heartbeat = heartbeat
        #expect(spec.validate().isEmpty)
    }

    @Test func orderCycleNamesEveryGroupInIt() {
        let groups = ["a", "b", "c", "d"].map { Self.group($0) }
        let diagnostics = Self.spec(groups: groups, order: [("d", "a"), ("a", "b"), ("b", "c"), ("c", "a")]).validate()
        #expect(diagnostics.map(\.code) == [.orderCycle])
        #expect(diagnostics.first?.message.contains("'a', 'b', 'c'") == true)
        #expect(diagnostics.first?.message.contains("'d'") == false)
        #expect(diagnostics.first?.location.line == 101)
    }

    @Test func longOrderChainIsNotACycle() {
        let groups = (0..<2000).map { Self.group("g\($0)") }
        let order = (0..<1999).map { ("g\($0)", "g\($0 + 1)") }
        #expect(Self.spec(groups: groups, order: order).validate().isEmpty)
    }

    @Test func twoSeparateCyclesAreBothReported() {
        let groups = ["a", "b", "c", "d"].map { Self.group($0) }
        let diagnostics = Self.spec(groups: groups, order: [("a", "b"), ("b", "a"), ("c", "d"), ("d", "c")]).validate()
        #expect(diagnostics.map(\.location.line) == [100, 102])
    }

    @Test func apartNeedsAMatchingNotJustEnoughNodes() {
        // Three nodes exist, but a and b may both only use n1: no placement keeps them apart.
        let nodes = ["n1", "n2", "n3"].enumerated().map { Self.node($1, links: ["10.0.0.\($0 + 1)"]) }
        let groups = [
            Self.group("a", nodes: ["n1"]), Self.group("b", nodes: ["n1"]), Self.group("c", nodes: ["n2", "n3"]),
        ]
        // (Groups on one node are warnings of their own.)
        let diagnostics = Self.spec(nodes: nodes, groups: groups, colocation: [(.apart, ["a", "b", "c"])]).validate()
            .filter { $0.severity == .error }
        #expect(diagnostics.map(\.code) == [.unplaceable])
        let placeable = [
            Self.group("a", nodes: ["n1", "n2"]), Self.group("b", nodes: ["n1"]), Self.group("c", nodes: ["n2", "n3"]),
        ]
        #expect(
            Self.spec(nodes: nodes, groups: placeable, colocation: [(.apart, ["a", "b", "c"])]).validate().map(
                \.message)
                == ["group 'b' can run only on node 'n1': nothing takes it over when n1 is lost"])
    }

    @Test func apartGroupsTogetherThroughAChainConflict() {
        let groups = ["a", "b", "c"].map { Self.group($0) }
        let diagnostics = Self.spec(
            groups: groups, colocation: [(.together, ["a", "b"]), (.together, ["b", "c"]), (.apart, ["a", "c"])]
        ).validate()
        #expect(diagnostics.map(\.code) == [.colocationConflict])
    }

    @Test func togetherGroupsUseTheirCommonNodesWhenKeptApartFromOthers() {
        // a and b must share a node, and only n1 is common; c is kept apart from a and may use n1 or n2.
        let groups = [
            Self.group("a", nodes: ["n1", "n2"]), Self.group("b", nodes: ["n1"]), Self.group("c", nodes: ["n1"]),
        ]
        let diagnostics = Self.spec(groups: groups, colocation: [(.together, ["a", "b"]), (.apart, ["a", "c"])])
            .validate().filter { $0.severity == .error }
        #expect(diagnostics.map(\.code) == [.unplaceable])
    }

    @Test func linkAddressesCompareAsAddresses() {
        let nodes = [Self.node("n1", links: ["fd00::1"]), Self.node("n2", links: ["fd00:0::0001"])]
        #expect(Self.spec(nodes: nodes, groups: [Self.group("a")]).validate().map(\.code) == [.duplicateAddress])
    }

    @Test func diagnosticsAreSortedAndDeterministic() {
        let groups = [Self.group("b", nodes: ["x"], line: 9), Self.group("b", nodes: ["y"], line: 3)]
        let first = Self.spec(groups: groups, order: [("b", "q")]).validate()
        #expect(first == first.sorted())
        #expect(first == Self.spec(groups: groups, order: [("b", "q")]).validate())
    }
}
