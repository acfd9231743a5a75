import BatonAgents
import BatonConfig
import BatonCore
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Debian's fence agents, unmodified, through Baton's fence runner: options on standard input, levels in order,
/// retries, timeouts.
@Suite("Fence agents through the fence runner", .serialized)
struct FenceRunnerTests {
    /// Whether Debian's fence-agents is installed; in CI its absence is a failure.
    static func fenceAgentsInstalled() -> Bool {
        prerequisite(
            access("/usr/sbin/fence_dummy", X_OK) == 0 && access("/usr/sbin/fence_heuristics_ping", X_OK) == 0,
            "Debian's fence-agents is not installed (apt-get install fence-agents)")
    }

    /// A cluster of n1 and n2 whose `fencing:` section is `fencing` (YAML, indented by two).
    static func spec(_ fencing: String, in directory: TemporaryDirectory) throws -> ClusterSpec {
        let text = """
            version: 1
            cluster: fence
            heartbeat: {key-file: \(directory.path)/key}
            nodes:
              - {name: n1, links: [10.0.0.1]}
              - {name: n2, links: [10.0.0.2]}
            groups:
              - name: g
                resources:
                  - {name: r, agent: process, params: {command: /bin/true}}
            fencing:
            \(fencing)
            """
        let loaded = ConfigLoader.load(Array(text.utf8), file: "fence.yaml")
        let spec = try #require(loaded.spec, "\(loaded.diagnostics)")
        #expect(loaded.diagnostics.filter { $0.severity == .error }.isEmpty)
        return spec
    }

    static func runner(_ spec: ClusterSpec, _ directory: TemporaryDirectory) -> AgentActionRunner {
        AgentActionRunner(
            spec: spec, catalog: AgentCatalog(stateDirectory: directory.path + "/state", grace: .milliseconds(500)))
    }

    /// The fence of `target` as the planner plans it against a state where n1 runs `g`.
    static func fenceAction(_ spec: ClusterSpec, target: String) throws -> PlannedAction {
        let plan = Planner.plan(spec, from: .steady(spec), trigger: .nodeLost(NodeName(target)))
        return try #require(plan.actions.first { $0.kind == .fence })
    }

    @Test("fence_dummy powers its node off through the status file, with the action on standard input")
    func dummyTurnsTheNodeOff() async throws {
        guard Self.fenceAgentsInstalled() else { return }
        let directory = try TemporaryDirectory()
        try directory.write("n2.status", "on")  // fence_dummy reads the whole file: no line break
        let spec = try Self.spec(
            """
              action: off
              delay: 0s
              devices:
                - {name: dummy-n2, agent: fence_dummy, params: {status_file: \(directory.path)/n2.status}}
                - {name: dummy-n1, agent: fence_dummy, params: {status_file: \(directory.path)/n1.status}}
              topology: {n1: [dummy-n1], n2: [dummy-n2]}
            """, in: directory)
        let action = try Self.fenceAction(spec, target: "n2")
        #expect(action.label == "fence n2 (off) via dummy-n2")
        let outcome = await Self.runner(spec, directory).run(action)
        #expect(outcome.code == 0, "\(outcome.message)")
        #expect(outcome.message == "n2 fenced (off) via dummy-n2")
        #expect(try directory.read("n2.status") == "off")
    }

    @Test("a level that fails gives way to the next; the message names every device that failed")
    func levelsAreTriedInOrder() async throws {
        guard Self.fenceAgentsInstalled() else { return }
        let directory = try TemporaryDirectory()
        try directory.write("n1.status", "on")
        let spec = try Self.spec(
            """
              action: off
              devices:
                - {name: broken, agent: fence_dummy, params: {type: fail, power_timeout: "1"}, retries: 1, timeout: 10s}
                - {name: dummy-n1, agent: fence_dummy, params: {status_file: \(directory.path)/n1.status}}
                - {name: dummy-n2, agent: fence_dummy, params: {status_file: \(directory.path)/n2.status}}
              topology: {n1: [broken, dummy-n1], n2: [dummy-n2]}
            """, in: directory)
        var action = try Self.fenceAction(spec, target: "n1")
        #expect(action.label == "fence n1 (off) via broken, then dummy-n1")
        action.fence?.delay = .zero
        let outcome = await Self.runner(spec, directory).run(action)
        #expect(outcome.code == 0, "\(outcome.message)")
        #expect(outcome.message == "n1 fenced (off) via dummy-n1")
        #expect(try directory.read("n1.status") == "off")

        // Without the second level, the fence fails, after the retry, and says why.
        var alone = action
        alone.fence?.levels = [[DeviceName("broken")]]
        let failed = await Self.runner(spec, directory).run(alone)
        #expect(failed.code == 1)
        #expect(failed.message.hasPrefix("broken: exit 1"), "\(failed.message)")
        #expect(failed.message.hasSuffix("(2 attempts)"), "\(failed.message)")
    }

    @Test("a device that hangs is killed at its timeout, and that is a failure")
    func aHangingDeviceTimesOut() async throws {
        guard Self.fenceAgentsInstalled() else { return }
        let directory = try TemporaryDirectory()
        let spec = try Self.spec(
            """
              devices:
                - name: slow
                  agent: fence_dummy
                  params: {random_sleep_range: "30", status_file: \(directory.path)/s.status}
                  timeout: 500ms
                  retries: 0
              topology: {n1: [slow], n2: [slow]}
            """, in: directory)
        var action = try Self.fenceAction(spec, target: "n1")
        action.fence?.delay = .zero
        let started = ContinuousClock.now
        let outcome = await Self.runner(spec, directory).run(action)
        #expect(outcome.code == 1)
        #expect(outcome.message.contains("timed out after 500ms"), "\(outcome.message)")
        #expect(ContinuousClock.now - started < .seconds(10))
    }

    @Test("fence_heuristics_ping as a first device: a fencer that reaches no target fences no one")
    func heuristicsGateTheLevel() async throws {
        guard Self.fenceAgentsInstalled() else { return }
        let directory = try TemporaryDirectory()
        try directory.write("n1.status", "on")
        // Only the loopback address is pinged, so no packet leaves the machine: the failing heuristic asks for two
        // replies out of one ping.
        let spec = try Self.spec(
            """
              action: off
              devices:
                - name: reach-lo
                  agent: fence_heuristics_ping
                  params: {ping_targets: 127.0.0.1, ping_count: "1", ping_good_count: "1"}
                - name: reach-none
                  agent: fence_heuristics_ping
                  params: {ping_targets: 127.0.0.1, ping_count: "1", ping_good_count: "2", power_timeout: "1"}
                  retries: 0
                - {name: dummy-n1, agent: fence_dummy, params: {status_file: \(directory.path)/n1.status}}
              topology: {n1: [[reach-none, dummy-n1], [reach-lo, dummy-n1]], n2: [dummy-n1]}
            """, in: directory)
        var action = try Self.fenceAction(spec, target: "n1")
        action.fence?.delay = .zero
        let outcome = await Self.runner(spec, directory).run(action)
        #expect(outcome.code == 0, "\(outcome.message)")
        #expect(outcome.message == "n1 fenced (off) via reach-lo+dummy-n1")
        #expect(try directory.read("n1.status") == "off")
    }

    @Test("validation reads each device's meta-data: an unknown parameter is an error with a suggestion")
    func metadataChecksDevices() async throws {
        guard Self.fenceAgentsInstalled() else { return }
        let directory = try TemporaryDirectory()
        let spec = try Self.spec(
            """
              devices:
                - {name: dummy, agent: fence_dummy, params: {status_fille: /tmp/x}}
                - {name: missing, agent: fence_nonesuch}
              topology: {n1: [dummy], n2: [missing]}
            """, in: directory)
        let diagnostics = await AgentCatalog().metadataDiagnostics(for: spec)
        let texts = diagnostics.map(\.description)
        #expect(
            texts.contains {
                $0.contains(
                    "error: unknown parameter 'status_fille' in fence device 'dummy'; did you mean 'status_file'?")
            },
            "\(texts)")
        #expect(
            texts.contains { $0.contains("warning: fence device 'missing' not checked: fence_nonesuch") }, "\(texts)")
    }
}
