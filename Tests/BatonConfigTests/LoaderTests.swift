import BatonConfig
import BatonCore
import Foundation
import Testing

@Suite struct LoaderTests {
    @Test(arguments: Fixtures.exampleConfigs)
    func exampleValidatesWithoutAnyDiagnostic(_ url: URL) throws {
        let result = ConfigLoader.load(try Fixtures.bytes(url), file: url.path)
        #expect(result.diagnostics.map(\.description) == [])
        #expect(result.spec != nil)
    }

    @Test func exampleFoldersHaveAReadme() {
        #expect(Fixtures.exampleConfigs.count >= 3)
        for config in Fixtures.exampleConfigs {
            let readme = config.deletingLastPathComponent().appendingPathComponent("README.md")
            #expect(FileManager.default.fileExists(atPath: readme.path), "\(readme.path)")
        }
    }

    @Test func roseHAModel() throws {
        let url = Fixtures.examples.appendingPathComponent("rose-ha/cluster.yaml")
        let spec = try #require(ConfigLoader.load(try Fixtures.bytes(url), file: "cluster.yaml").spec)
        #expect(spec.cluster.value == ClusterName("erp"))
        #expect(spec.heartbeat.interval.value == .milliseconds(200))
        #expect(spec.heartbeat.deadtime.value == .seconds(1))
        #expect(spec.nodes.map(\.name.rawValue) == ["xhhotsp1", "xhhotsp2"])
        #expect(spec.nodes[0].links.map(\.value.description) == ["10.10.0.1", "192.168.1.11"])
        #expect(spec.nodesBySeniority.first?.name == NodeName("xhhotsp1"))
        let group = try #require(spec.groups.first)
        #expect(group.failback == .manual)
        #expect(group.resources.map(\.name.rawValue) == ["data", "vip", "alias", "db", "erp"])
        #expect(
            group.resources.map(\.agent.value.description) == [
                "volume", "floating-ip", "hostname-alias", "agents/postgresql", "service",
            ])
        let db = group.resources[3]
        #expect(db.startTimeout.value == .seconds(120) && db.onFail == .restart && db.effectiveMaxRestarts == 3)
        #expect(db.restartWindow.value == .seconds(600))
        #expect(db.parameter("pgdata") == "/srv/sqldata/pg")
        #expect(group.resources[1].startTimeout.value == .seconds(20))
        #expect(spec.events?.handler.value == "notify.sh")
    }

    @Test func defaultsWhenLeftOut() throws {
        let spec = try #require(ConfigLoader.load(text: Fixtures.minimal).spec)
        #expect(spec.heartbeat.port.value == 7405)
        #expect(spec.heartbeat.interval.value == .seconds(1))
        #expect(spec.heartbeat.warntime.value == .seconds(3))
        #expect(spec.heartbeat.deadtime.value == .seconds(5))
        #expect(spec.heartbeat.initdead.value == .seconds(10))
        let resource = spec.groups[0].resources[0]
        #expect(resource.monitor?.effectiveInterval == .seconds(10))
        #expect(resource.monitor?.effectiveTimeout == .seconds(30))
        #expect(resource.stopTimeout.value == .seconds(20))
        #expect(
            spec.groups[0].nodes == nil && spec.candidates(for: spec.groups[0]) == [NodeName("n1"), NodeName("n2")])
        #expect(spec.events == nil && spec.order.isEmpty && spec.colocation.isEmpty)
    }

    @Test func monitorOff() throws {
        let spec = try #require(ConfigLoader.load(text: Fixtures.minimal + "        monitor: off\n").spec)
        #expect(spec.groups[0].resources[0].monitor == nil)
    }

    @Test func monitorDepth() throws {
        let deep = Fixtures.minimal.replacingOccurrences(of: "agent: process", with: "agent: volume")
            .replacingOccurrences(
                of: "params: {command: /bin/true}", with: "params: {device: /dev/vdb, directory: /srv}")
        let spec = try #require(
            ConfigLoader.load(text: deep + "        monitor: {interval: 10s, timeout: 30s, depth: 20}\n").spec)
        #expect(spec.groups[0].resources[0].monitor?.effectiveDepth == 20)
        #expect(
            try #require(ConfigLoader.load(text: Fixtures.minimal).spec).groups[0].resources[0].monitor?.effectiveDepth
                == 0)
        // A depth the built-in agent does not have, a negative one, one that is not a number: at the value.
        for (depth, code, fragment) in [
            ("10", DiagnosticCode.badValue, "process has no monitor at depth 10"),
            ("-1", .badValue, "monitor depth of resource 'r' is negative"),
            ("deep", .wrongType, "monitor depth of resource 'r' must be a whole number"),
        ] {
            let diagnostics = ConfigLoader.load(text: Fixtures.minimal + "        monitor: {depth: \(depth)}\n")
                .diagnostics
            #expect(diagnostics.map(\.code) == [code], "\(depth)")
            #expect(diagnostics.first?.message.contains(fragment) == true, "\(diagnostics)")
            #expect(diagnostics.first.map { "\($0.location.line):\($0.location.column)" } == "14:26", "\(depth)")
        }
    }

    @Test func anchorsAliasesAndMergeKeys() throws {
        let text = """
            version: 1
            cluster: c
            nodes:
              - name: n1
                links: &links [10.0.0.1]
              - name: n2
                links: [10.0.0.2]
            groups:
              - name: g
                nodes: [n2, n1]
                resources:
                  - &proc
                    name: r1
                    agent: process
                    params: {command: /bin/true}
                    timeouts: {start: 5s, stop: 5s}
                  - <<: *proc
                    name: r2
                    timeouts: {start: 7s}

            """
        let result = ConfigLoader.load(text: text)
        let spec = try #require(result.spec, "\(result.diagnostics)")
        let resources = spec.groups[0].resources
        #expect(resources.map(\.name.rawValue) == ["r1", "r2"])
        #expect(resources[1].agent.value == .builtin(.process))
        // A key written beside the merge wins over the merged one, whole: r2's timeouts has no stop.
        #expect(resources[1].startTimeout.value == .seconds(7) && resources[1].stopTimeout.value == .seconds(20))
        // Merged values keep the position where they are written.
        #expect(resources[1].agent.location.line == 14)
        #expect(spec.candidates(for: spec.groups[0]) == [NodeName("n2"), NodeName("n1")])
    }

    @Test func sameInputSameOutput() throws {
        let bytes = try Fixtures.bytes(Fixtures.corpus.appendingPathComponent("order-cycle.yaml"))
        let first = ConfigLoader.load(bytes, file: "a.yaml").diagnostics
        for _ in 0..<5 {
            #expect(ConfigLoader.load(bytes, file: "a.yaml").diagnostics == first)
        }
    }

    @Test func quotedNumbersAreNotNumbers() {
        let text = Fixtures.minimal.replacingOccurrences(
            of: "  - name: n1\n", with: "  - name: n1\n    priority: '10'\n")
        #expect(ConfigLoader.load(text: text).diagnostics.map(\.code) == [.wrongType])
    }

    @Test func everyErrorIsReportedAtOnce() {
        let text = """
            version: 1
            cluster: c
            heartbeat: {interval: 5}
            nodes:
              - name: n1
                links: [10.0.0.300]
                prio: 1
            groups:
              - name: g
                nodes: [n9]
                resources:
                  - {name: r, agent: bogus}

            """
        let lines = ConfigLoader.load(text: text).diagnostics.map(\.location.line)
        #expect(lines == [3, 6, 7, 10, 12])
    }

    @Test func utf16WithByteOrderMarkIsRead() throws {
        var bytes: [UInt8] = [0xFF, 0xFE]
        for unit in Fixtures.minimal.utf16 { bytes += [UInt8(unit & 0xFF), UInt8(unit >> 8)] }
        #expect(ConfigLoader.load(bytes, file: "utf16.yaml").diagnostics == [])
    }
}
