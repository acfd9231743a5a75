import BatonCLI
import BatonControl
import BatonCore
import Foundation
import Testing

/// The faults real clusters see every week, on real engines in network namespaces: a link that flaps, a partition
/// and its heal, an engine killed and restarted or paused, both engines stopped at once, two configurations.
@Suite(.serialized, .timeLimit(.minutes(5))) struct FaultTests {
    /// Waits until both engines run and n1 holds the group.
    static func settled(_ cluster: Cluster) async throws {
        try cluster.start("n1")
        try cluster.start("n2")
        _ = try await cluster.waitFor("n2", "the group runs on n1 and n2 is the ready standby") {
            ClusterTests.running($0, on: "n1") && $0.role == .slaveOK
        }
    }

    /// Whether `node` hears every link of `peer`.
    static func hearsEveryLink(_ status: StatusReport, of peer: String) -> Bool {
        status.peers.first { $0.name == peer }?.links.allSatisfy { $0.state == "up" } == true
    }

    @Test func aLinkThatFlapsComesBack() async throws {
        guard let cluster = try await Cluster.make("lf") else { return }
        defer { cluster.tearDown() }
        try await Self.settled(cluster)
        for round in 1...2 {
            try await cluster.ip("n1", ["link", "set", "eth1", "down"])
            _ = try await cluster.waitFor("n2", "link 2 of n1 is down (\(round))") {
                $0.peers.first { $0.name == "n1" }?.links[1].state == "down"
            }
            try await cluster.ip("n1", ["link", "set", "eth1", "up"])
            // Within deadtime of being usable again, plus an interval to notice: here 1.2 s; the wait allows 5.
            _ = try await cluster.waitFor("n2", "n2 hears link 2 of n1 again (\(round))", limit: .seconds(5)) {
                Self.hearsEveryLink($0, of: "n1")
            }
            let n1 = try await cluster.waitFor("n1", "n1 hears link 2 of n2 again (\(round))", limit: .seconds(5)) {
                Self.hearsEveryLink($0, of: "n2")
            }
            #expect(ClusterTests.running(n1, on: "n1") && n1.role == .main, "no takeover for one link")
        }
    }

    @Test func aPartitionHealsToOneHolder() async throws {
        guard let cluster = try await Cluster.make("ph") else { return }
        defer { cluster.tearDown() }
        try await Self.settled(cluster)
        try await cluster.ip("n1", ["link", "set", "eth0", "down"])
        try await cluster.ip("n1", ["link", "set", "eth1", "down"])
        // Without fencing the standby takes over while it hears nothing of n1.
        _ = try await cluster.waitFor("n2", "n2 took the group over during the cut") {
            ClusterTests.running($0, on: "n2")
        }
        try await Task.sleep(for: .seconds(2))
        try await cluster.ip("n1", ["link", "set", "eth0", "up"])
        try await cluster.ip("n1", ["link", "set", "eth1", "up"])
        let healed = try await cluster.waitFor("n2", "one senior and one holder after the heal") { status in
            guard status.senior == "n1", Self.hearsEveryLink(status, of: "n1") else { return false }
            let n1Holds = try? await cluster.holdsFloatingAddress("n1")
            let n2Holds = try? await cluster.holdsFloatingAddress("n2")
            return n1Holds != n2Holds && cluster.agentProcesses("n1").count + cluster.agentProcesses("n2").count == 1
        }
        let holder = ClusterTests.running(healed, on: "n1") ? "n1" : "n2"
        #expect(ClusterTests.running(healed, on: holder), "the state says where the group runs")
        #expect(try await cluster.holdsFloatingAddress(holder), "the floating address is where the state says")
        _ = try await cluster.waitFor("n1", "n1 holds the same state as n2") {
            let n2 = await cluster.status("n2")
            return $0.senior == "n1" && $0.state == n2?.state
        }
        #expect(await cluster.ping())
    }

    @Test func aServiceInheritsNothingOfTheEngine() async throws {
        guard let cluster = try await Cluster.make("fd") else { return }
        defer { cluster.tearDown() }
        try await Self.settled(cluster)
        let service = try #require(cluster.agentProcesses("n1").first)
        let open = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(service)/fd").compactMap(Int.init)
        #expect(open.sorted() == [0, 1, 2], "the service inherited nothing but its standard streams: \(open)")
    }

    @Test func anEngineKilledAndStartedAgainAdoptsWhatRuns() async throws {
        guard let cluster = try await Cluster.make("ek") else { return }
        defer { cluster.tearDown() }
        try await Self.settled(cluster)
        let service = try #require(cluster.agentProcesses("n1").first)

        // Killed and started again at once, within deadtime: no takeover; it probes and adopts, with monitors.
        try await cluster.killEngine("n1")
        try cluster.start("n1")
        let adopted = try await cluster.waitFor("n1", "n1 adopted the group it ran") {
            ClusterTests.running($0, on: "n1") && $0.monitors["app"] == 0 && $0.role == .main
        }
        #expect(cluster.agentProcesses("n1") == [service], "the same service, never started twice")
        await #expect(try !cluster.holdsFloatingAddress("n2"))
        #expect(!adopted.events.contains { $0.event == "takeover-started" })

        // Killed for longer than deadtime: n2 tries to take over, but the floating address still answers from n1. That
        // is no failure of n2's: the group waits, and n2 stays a candidate.
        try await cluster.killEngine("n1")
        let held = try await cluster.waitFor("n2", "n2 finds the address held by n1") { $0.waiting["web"] != nil }
        #expect(held.role != .slaveFailed && held.role != .mainFailed, "\(held.role)")
        #expect(held.state.state(of: ResourceName("vip")).failures.isEmpty, "no failure recorded against n2")
        #expect(held.events.contains { $0.event == "group-held-elsewhere" })
        // n1's kernel still answers ICMP echoes on its links: nothing confirms it down, so the address was probed.
        #expect(
            held.events.contains { $0.event == "node-answers" && $0.node == "n1" },
            "\(held.events.map { "\($0.time) \($0.event) \($0.message)" }.joined(separator: "\n"))")
        let reached = await cluster.ping()
        #expect(cluster.agentProcesses("n1") == [service] && reached)

        // Its engine returns: it adopts the group, monitors it (a killed service restarts in place), and a real crash
        // afterwards is taken over.
        try cluster.start("n1")
        _ = try await cluster.waitFor("n2", "the group runs on n1 again, as the state says") {
            ClusterTests.running($0, on: "n1") && $0.waiting.isEmpty && $0.role == .slaveOK
        }
        try cluster.killService(on: "n1")
        _ = try await cluster.waitFor("n1", "the monitor saw the service die and it restarted on n1") {
            ClusterTests.running($0, on: "n1") && $0.state.state(of: ResourceName("app")).failures.count == 1
        }
        await cluster.crash("n1")
        _ = try await cluster.waitFor("n2", "n2 takes the group over after the real crash") {
            ClusterTests.running($0, on: "n2") && $0.role == .mono
        }
        #expect(await cluster.ping())
    }

    @Test func anEnginePausedForThreeSecondsLeavesOneHolder() async throws {
        guard let cluster = try await Cluster.make("sp") else { return }
        defer { cluster.tearDown() }
        try await Self.settled(cluster)
        let engine = try #require(cluster.engines["n1"])
        kill(engine, SIGSTOP)
        try await Task.sleep(for: .seconds(3))
        kill(engine, SIGCONT)
        let after = try await cluster.waitFor("n2", "one holder and a ready standby after the pause") {
            ClusterTests.running($0, on: "n1") && $0.role == .slaveOK && $0.waiting.isEmpty && $0.senior == "n1"
        }
        let n2Holds = try await cluster.holdsFloatingAddress("n2")
        let n1Holds = try await cluster.holdsFloatingAddress("n1")
        #expect(!n2Holds && n1Holds)
        #expect(cluster.agentProcesses("n1").count == 1 && cluster.agentProcesses("n2").isEmpty)
        let n1 = try await cluster.waitFor("n1", "n1 is MAIN") { $0.role == .main }
        let events = n1.events + after.events
        #expect(!events.contains { $0.event == "clock-difference" }, "the clocks never differed")
    }

    @Test func bothEnginesStoppedAtOnceLeaveNothingRunning() async throws {
        guard let cluster = try await Cluster.make("bs") else { return }
        defer { cluster.tearDown() }
        // The standby's SIGTERM at once, and while the active one hands over: before the floating address is up on
        // the standby (it probes for 500 ms), during that start, and after it.
        for delay in [0, 100, 300, 700] {
            try await Self.settled(cluster)
            let active = try #require(cluster.engines["n1"])
            let standby = try #require(cluster.engines["n2"])
            kill(active, SIGTERM)
            try await Task.sleep(for: .milliseconds(delay))
            kill(standby, SIGTERM)
            var statuses: [String: Int32] = [:]
            for node in ["n1", "n2"] { statuses[node] = try await cluster.terminate(node, signalled: true) }
            #expect(statuses == ["n1": 0, "n2": 0], "\(delay) ms")
            #expect(
                cluster.agentProcesses("n1").isEmpty && cluster.agentProcesses("n2").isEmpty,
                "\(delay) ms: no service left")
            let n1Holds = try await cluster.holdsFloatingAddress("n1")
            let n2Holds = try await cluster.holdsFloatingAddress("n2")
            #expect(!n1Holds && !n2Holds, "\(delay) ms")
        }
        // A maintenance stop of the whole cluster pages nobody: no loss, no failure, nothing blocked.
        for node in ["n1", "n2"] {
            let log = try String(
                contentsOfFile: cluster.directory.appendingPathComponent("\(node).log").path, encoding: .utf8)
            let alarms = log.split(separator: "\n").filter { $0.contains(" critical ") || $0.contains(" error ") }
            #expect(alarms.isEmpty, "\(node): \(alarms.joined(separator: "\n"))")
        }
    }

    @Test func aPeerThatLeavesIsNoLoss() async throws {
        guard let cluster = try await Cluster.make("nl") else { return }
        defer { cluster.tearDown() }
        try await Self.settled(cluster)
        #expect(try await cluster.terminate("n2") == 0)
        let events = try await cluster.waitForEvents("n1", "n1 sees n2 leave") {
            $0.contains { $0.event == "node-left" }
        }
        let left = try #require(events.last { $0.event == "node-left" })
        #expect(left.severity == .info && left.node == "n2", "the node that left is its subject")
        #expect(!events.contains { $0.event == "node-lost" || $0.event.hasPrefix("takeover") })
    }

    @Test func aNodeWithAnotherConfigurationTakesNoPart() async throws {
        guard let cluster = try await Cluster.make("cm") else { return }
        defer { cluster.tearDown() }
        try cluster.start("n1")
        _ = try await cluster.waitFor("n1", "n1 alone runs the group") { ClusterTests.running($0, on: "n1") }
        // n2's file gives the group another monitor interval and has other comments: only the group section differs.
        let other = try String(contentsOfFile: cluster.config, encoding: .utf8)
            .replacingOccurrences(of: "monitor: {interval: 1s", with: "monitor: {interval: 2s")
            .replacingOccurrences(of: "version: 1", with: "# edited on n2\nversion: 1")
        let otherConfig = cluster.directory.appendingPathComponent("other.yaml").path
        try other.write(toFile: otherConfig, atomically: true, encoding: .utf8)
        try cluster.start("n2", config: otherConfig)
        let n1 = try await cluster.waitFor("n1", "n1 names n2's other configuration") {
            $0.mismatched["n2"] == ["groups"]
        }
        let n2 = try await cluster.waitFor("n2", "n2 names n1's other configuration", config: otherConfig) {
            $0.mismatched["n1"] == ["groups"]
        }
        #expect(n1.events.contains { $0.event == "config-mismatch" && $0.node == "n2" })
        let check = try await ValidateCommandTests.run(
            Cluster.baton, ["config", "check-nodes", "-c", cluster.config, "--state-dir", cluster.stateDirectory("n1")])
        #expect(check.status == 1, "another configuration is heard: \(check.output)\(check.error)")
        #expect(check.output == "n1: this node\nn2: ANOTHER CONFIGURATION (groups differ); it takes no part in plans\n")
        #expect(n2.events.contains { $0.event == "config-mismatch" && $0.node == "n1" })
        // Some seconds later: one senior, n1, and n2 has started nothing.
        try await Task.sleep(for: .seconds(3))
        let later = try #require(await cluster.status("n2", config: otherConfig))
        #expect(later.senior == nil && later.role == .undefined, "n2 neither leads nor follows: \(later.role)")
        let n2Holds = try await cluster.holdsFloatingAddress("n2")
        #expect(cluster.agentProcesses("n2").isEmpty && !n2Holds)
        let still = try #require(await cluster.status("n1"))
        #expect(still.senior == "n1" && ClusterTests.running(still, on: "n1"), "what runs keeps running")
    }
}
