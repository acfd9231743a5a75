import BatonAgents
import BatonConfig
import BatonCore
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Debian's resource-agents, unmodified, and Baton's own shell agents, run through the real executor.
@Suite("Agents through the executor", .serialized)
struct ThirdPartyAgentTests {
    /// The configuration of one group of real agents whose state lives in `directory`.
    static func config(in directory: String) -> String {
        """
        version: 1
        cluster: agents
        heartbeat: {key-file: \(directory)/key}
        nodes:
          - {name: n1, links: [10.0.0.1]}
        groups:
          - name: g
            resources:
              - name: dummy
                agent: ocf:heartbeat:Dummy
                params: {state: \(directory)/Dummy.state}
              - name: anything
                agent: ocf:heartbeat:anything
                params: {binfile: /bin/sleep, cmdline_options: "1000", pidfile: \(directory)/anything.pid, logfile: \(directory)/anything.log}
              - name: link
                agent: ocf:heartbeat:symlink
                params: {link: \(directory)/link, target: /etc/hostname}
              - name: ours
                agent: \(Fixtures.repository)/agents/dummy
                params: {state: \(directory)/ours.state}
        """
    }

    /// Whether Debian's resource-agents is installed; in CI its absence is a failure.
    static func resourceAgentsInstalled() -> Bool {
        prerequisite(
            access("/usr/lib/ocf/resource.d/heartbeat/Dummy", X_OK) == 0,
            "Debian's resource-agents is not installed (apt-get install resource-agents)")
    }

    @Test("start and stop a group of Dummy, anything, symlink and agents/dummy with the real runner")
    func groupThroughTheExecutor() async throws {
        guard Self.resourceAgentsInstalled() else { return }
        let directory = try TemporaryDirectory()
        let loaded = ConfigLoader.load(Array(Self.config(in: directory.path).utf8), file: "agents.yaml")
        let spec = try #require(loaded.spec, "\(loaded.diagnostics)")
        let runner = AgentActionRunner(
            spec: spec, catalog: AgentCatalog(stateDirectory: directory.path + "/state", grace: .seconds(1)))
        let executor = Executor(maximumConcurrency: 8)
        var state = ClusterState.steady(spec)

        let stop = Planner.plan(spec, from: state, trigger: .stopGroup(GroupName("g")))
        let stopped = await executor.run(stop, with: runner)
        #expect(stopped.succeeded, "\(stopped.failures)")
        state = state.applying(stopped, of: stop, in: spec)

        let start = Planner.plan(spec, from: state, trigger: .startGroup(GroupName("g")))
        #expect(start.actions.contains { $0.kind == .start })
        let started = await executor.run(start, with: runner)
        #expect(started.succeeded, "\(started.failures)")
        #expect(directory.exists("Dummy.state") && directory.exists("ours.state"))
        #expect(readlink(directory.path + "/link") == "/etc/hostname")
        let pid = try #require(Int32(try directory.read("anything.pid").trimmingSpaces))
        #expect(isRunning(pid))
        state = state.applying(started, of: start, in: spec)

        let monitor = await runner.perform(
            .monitor(interval: .seconds(10), depth: 0),
            on: try #require(spec.resource(named: ResourceName("anything"))),
            node: "n1")
        #expect(monitor.code == 0)

        let finish = Planner.plan(spec, from: state, trigger: .stopGroup(GroupName("g")))
        let finished = await executor.run(finish, with: runner)
        #expect(finished.succeeded, "\(finished.failures)")
        #expect(!directory.exists("Dummy.state") && !directory.exists("ours.state") && !directory.exists("link"))
        #expect(!isRunning(pid))
    }

    /// A one-node configuration of one group `g` with `resource` (YAML lines of one list item under `resources:`).
    static func oneResource(_ resource: String) throws -> ClusterSpec {
        let text = """
            version: 1
            cluster: one
            nodes:
              - {name: n1, links: [10.0.0.1]}
            groups:
              - name: g
                resources:
            \(resource)

            """
        let loaded = ConfigLoader.load(Array(text.utf8), file: "one.yaml")
        return try #require(loaded.spec, "\(loaded.diagnostics)")
    }

    @Test("a recurring monitor checks at the configured depth (OCF_CHECK_LEVEL); a probe and a start at none")
    func monitorDepth() async throws {
        let directory = try TemporaryDirectory()
        let spec = try Self.oneResource(
            """
                  - name: deep
                    agent: \(Fixtures.path("check-level"))
                    params: {file: \(directory.path)/levels}
                    monitor: {interval: 10s, timeout: 5s, depth: 20}
            """)
        let runner = AgentActionRunner(spec: spec, catalog: AgentCatalog(stateDirectory: directory.path))
        for (kind, interval) in [(ActionKind.probe, Duration?.none), (.start, nil), (.monitor, .seconds(10))] {
            let action = PlannedAction(
                id: 0, kind: kind, node: NodeName("n1"), group: GroupName("g"), resource: ResourceName("deep"),
                target: nil, timeout: .seconds(5), interval: interval, reason: "", waits: [], step: 0)
            #expect(await runner.run(action).code == 0, "\(kind)")
        }
        #expect(try directory.read("levels") == "monitor 0\nstart unset\nmonitor 20\n")
    }

    @Test("validate-all takes the timeout the meta-data recommends, not the default")
    func validateAllTimeout() async throws {
        let directory = try TemporaryDirectory()
        let spec = try Self.oneResource("      - {name: slow, agent: \(Fixtures.path("slow-validate"))}")
        let runner = AgentActionRunner(
            spec: spec, catalog: AgentCatalog(stateDirectory: directory.path, grace: .milliseconds(200)))
        let resource = try #require(spec.resource(named: ResourceName("slow")))
        // 1 s recommended, 5 s taken: timed out. With the default of 10 s it would have succeeded.
        let result = await runner.perform(.validateAll(depth: 0), on: resource, node: nil)
        #expect(result.timedOut, "\(result)")
    }

    @Test("a recurring monitor of a stopped resource fails; a probe of it does not")
    func monitorOfAStoppedResource() async throws {
        guard Self.resourceAgentsInstalled() else { return }
        let directory = try TemporaryDirectory()
        let spec = try #require(ConfigLoader.load(Array(Self.config(in: directory.path).utf8), file: "a.yaml").spec)
        let runner = AgentActionRunner(spec: spec, catalog: AgentCatalog(stateDirectory: directory.path))
        let dummy = try #require(spec.resource(named: ResourceName("dummy")))
        let recurring = await runner.perform(.monitor(interval: .seconds(10), depth: 0), on: dummy, node: nil)
        let probe = await runner.perform(.probe, on: dummy, node: nil)
        #expect(recurring.code == 7 && !recurring.succeeded)
        #expect(probe.code == 7 && probe.succeeded)
    }
}

/// `readlink(2)` as a string.
func readlink(_ path: String) -> String? {
    var buffer = [CChar](repeating: 0, count: 4096)
    let count = Glibc.readlink(path, &buffer, buffer.count - 1)
    guard count >= 0 else { return nil }
    return String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
